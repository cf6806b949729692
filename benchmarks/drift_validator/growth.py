"""The 10x-rows growth check: DriftValidator's drift step (statistics path) at 100k and 1M rows, and beside it the
TFDV statistics generation it reads (both sides, as `dcai drift` computes them), so the reader sees where time goes.

Data: common.planted_shift_table (20 columns, planted shifts), generated in memory. The drift step reads only the two
protos; it is timed as the median of --repeats runs, the statistics generation once per size (it is the slow part),
after one untimed warm-up at 1,000 rows.

    nice -n 10 .venv/bin/python benchmarks/drift_validator/growth.py [--sizes 100000,1000000] [--repeats 3]
"""
import argparse
import statistics as stat
import time


def measure(rows: int, repeats: int) -> tuple:
    from benchmarks.drift_validator.common import drift_step, planted_shift_table, tfdv_statistics_beam
    tables = {"baseline": planted_shift_table(rows, 1, False), "current": planted_shift_table(rows, 2, True)}
    start = time.perf_counter()
    stats = tfdv_statistics_beam(tables)
    stats_s = time.perf_counter() - start
    times, drifted = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        drifted = drift_step(stats["current"], stats["baseline"])
        times.append(time.perf_counter() - start)
    drift_s = stat.median(times)
    print(f"{rows} rows/side: DriftValidator drift step {drift_s:.3f}s (median of {repeats}) | TFDV statistics of "
          f"both sides {stats_s:.1f}s (n=1) | drifted {drifted}", flush=True)
    return drift_s, stats_s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    small, large = (int(s) for s in args.sizes.split(","))
    measure(1000, 1)  # untimed warm-up: the first Beam/TFDV pipeline and the lazy imports cost ~10 s once
    drift_small, stats_small = measure(small, args.repeats)
    drift_large, stats_large = measure(large, args.repeats)
    print(f"growth {small}->{large} rows: DriftValidator drift step {drift_large:.3f}s | anchor own time at {small} "
          f"{drift_small:.3f}s | ratio {drift_large / drift_small:.2f} (target <= 1.2)")
    print(f"growth {small}->{large} rows: TFDV statistics generation {stats_large:.1f}s | anchor own time at {small} "
          f"{stats_small:.1f}s | ratio {stats_large / stats_small:.2f} (for reference: it reads every row)")


if __name__ == "__main__":
    main()
