"""Wall time of `dcai drift` on the same 1,000,000 rows on each Beam runner that runs here, and report parity.

Data: a synthetic baseline and current CSV of 500,000 rows each (6 columns: 3 numeric, 1 categorical, a label and a
score; the current side shifted), written once. Each run is a fresh `dcai drift` process (imports included), so
the figure is what a user waits for. Runners: in-memory DirectRunner, multi_processing with 2 workers, and
PortableRunner (embedded job server) with an EXTERNAL Python worker pool in a separate process; with
--flink-endpoint / --spark-endpoint also those engines (their job servers and the worker pool must be running).
One comparison per line: runner, wall seconds (median of --repeats), the in-memory figure, ratio, and whether the
report equals the in-memory one (tests/parity.py, relative float tolerance 1e-9).

Usage: python benchmarks/runner_wall_time.py [--rows 1000000] [--repeats 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests import parity  # noqa: E402


def write_data(root: str, rows: int) -> dict:
    paths = {"--baseline": os.path.join(root, "baseline.csv"), "--current": os.path.join(root, "current.csv")}
    parity._drift_frame(rows // 2, 1).to_csv(paths["--baseline"], index=False)
    parity._drift_frame(rows - rows // 2, 3, shift=0.5).to_csv(paths["--current"], index=False)
    return paths


def one_run(inputs: dict, beam_args, output_dir: str) -> float:
    argv = [sys.executable, "-m", "tfx_dcai.pipelines.cli", "drift"] + [x for kv in inputs.items() for x in kv] + \
        parity.COMMAND_FLAGS["drift"] + ["--output-dir", output_dir] + (["--"] + beam_args if beam_args else [])
    start = time.perf_counter()
    code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    if code not in (0, 1):
        raise RuntimeError(f"dcai drift exited {code} with {beam_args}")
    return wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flink-endpoint")
    parser.add_argument("--spark-endpoint")
    parser.add_argument("--worker-pool", help="host:port of a running worker pool (default: start one)")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="dcai-runners-")
    inputs = write_data(root, args.rows)
    with parity.worker_pool(os.path.join(root, "worker_pool.log")) as port:
        pool = args.worker_pool or f"localhost:{port}"
        runners = {"in_memory": [],
                   "multi_processing_2": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
                   "portable_external_pool": ["--runner=PortableRunner", "--job_endpoint=embed",
                                              "--environment_type=EXTERNAL", f"--environment_config={pool}"]}
        for name, endpoint in (("flink", args.flink_endpoint), ("spark", args.spark_endpoint)):
            if endpoint:
                runners[name] = ["--runner=PortableRunner", f"--job_endpoint={endpoint}",
                                 "--environment_type=EXTERNAL", f"--environment_config={pool}"]
        walls, reports = {}, {}
        for name, beam_args in runners.items():
            out = os.path.join(root, name)
            walls[name] = statistics.median(one_run(inputs, beam_args, out) for _ in range(args.repeats))
            with open(os.path.join(out, "drift_report.json")) as f:
                reports[name] = parity.normalized(json.load(f), root)
    base = walls["in_memory"]
    print(f"# dcai drift on {args.rows:,} rows ({args.rows // 2:,} per side), median of {args.repeats}, "
          f"load {os.getloadavg()[0]:.1f}")
    for name, wall in walls.items():
        same = not parity.differences(reports[name], reports["in_memory"])
        print(f"dcai drift wall time, {name}: {wall:.1f} s; in_memory {base:.1f} s; ratio {wall / base:.2f}; "
              f"report equal to in_memory: {same}")


if __name__ == "__main__":
    main()
