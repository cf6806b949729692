"""DriftValidator's executor vs StatisticsGen's executor on the same current data, both reading Examples artifacts
from disk with the same Beam runner (what each costs as a pipeline node), and DriftValidator's growth with rows.

- StatisticsGen: TFX's executor over the current Examples (TFDV GenerateStatistics, default StatsOptions).
- DriftValidator, statistics path: the executor with statistics, baseline statistics and schema (never reads rows).
- DriftValidator, + multivariate: the executor also given both Examples artifacts (Beam bounded sample of each side,
  domain classifier on 5,000 rows per side).
Data: the 15,000 taxi trips (halves), and synthetic 20-column sets of 100k and 1M rows per side (shift on num_0).
Executors are built outside the timings (TFX's BaseBeamExecutor packages TFX once per construction, for both alike).

    nice .venv/bin/python benchmarks/drift_validator/speed.py [--repeats 3] [--sizes 100000,1000000] [--large-repeats 1]
"""
import argparse
import json
import os
import statistics as stat
import tempfile
import time

import numpy as np
import pyarrow as pa

from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402

BEAM_ARGS = list(LOCAL_BEAM_ARGS)


def synthetic_batches(rows: int, seed: int, shift: float = 0.0, batch_rows: int = 10_000):
    """20 list columns: 14 numeric (normal, lognormal, integer), 6 categorical (5 to 200 values)."""
    rng = np.random.default_rng(seed)
    for start in range(0, rows, batch_rows):
        n = min(batch_rows, rows - start)
        offsets = pa.array(np.arange(n + 1, dtype=np.int32))
        arrays, names = [], []
        for j in range(14):
            values = (rng.normal(shift if j == 0 else 0, 1, n) if j % 3 == 0 else
                      rng.lognormal(0, 1, n) if j % 3 == 1 else rng.poisson(4, n).astype(float))
            arrays.append(pa.ListArray.from_arrays(offsets, pa.array(values.astype(np.float32))))
            names.append(f"num_{j}")
        for j, k in enumerate([5, 10, 20, 50, 100, 200]):
            values = pa.array(rng.integers(0, k, n).astype(str)).cast(pa.binary())
            arrays.append(pa.ListArray.from_arrays(offsets, values))
            names.append(f"cat_{j}")
        yield pa.RecordBatch.from_arrays(arrays, names)


def _artifact(cls, uri, split=None):
    from tfx.types import artifact_utils
    artifact = cls()
    artifact.uri = uri
    artifact.id = abs(hash(uri)) % 10 ** 6
    if split:
        artifact.split_names = artifact_utils.encode_split_names([split])
    return artifact


def write_examples(uri: str, split: str, batches):
    """An Examples artifact holding the batches as gzipped tf.Examples."""
    import tensorflow as tf
    from tfx.types import standard_artifacts
    from tfx_bsl.coders.example_coder import RecordBatchToExamplesEncoder
    os.makedirs(os.path.join(uri, f"Split-{split}"))
    encoder = RecordBatchToExamplesEncoder()
    with tf.io.TFRecordWriter(os.path.join(uri, f"Split-{split}", "data.gz"), options="GZIP") as writer:
        for batch in batches:
            for record in encoder.encode(batch):
                writer.write(record)
    return _artifact(standard_artifacts.Examples, uri, split)


def statistics_gen(examples, uri: str):
    from tfx.components.statistics_gen.executor import Executor
    from tfx.types import standard_artifacts
    stats = _artifact(standard_artifacts.ExampleStatistics, uri)
    executor = Executor(Executor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=uri + ".tmp"))
    return stats, lambda: executor.Do({"examples": [examples]}, {"statistics": [stats]},
                                      {"exclude_splits": json.dumps([])})


