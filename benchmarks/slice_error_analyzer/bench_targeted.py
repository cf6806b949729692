"""Error analysis -> targeted data (issue 13 b): does labelling the pool rows SliceErrorAnalyzer chooses for its
significant slices beat labelling the same number of random pool rows? The same model class retrained, 20 seeds.

Data: the tfx wheel's 15,002 labelled Chicago taxi trips (taxi_errors.py; label big_tipper, tips left out). Per
seed a random permutation splits them into an initial training set, an analysis (eval) set of 2,500 trips, an
unlabelled pool of 6,000 trips (labels hidden until chosen) and a test set of the rest (~5,000 trips).
Model: scikit-learn HistGradientBoostingClassifier (fixed hyperparameters, random_state 0; payment_type and company
as categorical). Steps per seed: train on the initial set; `find_slices` on its eval predictions (default
parameters); `select_from_pool(report, pool, budget)` (the documented rule: floor per slice, the rest by excess
errors, rows by content hash) vs `budget` random pool rows (the seed's generator); retrain on initial + chosen rows
with their labels; measure the test error overall and on the chosen slices (the test rows inside any significant
slice of that seed's report). A seed whose analysis finds no significant slice chooses no rows in the targeted arm
(the tool does not fill up with random rows); such seeds are counted.

Scenarios: `uniform` (the initial set is a random 1,500 trips) and `shifted` (the initial set under-represents
card payments, where tipping is recorded: 2,000 trips drawn with card trips kept at a tenth of their rate, a
covariate shift the eval and pool data do not have).

Prints one line per scenario and measure: what, targeted, random (the anchor), difference with a 95% paired-t CI
over the seeds. Lower error is better.

    nice .venv/bin/python benchmarks/slice_error_analyzer/bench_targeted.py --seeds 20 --budget 500
"""
import argparse
import os
import sys

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

NUMERIC = ["fare", "trip_miles", "trip_seconds", "trip_start_hour", "trip_start_day", "trip_start_month",
           "pickup_community_area", "dropoff_community_area", "pickup_latitude", "pickup_longitude",
           "dropoff_latitude", "dropoff_longitude"]
CATEGORICAL = ["payment_type", "company"]


def _model_inputs(frame, categories):
    import pandas as pd
    x = frame[NUMERIC].astype(float).copy()
    for name in CATEGORICAL:
        x[name] = pd.Categorical(frame[name], categories=categories[name]).codes.astype(float)
        x.loc[x[name] < 0, name] = np.nan
    return x


def _fit(frame, categories):
    from sklearn.ensemble import HistGradientBoostingClassifier
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, random_state=0,
                                           categorical_features=[len(NUMERIC) + i for i in range(len(CATEGORICAL))])
    model.fit(_model_inputs(frame, categories), frame["big_tipper"])
    return model


def _errors(model, frame, categories):
    return (model.predict(_model_inputs(frame, categories)) != frame["big_tipper"].to_numpy()).astype(float)


def _mask(report, frame):
    """Rows of `frame` inside any significant slice of `report` (its own encodings)."""
    from tfx_dcai.slice_error_analyzer import selection
    from tfx_dcai.slice_error_analyzer.api import to_record_batches
    encodings, targets = selection.target_slices(report)
    if not targets:
        return np.zeros(len(frame), bool)
    inside = np.concatenate([selection.memberships(b, encodings, targets) for b in to_record_batches(frame)])
    return inside.any(axis=1)


