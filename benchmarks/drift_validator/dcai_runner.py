"""Runs `dcai drift` (in this process, after the imports) on two CSV files `repeats` times after one untimed warm-up;
then the drift step alone on the statistics of the last run; prints one JSON line with the times, the drifted
columns and this process's peak RSS. Called by vs_evidently.py, so both tools' peak memory is measured alike."""
import json
import os
import resource
import sys
import tempfile
import time

start = time.perf_counter()
import tensorflow_data_validation  # noqa: E402,F401
from tfx_dcai.drift_validator import cli  # noqa: E402
import_s = time.perf_counter() - start


def main():
    import argparse

    baseline, current, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extra = sys.argv[4:]
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    out = tempfile.mkdtemp()
    args = parser.parse_args(["--baseline", baseline, "--current", current, "--output-dir", out] + extra)
    times = []
    for run in range(repeats + 1):
        t0 = time.perf_counter()
        cli.run(args)
        if run:
            times.append(time.perf_counter() - t0)
    with open(os.path.join(out, "drift_report.json")) as f:  # local
        report = json.load(f)
    from benchmarks.drift_validator.common import drift_step
    from tfx_dcai.drift_validator import beam_drift
    from tfx_dcai.drift_validator.config import DriftConfig
    scratch = tempfile.mkdtemp()
    stats, _ = cli._read_sides({"baseline": baseline, "current": current}, scratch, DriftConfig(), None)
    steps = []
    for _ in range(3):
        t0 = time.perf_counter()
        drift_step(stats["current"], stats["baseline"])
        steps.append(time.perf_counter() - t0)
    del beam_drift
    print(json.dumps({"import_s": import_s, "times_s": times, "step_s": sorted(steps)[1],
                      "drifted": sorted(e["name"] for e in report["features"] if e["drift"]),
                      "features": len(report["features"]),
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
