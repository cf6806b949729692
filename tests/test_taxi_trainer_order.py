"""The taxi Trainer's input order does not depend on how the examples are sharded into files or ordered."""
import os
import random


def test_canonical_records_are_the_same_for_any_file_layout_and_row_order(tmp_path, small_taxi_data):
    import tensorflow as tf

    from tfx_dcai import tf_example
    from tfx_dcai.pipelines.trainer.taxi_trainer import canonical_records

    root, _ = small_taxi_data
    source = os.path.join(root, "train", "trips.tfrecord.gz")
    records = [tf.train.Example.FromString(r) for r in
               tf.data.TFRecordDataset([source], compression_type="GZIP").as_numpy_iterator()]
    random.Random(0).shuffle(records)
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    files = [str(tmp_path / f"part-{i}.gz") for i in range(3)]
    for i, path in enumerate(files):
        with tf.io.TFRecordWriter(path, options) as writer:
            for example in records[i::3]:
                writer.write(example.SerializeToString())  # not deterministic: the map order may differ
    assert canonical_records(files) == canonical_records([source])
    assert len(canonical_records([source])) == len(records)
    assert tf_example.canonical_bytes({"b": [1], "a": [2.5]}) == tf_example.canonical_bytes({"a": [2.5], "b": [1]})
