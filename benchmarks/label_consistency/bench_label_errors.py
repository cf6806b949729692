"""The label-errors loop on real tabular data (issue 13a, issue 11 item 4), one comparison per line.

    .venv/bin/python benchmarks/label_consistency/bench_label_errors.py [--seeds 20]

1. Ranking vs cleanlab (taxi trips, big_tipper, 12% flips, features without `tips` so the label is not a formula of
   them): precision at k = the true number of flips of our ranking (label_review: suspects first by label quality)
   and of cleanlab 2.9.0's `find_label_issues(..., return_indices_ranked_by="self_confidence")`, on the same
   5-fold out-of-sample probabilities; and our estimated number of errors vs the truth.
2. Multi-class confident learning vs cleanlab (penguins, 3 classes, 10% flips, `P_<label>`-style probabilities from
   5-fold HistGradientBoosting): agreement of the two flag sets.
3. The seed's claim, "500 examples with 12% noisy labels: cleaning the noise is about as effective as doubling the
   data": a fixed model (HistGradientBoostingClassifier, max_iter=100), 20 seeds, test accuracy of noisy-500,
   reviewed-500 (a simulated reviewer corrects only the queued examples; budget = our estimate), noisy-1000 and
   clean-500, with 95% t-intervals over seeds, and the review cost.
cleanlab (AGPL-3) runs only in .venv-bench-label_consistency (requirements/bench-label_consistency.txt), in a
subprocess reading the probabilities this script saved.
"""
import argparse
import glob
import os
import statistics
import subprocess
import tempfile
import zlib

import numpy as np

from tfx_dcai.label_consistency import confident_learning as cl

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_PYTHON = os.path.join(HERE, "..", "..", ".venv-bench-label_consistency", "bin", "python")
TAXI_NUMERIC = ("fare", "trip_miles", "trip_seconds", "trip_start_hour", "trip_start_day", "trip_start_month",
                "pickup_latitude", "pickup_longitude", "dropoff_latitude", "dropoff_longitude")
TAXI_CATEGORICAL = ("payment_type", "company")
CLEANLAB = """
import sys, numpy as np
from cleanlab.filter import find_label_issues
from cleanlab.count import num_label_issues
d = np.load(sys.argv[1])
ranked = find_label_issues(d["labels"], d["probs"], return_indices_ranked_by="self_confidence")
mask = find_label_issues(d["labels"], d["probs"], filter_by="prune_by_noise_rate")
np.savez(sys.argv[2], ranked=ranked, mask=mask, n=num_label_issues(d["labels"], d["probs"]))
"""


def _records(pattern):
    from tfx_dcai.tf_records import decode_examples, read_tfrecords

    records = [r for path in sorted(glob.glob(pattern)) for r in read_tfrecords(path)]
    batch = decode_examples(records)
    return {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}


def _first(values):
    return [v[0] if v else None for v in values]


def taxi():
    """(features, big_tipper) of the labelled taxi trips bundled with tfx; `tips` is left out of the features."""
    from tfx_dcai.pipelines.taxi_data import TIP_SHARE, taxi_testdata_dir

    data = _records(os.path.join(taxi_testdata_dir(), "Split-*", "*"))
    tips, fare = np.array(_first(data["tips"]), float), np.array(_first(data["fare"]), float)
    keep = np.isfinite(tips) & np.isfinite(fare)
    x = np.column_stack([np.array(_first(data[n]), float) for n in TAXI_NUMERIC]
                        + [np.array([zlib.crc32(v or b"") % 1000 for v in _first(data[n])], float)
                           for n in TAXI_CATEGORICAL])
    return x[keep], (tips[keep] > TIP_SHARE * fare[keep]).astype(int)


def penguins():
    import tfx

    root = os.path.join(os.path.dirname(tfx.__file__), "components", "testdata", "penguin", "data")
    data = _records(os.path.join(root, "Split-*", "*"))
    names = [n for n in data if n != "species"]
    x = np.column_stack([np.array(_first(data[n]), float) for n in names])
    return x, np.array(_first(data["species"]), int)


def flip(labels, share, rng, k):
    flipped = rng.random(len(labels)) < share
    return np.where(flipped, (labels + rng.integers(1, k, len(labels))) % k, labels), flipped


def run_cleanlab(probs, labels):
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(os.path.join(tmp, "in.npz"), probs=probs, labels=labels)
        subprocess.run([BENCH_PYTHON, "-c", CLEANLAB, os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")],
                       check=True)
        out = np.load(os.path.join(tmp, "out.npz"))
        return out["ranked"], out["mask"], int(out["n"])


def precision_at(order, flipped, k):
    top = np.asarray(order[:k], int)
    return float(flipped[top].sum()) / k


def ranking_vs_cleanlab(x, y, seeds, n=5000):
    ours, theirs, est, their_est, truth = [], [], [], [], []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(y), n, replace=False)
        noisy, flipped = flip(y[idx], 0.12, rng, 2)
        probs = cl.out_of_sample_probabilities(x[idx], noisy, 5, seed)
        order = np.argsort(cl.ranking(probs, noisy), kind="stable")
        ranked, _, n_issues = run_cleanlab(probs, noisy)
        k = int(flipped.sum())
        ours.append(precision_at(order, flipped, k))
        theirs.append(precision_at(np.r_[ranked, np.full(max(0, k - len(ranked)), -1)][:k], np.r_[flipped, False], k))
        est.append(cl.estimated_errors(probs, noisy, n_bootstrap=0)[0])
        their_est.append(n_issues)
        truth.append(k)
    return ours, theirs, est, their_est, truth


