"""Wall time of DriftValidator vs StatisticsGen's statistics on the same current data (one process, medians).

- StatisticsGen: TFDV GenerateStatistics over the rows in a Beam pipeline (what StatisticsGen runs).
- DriftValidator, statistics path: schema anomalies + per-feature drift + TFDV comparators, from the two protos.
- DriftValidator, with multivariate drift: plus the Beam bounded sample of both sides and the domain classifier.
Data: the 15,000 taxi trips, and synthetic sets of 100k and 1M rows x 20 columns (the 10x growth check).

    nice python benchmarks/drift_validator/speed.py [--repeats 3] [--sizes 100000,1000000]
"""
import argparse
import statistics as stat
import tempfile
import time

import numpy as np
import pyarrow as pa


def synthetic_batches(rows: int, seed: int, shift: float = 0.0, batch_rows: int = 10_000):
    """20 columns: 14 numeric (normal, lognormal, integer), 6 categorical (5 to 200 values)."""
    rng = np.random.default_rng(seed)
    batches = []
    for start in range(0, rows, batch_rows):
        n = min(batch_rows, rows - start)
        arrays, names = [], []
        for j in range(14):
            values = (rng.normal(shift if j == 0 else 0, 1, n) if j % 3 == 0 else
                      rng.lognormal(0, 1, n) if j % 3 == 1 else rng.poisson(4, n).astype(float))
            arrays.append(pa.array(values.reshape(-1, 1).tolist(), type=pa.list_(pa.float64())))
            names.append(f"num_{j}")
        for j in range(6):
            k = [5, 10, 20, 50, 100, 200][j]
            values = rng.integers(0, k, n).astype(str)
            arrays.append(pa.array([[v.encode()] for v in values], type=pa.list_(pa.binary())))
            names.append(f"cat_{j}")
        batches.append(pa.RecordBatch.from_arrays(arrays, names))
    return batches


def _pipeline():
    import apache_beam as beam
    return beam.Pipeline(argv=["--direct_running_mode=in_memory", "--direct_num_workers=1"])


def statistics_gen(batches, path):
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    from components.drift_validator.beam_sampling import write_pickle
    with _pipeline() as p:
        _ = (p | beam.Create(batches, reshuffle=False) | tfdv.GenerateStatistics(tfdv.StatsOptions())
             | beam.Map(lambda s: write_pickle(s.SerializeToString(), path)))
    from components.drift_validator.beam_sampling import read_pickle
    from tensorflow_metadata.proto.v0 import statistics_pb2
    return statistics_pb2.DatasetFeatureStatisticsList.FromString(read_pickle(path)).datasets[0]


def drift_validator(current, baseline, schema, current_batches=None, baseline_batches=None, scratch=None):
    import apache_beam as beam
    from components.drift_validator.config import DriftConfig
    from components.drift_validator.validation import DriftInputs, validate
    inputs = DriftInputs(current=current, baseline=baseline, schema=schema)
    if current_batches is not None:
        inputs.current_rows = lambda p: p | "current" >> beam.Create(current_batches, reshuffle=False)
        inputs.baseline_rows = lambda p: p | "baseline" >> beam.Create(baseline_batches, reshuffle=False)
    return validate(inputs, DriftConfig(permutations=200), _pipeline if current_batches is not None else None,
                    scratch)


def timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return stat.median(times), result


def compare(label, current_batches, baseline_batches, schema, repeats, scratch):
    stats_time, current = timed(lambda: statistics_gen(current_batches, f"{scratch}/c.pkl"), repeats)
    baseline = statistics_gen(baseline_batches, f"{scratch}/b.pkl")
    dv_time, result = timed(lambda: drift_validator(current, baseline, schema), repeats)
    mv_time, _ = timed(lambda: drift_validator(current, baseline, schema, current_batches, baseline_batches,
                                               scratch), repeats)
    drifted = [f["name"] for f in result.report["features"] if f["drift"]]
    print(f"{label}: DriftValidator (statistics path) {dv_time:.2f}s | anchor StatisticsGen {stats_time:.2f}s | "
          f"ratio {dv_time / stats_time:.3f} (target <= 0.25) | drifted {drifted}", flush=True)
    print(f"{label}: DriftValidator (+ multivariate sample) {mv_time:.2f}s | anchor StatisticsGen {stats_time:.2f}s | "
          f"ratio {mv_time / stats_time:.3f}", flush=True)
    return dv_time, mv_time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2
    from benchmarks.drift_validator.common import taxi_record_batch
    from pipelines import TAXI_SCHEMA
    scratch = tempfile.mkdtemp()
    with open(TAXI_SCHEMA) as f:
        schema = text_format.Parse(f.read(), schema_pb2.Schema())
    taxi = taxi_record_batch()
    half = taxi.num_rows // 2
    compare(f"taxi {half} vs {taxi.num_rows - half} rows", [taxi.slice(0, half)], [taxi.slice(half)], schema,
            args.repeats, scratch)
    sizes = [int(s) for s in args.sizes.split(",")]
    times = {}
    for rows in sizes:
        times[rows] = compare(f"synthetic {rows} rows x 20 columns, shift on num_0",
                              synthetic_batches(rows, 1, shift=0.2), synthetic_batches(rows, 2), None,
                              args.repeats, scratch)
    if len(sizes) == 2:
        small, large = sizes
        for i, what in enumerate(("statistics path", "+ multivariate sample")):
            print(f"growth {small}->{large} rows: DriftValidator ({what}) {times[large][i]:.2f}s vs own "
                  f"{times[small][i]:.2f}s | ratio {times[large][i] / times[small][i]:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
