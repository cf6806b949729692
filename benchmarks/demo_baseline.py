"""Baseline cost of `make demo`'s standard pipeline: wall time, peak memory, and each component's share.

Runs `dcai demo --no-cache` (full data, fresh output directory) N times in child processes, reads each run's
component times from ML Metadata, and prints medians. The custom components' added cost is judged against
these figures. Usage: python benchmarks/demo_baseline.py [--runs 3] [--standard-only]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from tfx_dcai.pipelines.local_runner import PIPELINE_NAME
from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store


def one_run(standard_only: bool) -> dict:
    output = tempfile.mkdtemp(prefix="dcai-bench-")
    code = ("import sys; from tfx_dcai.pipelines.local_runner import run_local; "
            f"run_local({output!r}, enable_cache=False{', branches=[]' if standard_only else ''})")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    nodes = latest_run(sqlite_store(os.path.join(output, "metadata.sqlite")), PIPELINE_NAME)
    return {"wall_s": wall, "peak_rss_mib": max(peak_kib, before) / 1024,
            "components_s": {n.node: n.seconds for n in nodes}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--standard-only", action="store_true", help="without the tfx-dcai branches")
    args = parser.parse_args()
    runs = [one_run(args.standard_only) for _ in range(args.runs)]
    wall = statistics.median(r["wall_s"] for r in runs)
    each = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
    print(f"demo wall time (median of {len(runs)}): {wall:.1f} s; runs: {each}")
    print(f"demo peak RSS (largest child process, max of runs): {max(r['peak_rss_mib'] for r in runs):.0f} MiB")
    names = sorted(runs[0]["components_s"], key=lambda n: -runs[0]["components_s"][n])
    for name in names:
        seconds = statistics.median(r["components_s"].get(name, 0.0) for r in runs)
        print(f"  {name:<36} {seconds:7.1f} s  {100 * seconds / wall:5.1f}% of wall")
    in_components = statistics.median(sum(r["components_s"].values()) for r in runs)
    print(f"  {'(start-up, imports, orchestration)':<36} {wall - in_components:7.1f} s  "
          f"{100 * (wall - in_components) / wall:5.1f}% of wall")
    print(json.dumps({"runs": runs}), file=sys.stderr)


if __name__ == "__main__":
    main()
