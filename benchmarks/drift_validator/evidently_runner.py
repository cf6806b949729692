"""Runs in the benchmark venv (.venv-bench-drift_validator, evidently): Evidently's DataDriftPreset on two
CSV files (argv: reference current repeats [warmups, default 1]; the warm-up runs are untimed); prints one JSON
line (version, import and run times, drifted columns, methods). Called by vs_evidently.py."""
import json
import os
import resource
import sys
import time

start = time.perf_counter()
import pandas as pd  # noqa: E402
import evidently  # noqa: E402
from evidently import Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402
import_s = time.perf_counter() - start


DISTANCE_METHODS = ("Wasserstein", "Jensen-Shannon", "PSI", "Kullback", "Hellinger", "Energy")


def drifted_columns(snapshot: dict) -> tuple:
    """Evidently's own per-column decision: a distance >= its threshold, or a p-value < its threshold.
    Returns (drifted columns, {column: method}, Evidently's DriftedColumnsCount)."""
    drifted, methods, count = [], {}, None
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            count = metric["value"]["count"]
        if not config["type"].endswith("ValueDrift"):
            continue
        methods[config["column"]] = config["method"]
        is_distance = config["method"].startswith(DISTANCE_METHODS)
        if (metric["value"] >= config["threshold"]) if is_distance else (metric["value"] < config["threshold"]):
            drifted.append(config["column"])
    return sorted(drifted), methods, count


def main():
    reference_path, current_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warmups = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    times, snapshot = [], None
    for run in range(warmups + repeats):
        t0 = time.perf_counter()
        reference, current = pd.read_csv(reference_path), pd.read_csv(current_path)
        snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference).dict()
        if run >= warmups:
            times.append(time.perf_counter() - t0)
    drifted, methods, count = drifted_columns(snapshot)
    print(json.dumps({"version": evidently.__version__, "import_s": import_s, "times_s": times,
                      "drifted": drifted, "evidently_drifted_count": count, "methods": methods,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
