"""Planted slices on real taxi features: recall and the share of reported slices that are false, at q = 0.05.

For each trial (seeded): take the 15,002 real trips, draw a background error rate 0.10 for every row, pick a
planted slice of 1 to 3 predicates (a top value of a categorical feature or a quantile bin of a numeric one,
from the analyzer's own encoding, with >= 300 rows), and raise its error rate by an effect (+0.05 small,
+0.10 medium, +0.20 large). A planted slice is recovered when a reported significant slice covers it with
Jaccard >= 0.5. A reported slice S is a false discovery when it is not truly worse than overall, i.e. its share
of planted rows |S & P| / |S| is not above |P| / n (its expected error rate is then <= the overall rate); it is
imprecise when less than half of its rows are planted (e.g. a parent that is worse only through the planted
child: true, but not the planted slice).

    .venv/bin/python benchmarks/slice_error_analyzer/bench_planted.py --trials 6
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

EFFECTS = {"small": 0.05, "medium": 0.10, "large": 0.20}
BACKGROUND = 0.10


def _masks(report, data):
    """Row mask of each reported slice, from its predicates."""
    from tfx_dcai.slice_error_analyzer.api import to_record_batches
    from tfx_dcai.slice_error_analyzer.encoding import FeatureEncoding, encode_batch

    encodings = [FeatureEncoding(f["name"], f["kind"], edges=tuple(f.get("bin_edges", ())),
                                 values=tuple(f.get("top_values", ()))) for f in report["features"]]
    codes = encode_batch(to_record_batches(data, len(data))[0], encodings)
    by_name = {e.name: i for i, e in enumerate(encodings)}

    def mask(predicates):
        rows = np.ones(len(data), bool)
        for p in predicates:
            i = by_name[p["feature"]]
            code = next(c for c in range(encodings[i].domain) if encodings[i].predicate(c) == p)
            rows &= codes[:, i] == code
        return rows
    return encodings, codes, mask


def trial(seed, levels, effect, trips, probe):
    from tfx_dcai.slice_error_analyzer import find_slices

    rng = np.random.default_rng(seed)
    encodings, codes, _ = probe
    while True:
        features = rng.choice(len(encodings), levels, replace=False)
        values = [rng.integers(0, encodings[f].domain - 1) for f in features]  # never the "missing" code
        planted = np.all([codes[:, f] == v for f, v in zip(features, values)], axis=0)
        if planted.sum() >= 300:
            break
    data = trips.copy()
    wrong = rng.random(len(data)) < BACKGROUND + effect * planted
    data["prediction"] = np.where(wrong, 1 - data.big_tipper, data.big_tipper).astype(float)
    report = find_slices(data, "big_tipper")
    _, _, mask = _masks(report, data)
    found, false, imprecise = False, 0, 0
    significant = [s for s in report["slices"] if s["significant"]]
    for entry in significant:
        rows = mask(entry["predicates"])
        inside = (rows & planted).sum()
        found |= inside / (rows | planted).sum() >= 0.5
        false += inside / rows.sum() <= planted.mean()
        imprecise += inside / rows.sum() < 0.5
    return found, false, imprecise, len(significant)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=6, help="trials per (levels, effect)")
    args = parser.parse_args()
    import taxi_errors
    from tfx_dcai.slice_error_analyzer import find_slices

    trips = taxi_errors.trips_with_predictions()
    probe_report = find_slices(trips, "big_tipper")
    probe = _masks(probe_report, trips)
    print(f"# {len(trips)} real taxi trips, background error {BACKGROUND}, q = 0.05, {args.trials} trials each")
    print("what | recall | false discovery share | imprecise share | reported per trial")
    totals = np.zeros(5)
    for levels in (1, 2, 3):
        for name, effect in EFFECTS.items():
            results = [trial(1000 * levels + 10 * t + int(effect * 100), levels, effect, trips, probe)
                       for t in range(args.trials)]
            sums = np.append(np.sum(results, axis=0), len(results))
            totals += sums
            print(_line(f"planted {levels}-predicate slice, effect {name} (+{effect})", sums))
    print(_line("all planted slices", totals))


def _line(what, sums):
    found, false, imprecise, reported, trials = sums
    share = (lambda x: x / reported) if reported else (lambda x: 0.0)
    return f"{what} | {found / trials:.2f} | {share(false):.2f} | {share(imprecise):.2f} | {reported / trials:.1f}"


if __name__ == "__main__":
    main()
