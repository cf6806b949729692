"""`dcai slices` wall time on a 20,000-row CSV with a prediction column (the issue's target: under 30 s).

Data: taxi_errors.py (real trips and model predictions, deterministic resample to 20,000 rows). Runs the
installed CLI entry (`python -m tfx_dcai.pipelines.cli slices ...`) in a fresh process --repeats times; prints the
median.

    .venv/bin/python benchmarks/slice_error_analyzer/bench_cli.py
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGET_SECONDS = 30.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    import taxi_errors

    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "trips.csv")
        taxi_errors.resample(taxi_errors.trips_with_predictions(), args.rows).to_csv(path, index=False)
        command = [sys.executable, "-m", "tfx_dcai.pipelines.cli", "slices", "--examples", path, "--label-column",
                   taxi_errors.LABEL, "--prediction-column", "prediction", "--output-dir",
                   os.path.join(scratch, "out")]
        env = dict(os.environ, PYTHONPATH=REPO, PYTHONWARNINGS="ignore")
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
            times.append(time.perf_counter() - start)
            if done.returncode not in (0, 1):
                raise RuntimeError(done.stderr[-2000:])
    median = statistics.median(times)
    print("what | ours | anchor | ratio")
    print(f"dcai slices on {args.rows} CSV rows (median of {args.repeats}, process start included) | "
          f"{median:.1f} s | target {TARGET_SECONDS:.0f} s | {median / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
