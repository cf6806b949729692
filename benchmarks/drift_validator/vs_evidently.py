"""DriftValidator vs Evidently's DataDriftPreset on 100k rows x 20 columns with planted shifts (common.SHIFTED_COLUMNS).

Both tools start from the same two CSV files. Ours (main .venv), timed two ways:
- end to end: `dcai drift --baseline B.csv --current C.csv` (tfx_dcai.drift_validator.cli.run, in process): TFDV
  statistics of both sides in Beam, the drift step, the multivariate sample and classifier, the report files;
- the drift step alone on the two statistics protos (what the DriftValidator component does in a pipeline, where
  StatisticsGen has already computed them).
Evidently (its own venv, evidently_runner.py in a subprocess): pandas.read_csv of both files + DataDriftPreset.
Import times are excluded on both sides (reported apart); one untimed warm-up run each; medians of --repeats runs.

    nice .venv/bin/python benchmarks/drift_validator/vs_evidently.py [--rows 100000] [--repeats 3]
"""
import argparse
import json
import os
import statistics as stat
import subprocess
import tempfile
import time

BENCH_PYTHON = os.path.join(os.path.dirname(__file__), "..", "..", ".venv-bench-drift_validator", "bin", "python")
DATA_DIR = os.path.join(tempfile.gettempdir(), "dv_bench")


def write_data(rows: int) -> tuple:
    """The baseline (seed 1, no shift) and current (seed 2, planted shifts) CSV files, written once."""
    import pyarrow.csv as pc
    from benchmarks.drift_validator.common import planted_shift_table
    os.makedirs(DATA_DIR, exist_ok=True)
    paths = (f"{DATA_DIR}/baseline_{rows}.csv", f"{DATA_DIR}/current_{rows}.csv")
    for path, seed, shifted in zip(paths, (1, 2), (False, True)):
        if not os.path.exists(path):
            pc.write_csv(planted_shift_table(rows, seed, shifted), path)
    return paths


def dcai_drift(paths, output_dir: str) -> list:
    """`dcai drift` in process; returns the drifted feature names from its report."""
    import argparse as ap
    from tfx_dcai.drift_validator import cli
    parser = ap.ArgumentParser()
    cli.add_arguments(parser)
    cli.run(parser.parse_args(["--baseline", paths[0], "--current", paths[1], "--output-dir", output_dir]))
    with open(os.path.join(output_dir, "drift_report.json")) as f:
        return sorted(entry["name"] for entry in json.load(f)["features"] if entry["drift"])


def ours(paths, repeats):
    """(median end-to-end s, median drift-step s, drifted columns)."""
    from benchmarks.drift_validator.common import drift_step
    from tfx_dcai.drift_validator.cli import _statistics_and_samples
    from tfx_dcai.drift_validator.config import DriftConfig
    scratch = tempfile.mkdtemp()
    dcai_drift(paths, scratch)  # warm-up
    stats, _ = _statistics_and_samples({"baseline": paths[0], "current": paths[1]}, scratch, DriftConfig())
    end_to_end, step, drifted = [], [], None
    for _ in range(repeats):
        start = time.perf_counter()
        drifted = dcai_drift(paths, scratch)
        end_to_end.append(time.perf_counter() - start)
        start = time.perf_counter()
        drift_step(stats["current"], stats["baseline"])
        step.append(time.perf_counter() - start)
    return stat.median(end_to_end), stat.median(step), drifted


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
    from tfx_dcai.drift_validator import cli, validation  # noqa: F401
    import_s = time.perf_counter() - start
    end_to_end_s, step_s, our_drifted = ours(paths, args.repeats)
    theirs = evidently(paths, args.repeats)
    ev_s = stat.median(theirs["times_s"])
    print(f"data: {args.rows} rows x 20 columns per side (CSV), planted shift in {sorted(SHIFTED_COLUMNS)}; "
          f"n={args.repeats} runs each, medians; imports excluded (ours {import_s:.1f}s, "
          f"Evidently {theirs['version']} {theirs['import_s']:.1f}s)")
    for what, value in (("drift step on the two statistics protos (the component in a pipeline)", step_s),
                        ("`dcai drift` end to end from the CSV files", end_to_end_s)):
        print(f"vs Evidently DataDriftPreset: DriftValidator {what} {value:.2f}s | anchor Evidently {ev_s:.2f}s | "
              f"ratio {value / ev_s:.3f} (target <= 0.1: >= 10x faster)")
    print(f"drifted columns: ours {our_drifted} | Evidently {theirs['drifted']} | planted {sorted(SHIFTED_COLUMNS)} | "
          f"same: {our_drifted == theirs['drifted']}")
    print(f"Evidently methods: {sorted(set(theirs['methods'].values()))}; runs {[round(t, 2) for t in theirs['times_s']]}")


if __name__ == "__main__":
    main()
