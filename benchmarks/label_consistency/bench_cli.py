"""`dcai agreement` wall time on a CSV of a few thousand annotation rows (fresh process, imports included).

    .venv/bin/python benchmarks/label_consistency/bench_cli.py
Prints one line: rows, median seconds of --repeats runs, the issue's 10 s target, ratio.
"""
import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET_SECONDS = 10.0


def write_csv(path: str, n_items: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["item", "annotator", "label", "fare"])
        for i in range(n_items):
            for annotator in "ABC":
                label = (i + (annotator == "C" and i % 7 == 0)) % 4
                writer.writerow([f"i{i}", annotator, label, i % 50])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "annotations.csv")
        write_csv(path, args.items)
        command = [sys.executable, "-c", "import sys; from tfx_dcai.pipelines.cli import main; sys.exit(main())",
                   "agreement", "--annotations", path, "--item-column", "item", "--annotator-column", "annotator",
                   "--label-column", "label", "--output-dir", os.path.join(tmp, "out")]
        times, cpu = [], []
        for _ in range(args.repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, check=False, capture_output=True, env={**os.environ, "PYTHONPATH": REPO})
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    seconds = statistics.median(times)
    print(f"dcai agreement on {3 * args.items} CSV rows: ours {seconds:.2f}s wall ({statistics.median(cpu):.2f}s CPU), "
          f"target {TARGET_SECONDS:.0f}s, ratio {seconds / TARGET_SECONDS:.2f} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
