"""DriftValidator (`dcai drift`) vs Evidently's DataDriftPreset, both from the same two CSV files.

Data (written once to $TMPDIR/dv_bench/):
- `--shape taxi-like` (default 100,000 x 20): common.planted_shift_table, planted shifts common.SHIFTED_COLUMNS;
- `--shape wide`: 20,000 rows x 1,000 numeric columns per side, 2 planted shifts (common.wide_table);
- `--shape mixed`: 100,000 rows x 200 columns (120 numeric, 80 categorical), 4 planted shifts.
Each tool runs in its own subprocess (ours: dcai_runner.py in the main .venv; Evidently: evidently_runner.py in
.venv-bench-drift_validator), `--warmups` untimed warm-ups (default 1) then `--repeats` timed runs (imports excluded
and reported apart); peak memory is each process's peak RSS (warm-ups included). With `--concurrent` the two
processes run at the same time, so on a shared, loaded machine both see the same load (the ratio is then the
figure to quote, not the absolute times; on 2 cores each tool gets about one). Ours also reports the drift step
alone on the two statistics protos (what the component does in a pipeline, where StatisticsGen has computed them).

    nice .venv/bin/python benchmarks/drift_validator/vs_evidently.py [--shape wide] [--repeats 3]
    nice .venv/bin/python benchmarks/drift_validator/vs_evidently.py --shape wide --repeats 1 --warmups 0 --concurrent
"""
import argparse
import json
import os
import statistics as stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH_PYTHON = os.path.join(ROOT, ".venv-bench-drift_validator", "bin", "python")
DATA_DIR = os.path.join(tempfile.gettempdir(), "dv_bench")
SHAPES = {"taxi-like": (100_000, None, None), "wide": (20_000, 1000, 0), "mixed": (100_000, 120, 80)}


def write_data(shape: str, rows: int) -> tuple:
    """The baseline (seed 1) and current (seed 2, planted shifts) CSV files; returns (paths, planted columns)."""
    import pyarrow.csv as pc
    sys.path.insert(0, ROOT)
    from benchmarks.drift_validator.common import SHIFTED_COLUMNS, planted_shift_table, wide_shifts, wide_table

    _, numeric, categorical = SHAPES[shape]
    os.makedirs(DATA_DIR, exist_ok=True)
    paths = (f"{DATA_DIR}/baseline_{shape}_{rows}.csv", f"{DATA_DIR}/current_{shape}_{rows}.csv")
    for path, seed, shifted in zip(paths, (1, 2), (False, True)):
        if not os.path.exists(path):
            table = (planted_shift_table(rows, seed, shifted) if numeric is None
                     else wide_table(rows, numeric, categorical, seed, shifted))
            pc.write_csv(table, path)
    planted = sorted(SHIFTED_COLUMNS) if numeric is None else sorted(wide_shifts(numeric, categorical))
    return paths, planted


def _start(python, script, paths, repeats, warmups, env=None):
    return subprocess.Popen([python, os.path.join(HERE, script), *paths, str(repeats), str(warmups)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, cwd=ROOT)


def _result(process):
    stdout, stderr = process.communicate()
    if process.returncode:
        raise RuntimeError(f"{process.args[1]} failed ({process.returncode}):\n{stderr[-4000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=sorted(SHAPES), default="taxi-like")
    parser.add_argument("--rows", type=int, help="rows per side (default: the shape's)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmups", type=int, default=1, help="untimed runs before the timed ones")
    parser.add_argument("--concurrent", action="store_true", help="run the two tools at the same time")
    args = parser.parse_args()
    rows = args.rows or SHAPES[args.shape][0]
    paths, planted = write_data(args.shape, rows)
    start_ours = lambda: _start(os.path.join(ROOT, ".venv", "bin", "python"), "dcai_runner.py", paths,  # noqa: E731
                                args.repeats, args.warmups,
                                {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": ROOT})
    start_theirs = lambda: _start(BENCH_PYTHON, "evidently_runner.py", paths, args.repeats,  # noqa: E731
                                  args.warmups, {"DO_NOT_TRACK": "1"})
    if args.concurrent:
        ours_process, theirs_process = start_ours(), start_theirs()
        ours, theirs = _result(ours_process), _result(theirs_process)
    else:
        ours = _result(start_ours())
        theirs = _result(start_theirs())
    ours_s, ev_s = stat.median(ours["times_s"]), stat.median(theirs["times_s"])
    print(f"data: {args.shape}, {rows:,} rows x {ours['features']} columns per side (CSV), planted shifts {planted}; "
          f"{args.repeats} runs each, medians; imports excluded (ours {ours['import_s']:.1f}s, Evidently "
          f"{theirs['version']} {theirs['import_s']:.1f}s); {args.warmups} warm-up(s)"
          f"{', concurrent' * args.concurrent}; "
          f"load average at the end: ours {ours['load']:.1f}, Evidently {theirs['load']:.1f}, now "
          f"{os.getloadavg()[0]:.1f}")
    print(f"wall: `dcai drift` end to end {ours_s:.2f}s | Evidently DataDriftPreset (read_csv + report) {ev_s:.2f}s | "
          f"ratio {ours_s / ev_s:.3f} (target <= 0.2)")
    print(f"peak RSS: dcai drift {ours['maxrss_mb']:.0f} MB | Evidently {theirs['maxrss_mb']:.0f} MB | ratio "
          f"{ours['maxrss_mb'] / theirs['maxrss_mb']:.2f} (target <= 1)")
    print(f"drift step on the two statistics protos: {ours['step_s']:.3f}s at {ours['features']} features "
          f"(target < 1 s) | Evidently {ev_s:.2f}s | ratio {ours['step_s'] / ev_s:.4f}")
    print(f"drifted columns: ours {ours['drifted']} | Evidently {theirs['drifted']} | planted {planted} | "
          f"same: {ours['drifted'] == theirs['drifted']}")
    print(f"runs: ours {[round(t, 2) for t in ours['times_s']]}, Evidently {[round(t, 2) for t in theirs['times_s']]}")


if __name__ == "__main__":
    main()