def multiclass_vs_cleanlab(x, y, seeds):
    agreement, p_ours, p_theirs = [], [], []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        noisy, flipped = flip(y, 0.10, rng, 3)
        probs = cl.out_of_sample_probabilities(np.nan_to_num(x, nan=np.nan), noisy, 5, seed)
        ours = cl.find_label_issues(probs, noisy)
        _, theirs, _ = run_cleanlab(probs, noisy)
        agreement.append(float(np.mean(ours == theirs)))
        p_ours.append(float((ours & flipped).sum() / max(ours.sum(), 1)))
        p_theirs.append(float((theirs & flipped).sum() / max(theirs.sum(), 1)))
    return agreement, p_ours, p_theirs


def _model(seed):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=100, random_state=seed)


def _ci(values):
    mean = statistics.mean(values)
    if len(values) < 2:
        return mean, mean, mean
    from scipy import stats

    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5
    return mean, mean - half, mean + half


def clean_vs_double(x, y, seeds, n=500, n_test=3000):
    arms = {"noisy-500": [], "reviewed-500": [], "noisy-1000": [], "clean-500": []}
    cost, fixed, queued_precision, estimates, flips = [], [], [], [], []
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        order = rng.permutation(len(y))
        test, pool = order[:n_test], order[n_test:n_test + 2 * n]
        noisy_pool, flipped_pool = flip(y[pool], 0.12, rng, 2)
        first = slice(0, n)
        xs, clean, noisy, flipped = x[pool[first]], y[pool[first]], noisy_pool[first], flipped_pool[first]
        probs = cl.out_of_sample_probabilities(xs, noisy, 5, seed)
        estimate = cl.estimated_errors(probs, noisy, n_bootstrap=0)[0]
        budget = int(round(estimate))
        queued = np.argsort(cl.ranking(probs, noisy), kind="stable")[:budget]
        reviewed = noisy.copy()
        reviewed[queued] = clean[queued]  # the simulated reviewer corrects exactly the examples it is shown
        cost.append(budget)
        estimates.append(estimate)
        flips.append(int(flipped.sum()))
        fixed.append(int(flipped[queued].sum()))
        queued_precision.append(float(flipped[queued].mean()) if budget else 0.0)
        for arm, (features, labels) in {"noisy-500": (xs, noisy), "reviewed-500": (xs, reviewed),
                                        "noisy-1000": (x[pool], noisy_pool), "clean-500": (xs, clean)}.items():
            model = _model(seed).fit(features, labels)
            arms[arm].append(float((model.predict(x[test]) == y[test]).mean()))
    return arms, cost, fixed, queued_precision, estimates, flips


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--ranking-seeds", type=int, default=5)
    args = parser.parse_args()
    x, y = taxi()
    ours, theirs, est, their_est, truth = ranking_vs_cleanlab(x, y, args.ranking_seeds)
    print(f"precision at k=flips, taxi n=5000, 12% flips, {args.ranking_seeds} seeds (median): ours "
          f"{statistics.median(ours):.3f}, cleanlab self_confidence ranking {statistics.median(theirs):.3f}, "
          f"ratio {statistics.median(ours) / statistics.median(theirs):.3f} (per seed ours-theirs "
          f"{[round(a - b, 3) for a, b in zip(ours, theirs)]})")
    print(f"estimated label errors, same runs (median): ours {statistics.median(est):.0f}, cleanlab "
          f"num_label_issues {statistics.median(their_est):.0f}, truth {statistics.median(truth):.0f}, ratio ours/"
          f"truth {statistics.median(e / t for e, t in zip(est, truth)):.3f}")
    px, py = penguins()
    agreement, p_ours, p_theirs = multiclass_vs_cleanlab(px, py, args.ranking_seeds)
    print(f"multi-class confident learning, penguins n={len(py)} 3 classes 10% flips, {args.ranking_seeds} seeds: "
          f"flag-set agreement with cleanlab prune_by_noise_rate min {min(agreement):.4f} median "
          f"{statistics.median(agreement):.4f}; precision ours {statistics.median(p_ours):.3f}, cleanlab "
          f"{statistics.median(p_theirs):.3f}")
    arms, cost, fixed, queued_precision, estimates, flips = clean_vs_double(x, y, args.seeds)
    for arm, values in arms.items():
        mean, low, high = _ci(values)
        print(f"accuracy {arm} ({args.seeds} seeds): {mean:.4f} (95% CI {low:.4f}-{high:.4f})")
    gain_review = [r - n for r, n in zip(arms["reviewed-500"], arms["noisy-500"])]
    gain_double = [d - n for d, n in zip(arms["noisy-1000"], arms["noisy-500"])]
    for name, values in (("reviewed-500 - noisy-500", gain_review), ("noisy-1000 - noisy-500", gain_double),
                         ("reviewed-500 - noisy-1000", [r - d for r, d in zip(arms["reviewed-500"],
                                                                                  arms["noisy-1000"])])):
        mean, low, high = _ci(values)
        print(f"paired difference {name}: {mean:+.4f} (95% CI {low:+.4f} to {high:+.4f})")
    print(f"review cost: {statistics.mean(cost):.1f} examples reviewed per seed (estimate "
          f"{statistics.mean(estimates):.1f}, true flips {statistics.mean(flips):.1f}); flips fixed "
          f"{statistics.mean(fixed):.1f} "
          f"({statistics.mean(fixed) / statistics.mean(flips):.1%}); queue precision "
          f"{statistics.mean(queued_precision):.3f}; vs doubling: 500 more labelled examples")


if __name__ == "__main__":
    main()
