"""False alarms under no shift: two independent resamples (with replacement) of the 15,000 taxi trips, at
n = 100, 1k, 10k, 100k rows per side; TFDV statistics with StatisticsGen's defaults; the share of runs in
which ANY feature is flagged, by DriftValidator's per-feature rule (BH q=0.05 + effect floor) and by TFDV's
fixed JSD threshold 0.1 (its drift comparator on every feature) on the same statistics.

    nice python benchmarks/drift_validator/false_alarms.py [--runs 200] [--sizes 100,1000,10000,100000]

One line per size: what, ours, anchor (TFDV JSD 0.1), ratio; target ours <= 5%.
"""
import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from components.drift_validator.config import DriftConfig
    from components.drift_validator.feature_drift import compare_statistics
    from components.drift_validator.tfdv_checks import tfdv_drift_measurements
    from benchmarks.drift_validator.common import statistics, taxi_record_batch

    batch = taxi_record_batch()
    config = DriftConfig()
    rng = np.random.default_rng(args.seed)
    for n in [int(s) for s in args.sizes.split(",")]:
        ours = tfdv_flags = 0
        flagged_features, started = {}, time.time()
        for _ in range(args.runs):
            a = statistics(batch.take(rng.integers(0, batch.num_rows, n)))
            b = statistics(batch.take(rng.integers(0, batch.num_rows, n)))
            drifted = [e["name"] for e in compare_statistics(a, b, config) if e["drift"]]
            ours += bool(drifted)
            for name in drifted:
                flagged_features[name] = flagged_features.get(name, 0) + 1
            tfdv = tfdv_drift_measurements(b, a, config.tfdv_jsd_threshold)
            tfdv_flags += any(v.get("jensen_shannon_divergence", 0) > config.tfdv_jsd_threshold for v in tfdv.values())
        ours_rate, tfdv_rate = ours / args.runs, tfdv_flags / args.runs
        ratio = ours_rate / tfdv_rate if tfdv_rate else float("nan")
        print(f"false-alarm rate, no shift, n={n} per side, {args.runs} runs: ours {ours_rate:.1%} | "
              f"anchor TFDV JSD>0.1 {tfdv_rate:.1%} | ratio {ratio:.2f} | target ours <= 5% | "
              f"ours flagged {flagged_features or 'nothing'} | {time.time() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
