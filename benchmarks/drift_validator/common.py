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
