"""Calibration under no real effect: how often does the analysis report ANY significant slice when the errors are
independent of the features? Issue 11's target: at most 5% of runs at q = 0.05.

Data: the tfx wheel's 15,002 labelled taxi trips (taxi_errors.py), resampled with replacement to n rows per run
(numpy default_rng(seed)), their 16 real features (tips and the label left out); every row's error is an
independent Bernoulli(error rate) draw, so no slice is truly worse. Each run is the in-memory path
(`find_slices`' passes and analysis, default parameters: max_level 3, min_support max(32, n/100), alpha 0.95,
k 10, q 0.05). A run "alarms" when any evaluated slice is significant (q <= 0.05, worse than overall, not the
whole data), before the nesting filter: the strictest count. The same evaluated slices are also tested with the
pooled two-proportion z test the analyzer used before (same BH family), for the comparison.
`--metric log_loss` draws probabilities independent of the features instead (Welch, minimum n 30).

    nice .venv/bin/python benchmarks/slice_error_analyzer/bench_calibration.py --runs 200
"""
import argparse
import os
import sys
import time

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SIZES = (50, 100, 1000, 10_000)
RATES = (0.01, 0.05, 0.10, 0.20, 0.30)


def z_test_alarm(result, config) -> bool:
    """The analyzer's former test: pooled two-proportion z, one-sided, BH over the same family."""
    from tfx_dcai.multiple_testing import benjamini_hochberg
    from tfx_dcai.slice_error_analyzer.analysis import collect_evaluated
    from tfx_dcai.slice_error_analyzer.sliceline import ERROR_SUM, SIZE

    counts = result.counts
    evaluated = collect_evaluated(result.state, config.min_support_for(counts.used))
    s = evaluated.stats
    if not len(s) or counts.loss_sum == 0:
        return False
    x1, n1 = s[:, ERROR_SUM], s[:, SIZE]
    x2, n2 = counts.loss_sum - x1, counts.used - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p = np.where(np.isfinite(z), stats.norm.sf(z), 1.0)
    q = benjamini_hochberg(np.concatenate([p, np.ones(result.state.unevaluated)]))[:len(p)]
    worse = x1 / np.maximum(n1, 1) > counts.loss_sum / counts.used
    return bool(((q <= config.q) & worse & (n1 < counts.used)).any())


def one_run(features, n: int, rate: float, seed: int, metric: str):
    from tfx_dcai.slice_error_analyzer import analysis, in_memory, passes
    from tfx_dcai.slice_error_analyzer.api import to_record_batches
    from tfx_dcai.slice_error_analyzer.config import SliceConfig

    rng = np.random.default_rng(seed)
    data = features.iloc[rng.integers(0, len(features), n)].reset_index(drop=True)
    label = rng.integers(0, 2, n)
    if metric == "error_rate":
        wrong = rng.random(n) < rate
        data["prediction"] = np.where(wrong, 1 - label, label)
    else:
        data["prediction"] = rng.beta(2, 5, n)
    data["label"] = label
    config = SliceConfig(label_key="label", prediction_key="prediction", metric=metric)
    batches = to_record_batches(data)
    plan = passes.make_plan(list(batches[0].schema.names), config, "the data")
    result = in_memory.search(batches, plan, config)
    report = analysis.analyze(result, config)
    ours = report["n_significant"] > 0
    return ours, (z_test_alarm(result, config) if metric == "error_rate" else None), report["n_evaluated"]


def _share(alarms, runs):
    low, high = stats.binomtest(alarms, runs).proportion_ci(method="exact") if runs else (0, 0)
    return f"{100 * alarms / runs:.1f}% [{100 * low:.1f}, {100 * high:.1f}]"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--metric", default="error_rate", choices=("error_rate", "log_loss"))
    args = parser.parse_args()
    import taxi_errors

    features = taxi_errors.trips_with_predictions().drop(columns=[taxi_errors.LABEL, "prediction"])
    rates = args.rates if args.metric == "error_rate" else [None]
    print(f"# {args.runs} runs per cell; errors independent of the features; share of runs with any significant "
          f"slice at q = 0.05 [95% Clopper-Pearson]; metric {args.metric}; load {os.getloadavg()[0]:.1f}")
    print("what | ours (exact / Welch) | anchor (pooled z test, same slices) | ratio | slices evaluated (median) "
          "| seconds per run")
    for n in args.sizes:
        for rate in rates:
            start = time.perf_counter()
            results = [one_run(features, n, rate or 0.0, 1_000_003 * n + 1009 * i + int(1000 * (rate or 0)),
                               args.metric) for i in range(args.runs)]
            seconds = (time.perf_counter() - start) / args.runs
            ours = sum(r[0] for r in results)
            evaluated = int(np.median([r[2] for r in results]))
            what = f"n={n}" + (f", error rate {rate:.0%}" if rate is not None else "")
            if args.metric == "error_rate":
                z = sum(r[1] for r in results)
                ratio = f"{ours / z:.2f}" if z else "-"
                print(f"{what} | {_share(ours, args.runs)} | {_share(z, args.runs)} | {ratio} | {evaluated} | "
                      f"{seconds:.2f}", flush=True)
            else:
                print(f"{what} | {_share(ours, args.runs)} | - | - | {evaluated} | {seconds:.2f}", flush=True)


if __name__ == "__main__":
    main()
