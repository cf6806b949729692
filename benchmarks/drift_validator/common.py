"""Shared benchmark helpers: the taxi trips that ship with TFX as one Arrow RecordBatch, TFDV statistics."""
import glob
import os


def taxi_record_batch():
    """All 15,000 labelled taxi trips (Split-train + Split-eval of tfx's csv_example_gen testdata)."""
    import tensorflow as tf
    import tfx
    from tfx_bsl.coders import example_coder
    root = os.path.join(os.path.dirname(tfx.__file__), "components", "testdata", "csv_example_gen")
    paths = sorted(glob.glob(os.path.join(root, "Split-*", "*.gz")))
    records = list(tf.data.TFRecordDataset(paths, compression_type="GZIP").as_numpy_iterator())
    return example_coder.ExamplesToRecordBatchDecoder().DecodeBatch(records)


def statistics(batch, quantile_buckets: int = 10):
    """TFDV statistics of one RecordBatch with StatisticsGen's default options (in memory, no Beam)."""
    import tensorflow_data_validation as tfdv
    from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory
    options = tfdv.StatsOptions(num_quantiles_histogram_buckets=quantile_buckets)
    return generate_statistics_in_memory(batch, options).datasets[0]


SHIFTED_COLUMNS = ("num_00", "num_05", "cat_2", "cat_6")  # the planted shifts of planted_shift_table
CATEGORY_COUNTS = (3, 5, 10, 20, 50, 100, 8, 12)


def planted_shift_table(rows: int, seed: int, shifted: bool):
    """A pyarrow Table of 12 numeric + 8 categorical flat columns, drawn deterministically from `seed`.

    With `shifted`, the current side's population differs in SHIFTED_COLUMNS only: num_00 (normal) mean +0.3 sd,
    num_05 (lognormal) values x1.3, cat_2 gets 25% extra mass on value v0, cat_6's value probabilities reversed.
    """
    import numpy as np
    import pyarrow as pa
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(12):
        kind = j % 4
        values = (rng.normal(0, 1, rows) if kind == 0 else rng.lognormal(0, 1, rows) if kind == 1 else
                  rng.poisson(4, rows).astype(float) if kind == 2 else rng.uniform(0, 10, rows))
        name = f"num_{j:02d}"
        if shifted and name == "num_00":
            values = values + 0.3
        if shifted and name == "num_05":
            values = values * 1.3
        columns[name] = values
    for j, k in enumerate(CATEGORY_COUNTS):
        probabilities = 1.0 / np.arange(1, k + 1)  # Zipf-like
        probabilities /= probabilities.sum()
        name = f"cat_{j}"
        if shifted and name == "cat_2":
            probabilities = 0.75 * probabilities + 0.25 * np.eye(k)[0]
        if shifted and name == "cat_6":
            probabilities = probabilities[::-1]
        codes = rng.choice(k, size=rows, p=probabilities)
        columns[name] = pa.DictionaryArray.from_arrays(codes.astype(np.int32),
                                                        pa.array([f"v{i}" for i in range(k)])).cast(pa.string())
    return pa.table(columns)


def drift_step(current, baseline):
    """DriftValidator's statistics path (per-feature drift + TFDV comparators) on two statistics protos."""
    from tfx_dcai.drift_validator.analysis import DriftInputs, analyze
    from tfx_dcai.drift_validator.config import DriftConfig
    result = analyze(DriftInputs(current=current, baseline=baseline), DriftConfig())
    return sorted(f["name"] for f in result.report["features"] if f["drift"])


def wide_table(rows: int, numeric: int, categorical: int, seed: int, shifted: bool):
    """A pyarrow Table of `numeric` normal/lognormal/uniform columns and `categorical` Zipf columns (3-50 values).

    With `shifted`, WIDE_SHIFTS change: the first numeric column's mean +0.3 sd, the middle numeric column x1.3
    (lognormal), and with categorical columns the first gets 25% extra mass on v0 and the middle one its value
    probabilities reversed.
    """
    import numpy as np
    import pyarrow as pa
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(numeric):
        kind = j % 3
        values = (rng.normal(0, 1, rows) if kind == 0 else rng.lognormal(0, 1, rows) if kind == 1 else
                  rng.uniform(0, 10, rows))
        name = f"num_{j:04d}"
        if shifted and name in wide_shifts(numeric, categorical):
            values = values + 0.3 if kind == 0 else values * 1.3
        columns[name] = np.round(values, 5)
    for j in range(categorical):
        k = (3, 5, 10, 20, 50)[j % 5]
        probabilities = 1.0 / np.arange(1, k + 1)
        probabilities /= probabilities.sum()
        name = f"cat_{j:03d}"
        if shifted and name == f"cat_{0:03d}":
            probabilities = 0.75 * probabilities + 0.25 * np.eye(k)[0]
        if shifted and name == f"cat_{categorical // 2:03d}":
            probabilities = probabilities[::-1]
        codes = rng.choice(k, size=rows, p=probabilities)
        columns[name] = pa.DictionaryArray.from_arrays(codes.astype(np.int32),
                                                        pa.array([f"v{i}" for i in range(k)])).cast(pa.string())
    return pa.table(columns)


def wide_shifts(numeric: int, categorical: int) -> tuple:
    """The planted shifts of wide_table (the middle numeric column is lognormal when numeric // 2 % 3 == 1)."""
    middle = numeric // 2 - (numeric // 2) % 3 + 1
    shifts = [f"num_{0:04d}", f"num_{middle:04d}"]
    if categorical:
        shifts += [f"cat_{0:03d}", f"cat_{categorical // 2:03d}"]
    return tuple(sorted(shifts))
