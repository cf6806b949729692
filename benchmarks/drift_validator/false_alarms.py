"""False alarms under no shift: two independent resamples (with replacement) of the 15,000 taxi trips, at
n = 100, 1k, 10k, 100k rows per side; TFDV statistics with StatisticsGen's defaults; the share of runs in
which ANY feature is flagged, by DriftValidator's per-feature rule (BH q=0.05 + effect floor) and by TFDV's
fixed JSD threshold 0.1 (its drift comparator on every feature) on the same statistics.

    nice .venv/bin/python benchmarks/drift_validator/false_alarms.py [--runs 200] [--sizes 100,1000,10000,100000]

One line per size: what, ours, anchor (TFDV JSD 0.1), ratio; target ours <= 5%.
With `--planted-shift SD`, the current side's `fare` moves by SD baseline standard deviations and the lines
report the detection rate of `fare` instead (power, same statistics for both methods).
"""
import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--planted-shift", type=float, default=0.0, help="fare shift in baseline sd (power)")
    args = parser.parse_args()

    from tfx_dcai.drift_validator.config import DriftConfig
    from tfx_dcai.drift_validator.feature_drift import compare_statistics
    from tfx_dcai.drift_validator.tfdv_checks import tfdv_drift_measurements
    from benchmarks.drift_validator.common import statistics, taxi_record_batch

    batch = taxi_record_batch()
    shifted = shift_fare(batch, args.planted_shift) if args.planted_shift else batch
    config = DriftConfig()
    rng = np.random.default_rng(args.seed)
    for n in [int(s) for s in args.sizes.split(",")]:
        ours = tfdv_flags = 0
        flagged_features, started = {}, time.time()
        for _ in range(args.runs):
            a = statistics(batch.take(rng.integers(0, batch.num_rows, n)))
            b = statistics(shifted.take(rng.integers(0, batch.num_rows, n)))
            drifted = [e["name"] for e in compare_statistics(a, b, config) if e["drift"]]
            ours += ("fare" in drifted) if args.planted_shift else bool(drifted)
            for name in drifted:
                flagged_features[name] = flagged_features.get(name, 0) + 1
            tfdv = tfdv_drift_measurements(b, a, config.tfdv_jsd_threshold)
            considered = {"fare": tfdv.get("fare", {})} if args.planted_shift else tfdv
            tfdv_flags += any(v.get("jensen_shannon_divergence", 0) > config.tfdv_jsd_threshold
                              for v in considered.values())
        ours_rate, tfdv_rate = ours / args.runs, tfdv_flags / args.runs
        ratio = ours_rate / tfdv_rate if tfdv_rate else float("nan")
        what = (f"detection rate of a {args.planted_shift} sd fare shift" if args.planted_shift
                else "false-alarm rate, no shift")
        target = "higher is better" if args.planted_shift else "target ours <= 5%"
        print(f"{what}, n={n} per side, {args.runs} runs: ours {ours_rate:.1%} | "
              f"anchor TFDV JSD>0.1 {tfdv_rate:.1%} | ratio {ratio:.2f} | {target} | "
              f"ours flagged {flagged_features or 'nothing'} | {time.time() - started:.0f}s", flush=True)


def shift_fare(batch, sd_units: float):
    """The batch with every `fare` value moved by `sd_units` standard deviations of fare."""
    import pyarrow as pa
    index = batch.schema.get_field_index("fare")
    column = batch.column(index)
    values = column.flatten().to_numpy(zero_copy_only=False)
    moved = type(column).from_arrays(column.offsets, pa.array(values + sd_units * np.nanstd(values)),
                                     mask=column.is_null())
    return pa.RecordBatch.from_arrays([moved if i == index else c for i, c in enumerate(batch.columns)],
                                      batch.schema.names)


if __name__ == "__main__":
    main()