def drift_validator(inputs: dict, uri: str):
    from tfx.types import standard_artifacts
    from tfx_dcai.artifacts import DriftBlessing, DriftReport
    from tfx_dcai.drift_validator.config import DriftConfig
    from tfx_dcai.drift_validator.executor import Executor
    executor = Executor(Executor.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=uri + ".tmp"))
    runs = iter(range(10 ** 6))

    def run():
        out = f"{uri}/{next(runs)}"
        outputs = {"anomalies": [_artifact(standard_artifacts.ExampleAnomalies, out + "/anomalies")],
                   "drift_report": [_artifact(DriftReport, out + "/report")],
                   "blessing": [_artifact(DriftBlessing, out + "/blessing")]}
        executor.Do(inputs, outputs, {"config": DriftConfig().to_json()})
        with open(os.path.join(out, "report", "drift_report.json")) as f:
            return json.load(f)
    return run


def timed(fn, repeats: int):
    """(median seconds of `repeats` runs after one untimed warm-up, last result)."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return stat.median(times), result


def compare(label, root, current_batches, baseline_batches, schema, repeats) -> dict:
    current = write_examples(f"{root}/current", "serving", current_batches)
    baseline = write_examples(f"{root}/baseline", "train", baseline_batches)
    current_stats, run_stats = statistics_gen(current, f"{root}/current_stats")
    stats_s, _ = timed(run_stats, repeats)
    baseline_stats, run_baseline_stats = statistics_gen(baseline, f"{root}/baseline_stats")
    run_baseline_stats()
    inputs = {"statistics": [current_stats], "baseline_statistics": [baseline_stats]}
    if schema:
        inputs["schema"] = [schema]
    times = {"StatisticsGen": stats_s}
    for what, extra in (("statistics path", {}),
                        ("+ multivariate", {"examples": [current], "baseline_examples": [baseline]})):
        seconds, report = timed(drift_validator({**inputs, **extra}, f"{root}/dv-{len(times)}"), repeats)
        times[what] = seconds
        drifted = [f["name"] for f in report["features"] if f["drift"]]
        auc = report["multivariate"]["auc"] if report.get("multivariate") else None
        print(f"{label}: DriftValidator ({what}) {seconds:.2f}s | anchor StatisticsGen {stats_s:.2f}s | ratio "
              f"{seconds / stats_s:.3f} (target <= 0.25) | status {report['status']}, drifted {drifted}"
              + (f", domain-classifier AUC {auc:.3f}" if auc is not None else ""), flush=True)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--large-repeats", type=int, default=1, help="repeats at the largest size")
    args = parser.parse_args()
    from tfx.types import standard_artifacts
    from benchmarks.drift_validator.common import taxi_record_batch
    from tfx_dcai.pipelines import TAXI_SCHEMA
    root = tempfile.mkdtemp()
    schema = _artifact(standard_artifacts.Schema, os.path.dirname(TAXI_SCHEMA))
    taxi = taxi_record_batch()
    half = taxi.num_rows // 2
    compare(f"taxi {half} vs {taxi.num_rows - half} trips", f"{root}/taxi", [taxi.slice(0, half)],
            [taxi.slice(half)], schema, args.repeats)
    sizes = [int(s) for s in args.sizes.split(",")]
    times = {}
    for rows in sizes:
        repeats = args.large_repeats if rows == max(sizes) and len(sizes) > 1 else args.repeats
        times[rows] = compare(f"synthetic {rows} rows/side x 20 columns", f"{root}/{rows}",
                              synthetic_batches(rows, 1, shift=0.2), synthetic_batches(rows, 2), None, repeats)
    if len(sizes) == 2:
        small, large = sizes
        for what in times[large]:
            print(f"growth {small}->{large} rows: {what} {times[large][what]:.2f}s vs own {times[small][what]:.2f}s "
                  f"| ratio {times[large][what] / times[small][what]:.2f}"
                  + (" (target <= 1.2)" if what != "StatisticsGen" else " (reads every row)"))


if __name__ == "__main__":
    main()
