"""Runs `dcai drift` (in this process, after the imports) on two CSV files `repeats` times after `warmups` untimed
warm-ups (argv: baseline current repeats [warmups, default 1] [dcai drift flags...]); then the drift step alone on
the two statistics protos of the last run (captured from the run, not computed again); prints one JSON line with
the times, the drifted columns and this process's peak RSS. Called by vs_evidently.py, so both tools' peak memory is
measured alike."""
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
    warmups = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    extra = sys.argv[5:]
    from tfx_dcai.drift_validator import analysis

    captured, analyze = {}, analysis.analyze

    def capture(inputs, config):  # keeps the statistics of the run for the drift-step timing below
        captured["current"], captured["baseline"] = inputs.current, inputs.baseline
        return analyze(inputs, config)

    analysis.analyze = capture  # cli.run imports analyze from the module at call time
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    out = tempfile.mkdtemp()
    args = parser.parse_args(["--baseline", baseline, "--current", current, "--output-dir", out] + extra)
    times = []
    for run in range(warmups + repeats):
        t0 = time.perf_counter()
        cli.run(args)
        if run >= warmups:
            times.append(time.perf_counter() - t0)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # of the runs, before the step below
    with open(os.path.join(out, "drift_report.json")) as f:  # local
        report = json.load(f)
    from benchmarks.drift_validator.common import drift_step
    steps = []
    for _ in range(3):
        t0 = time.perf_counter()
        drift_step(captured["current"], captured["baseline"])
        steps.append(time.perf_counter() - t0)
    print(json.dumps({"import_s": import_s, "times_s": times, "step_s": sorted(steps)[1],
                      "drifted": sorted(e["name"] for e in report["features"] if e["drift"]),
                      "features": len(report["features"]),
                      "maxrss_mb": maxrss_mb, "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