def one_seed(trips, seed: int, scenario: str, budget: int):
    from tfx_dcai.slice_error_analyzer import find_slices, select_from_pool

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(trips))
    eval_rows, pool_rows, rest = order[:2500], order[2500:8500], order[8500:]
    if scenario == "uniform":
        initial_rows, test_rows = rest[:1500], rest[1500:]
    else:
        card = (trips.payment_type.to_numpy()[rest] == "Credit Card")
        keep = rng.random(len(rest)) < np.where(card, 0.1, 1.0)
        candidates = rest[keep]
        initial_rows = candidates[:2000]
        test_rows = np.setdiff1d(rest, initial_rows)
    categories = {name: sorted(trips[name].dropna().unique()) for name in CATEGORICAL}
    initial, evaluation, pool, test = (trips.iloc[r].reset_index(drop=True)
                                       for r in (initial_rows, eval_rows, pool_rows, test_rows))
    model = _fit(initial, categories)
    evaluation = evaluation.assign(prediction=model.predict(_model_inputs(evaluation, categories)))
    report = find_slices(evaluation.drop(columns=["tips"]), "big_tipper")
    pool_features = pool.drop(columns=["big_tipper", "tips"]).assign(row_id=[str(i) for i in range(len(pool))])
    chosen, _ = select_from_pool(report, pool_features, budget)
    targeted_rows = chosen.row_id.astype(int).to_numpy() if len(chosen) else np.zeros(0, int)
    random_rows = rng.choice(len(pool), budget, replace=False)
    in_slices = _mask(report, test)
    result = {"significant": sum(s["significant"] for s in report["slices"]), "chosen": len(targeted_rows),
              "slice_share": float(in_slices.mean())}
    for arm, rows in (("targeted", targeted_rows), ("random", random_rows)):
        retrained = _fit(trips.iloc[np.concatenate([initial_rows, pool_rows[rows]])], categories)
        errors = _errors(retrained, test, categories)
        result[f"{arm}_overall"] = float(errors.mean())
        result[f"{arm}_slices"] = float(errors[in_slices].mean()) if in_slices.any() else float("nan")
    result["before_overall"] = float(_errors(model, test, categories).mean())
    result["before_slices"] = float(_errors(model, test, categories)[in_slices].mean()) if in_slices.any() \
        else float("nan")
    return result


def _ci(values):
    values = np.asarray([v for v in values if v == v])
    if len(values) < 2:
        return float("nan"), float("nan"), float("nan")
    mean = values.mean()
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--scenarios", nargs="+", default=["uniform", "shifted"])
    args = parser.parse_args()
    import taxi_errors
    import pandas as pd

    trips = pd.read_csv(taxi_errors.taxi_csv())
    print(f"# {len(trips)} taxi trips, budget {args.budget}, {args.seeds} seeds, HistGradientBoostingClassifier; "
          f"test error rate, mean [95% CI]; load {os.getloadavg()[0]:.1f}")
    print("what | targeted | random (anchor) | targeted - random [95% paired CI] | ratio")
    for scenario in args.scenarios:
        results = [one_seed(trips, 1000 + seed, scenario, args.budget) for seed in range(args.seeds)]
        empty = sum(r["chosen"] == 0 for r in results)
        print(f"# {scenario}: significant slices per seed median {np.median([r['significant'] for r in results]):.0f}"
              f"; seeds with nothing chosen {empty}; rows chosen median "
              f"{np.median([r['chosen'] for r in results]):.0f}; chosen slices cover "
              f"{100 * np.median([r['slice_share'] for r in results]):.0f}% of test rows (median); error before "
              f"retraining {_ci([r['before_overall'] for r in results])[0]:.4f} overall, "
              f"{_ci([r['before_slices'] for r in results])[0]:.4f} on the slices", flush=True)
        for measure in ("overall", "slices"):
            t = _ci([r[f"targeted_{measure}"] for r in results])
            rnd = _ci([r[f"random_{measure}"] for r in results])
            d = _ci([r[f"targeted_{measure}"] - r[f"random_{measure}"] for r in results])
            print(f"{scenario}: test error {'on the chosen slices' if measure == 'slices' else 'overall'} | "
                  f"{t[0]:.4f} [{t[1]:.4f}, {t[2]:.4f}] | {rnd[0]:.4f} [{rnd[1]:.4f}, {rnd[2]:.4f}] | "
                  f"{d[0]:+.4f} [{d[1]:+.4f}, {d[2]:+.4f}] | {t[0] / rnd[0]:.3f}", flush=True)


if __name__ == "__main__":
    main()
