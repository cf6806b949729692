"""Scale: the whole analysis on the DirectRunner at 100k and 1M rows x 20 features (time, peak memory).

Data: taxi_errors.py (real trips and model errors, deterministic resample, widened to 20 features with derived
trip ratios). Each size runs in its own process: `find_slices` with default parameters (max_level 3,
min_support max(32, n/100), alpha 0.95, k 10), Beam DirectRunner in-process. Prints one line per size:
what, seconds, peak RSS (MB), and the growth ratio vs the first size.

    .venv/bin/python benchmarks/slice_error_analyzer/bench_scale.py --rows 100000 1000000
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FEATURES = 20


def _child(rows: int):
    sys.path.insert(0, HERE)
    import taxi_errors
    from tfx_dcai.slice_error_analyzer import find_slices

    data = taxi_errors.widen(taxi_errors.resample(taxi_errors.trips_with_predictions(), rows), FEATURES)
    start = time.perf_counter()
    report = find_slices(data, taxi_errors.LABEL)
    seconds = time.perf_counter() - start
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
    from benchmarks.peak_memory import peak_rss_mb
    peak = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "features": len(report["features"]),
                      "evaluated": report["n_evaluated"], "significant": report["n_significant"]}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        return _child(args.child)
    env = dict(os.environ, PYTHONPATH=REPO, PYTHONWARNINGS="ignore")
    first = None
    print("what | seconds | peak MB | slices evaluated | time ratio vs first size")
    for rows in args.rows:
        out = subprocess.run([sys.executable, __file__, "--child", str(rows)], env=env, capture_output=True,
                             text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        first = first or result
        print(f"find_slices {rows} rows x {result['features']} features | {result['seconds']:.1f} | "
              f"{result['peak_mb']:.0f} | {result['evaluated']} | {result['seconds'] / first['seconds']:.2f}")


if __name__ == "__main__":
    main()
