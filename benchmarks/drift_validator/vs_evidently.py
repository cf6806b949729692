"""DriftValidator vs Evidently's DataDriftPreset on 100k rows x 20 columns with planted shifts (common.SHIFTED_COLUMNS).

Ours (main .venv): TFDV statistics of both sides as `dcai drift` computes them (one Beam pipeline, 100 quantile
buckets, parquet read included), then DriftValidator's drift step on the two protos; timed separately and together.
Evidently (its own venv, evidently_runner.py in a subprocess): read both parquet files + DataDriftPreset report.
Import times are excluded on both sides (reported apart). Medians of --repeats runs.

    nice -n 10 .venv/bin/python benchmarks/drift_validator/vs_evidently.py [--rows 100000] [--repeats 3]
"""
import argparse
import json
import os
import statistics as stat
import subprocess
import time

BENCH_PYTHON = "/work/main/.venv-bench-drift_validator/bin/python"
DATA_DIR = "/tmp/dv_bench"


def write_data(rows: int) -> tuple:
    """The baseline (seed 1, no shift) and current (seed 2, planted shifts) parquet files, written once."""
    import pyarrow.parquet as pq
    from benchmarks.drift_validator.common import planted_shift_table
    os.makedirs(DATA_DIR, exist_ok=True)
    paths = (f"{DATA_DIR}/baseline_{rows}.parquet", f"{DATA_DIR}/current_{rows}.parquet")
    for path, seed, shifted in zip(paths, (1, 2), (False, True)):
        if not os.path.exists(path):
            pq.write_table(planted_shift_table(rows, seed, shifted), path)
    return paths


def ours(paths, repeats):
    import pyarrow.parquet as pq
    from benchmarks.drift_validator.common import drift_step, tfdv_statistics_beam
    stats_times, drift_times, drifted = [], [], None
    for _ in range(repeats):
        start = time.perf_counter()
        stats = tfdv_statistics_beam({"baseline": pq.read_table(paths[0]), "current": pq.read_table(paths[1])})
        middle = time.perf_counter()
        drifted = drift_step(stats["current"], stats["baseline"])
        stats_times.append(middle - start)
        drift_times.append(time.perf_counter() - middle)
    return stat.median(stats_times), stat.median(drift_times), stat.median(
        s + d for s, d in zip(stats_times, drift_times)), drifted


def evidently(paths, repeats):
    out = subprocess.run([BENCH_PYTHON, os.path.join(os.path.dirname(__file__), "evidently_runner.py"), *paths,
                          str(repeats)], check=True, capture_output=True, text=True,
                         env={**os.environ, "DO_NOT_TRACK": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from benchmarks.drift_validator.common import SHIFTED_COLUMNS
    paths = write_data(args.rows)
    start = time.perf_counter()
    import tensorflow_data_validation  # noqa: F401  (import cost reported apart, as for Evidently)
    from components.drift_validator import validation  # noqa: F401
    import_s = time.perf_counter() - start
    stats_s, drift_s, total_s, our_drifted = ours(paths, args.repeats)
    theirs = evidently(paths, args.repeats)
    ev_s = stat.median(theirs["times_s"])
    print(f"data: {args.rows} rows x 20 columns per side, planted shift in {sorted(SHIFTED_COLUMNS)}; "
          f"n={args.repeats} runs each, medians; imports excluded (ours {import_s:.1f}s, "
          f"Evidently {theirs['version']} {theirs['import_s']:.1f}s)")
    for what, value in (("TFDV statistics, both sides", stats_s), ("drift step on the two protos", drift_s),
                        ("statistics + drift step", total_s)):
        print(f"vs Evidently DataDriftPreset: DriftValidator {what} {value:.2f}s | anchor Evidently {ev_s:.2f}s | "
              f"ratio {value / ev_s:.3f} (target <= 0.1: >= 10x faster)")
    print(f"drifted columns: ours {our_drifted} | Evidently {theirs['drifted']} | planted {sorted(SHIFTED_COLUMNS)} | "
          f"same: {our_drifted == theirs['drifted']}")
    print(f"Evidently methods: {sorted(set(theirs['methods'].values()))}; runs ours stats {stats_s:.2f}s, "
          f"Evidently runs {[round(t, 2) for t in theirs['times_s']]}")


if __name__ == "__main__":
    main()
