"""tf.Example TFRecord reading and writing as plain dicts of value lists (imports TensorFlow)."""
import contextlib

import tensorflow as tf


def _values(feature):
    kind = feature.WhichOneof("kind")
    return list(getattr(feature, kind).value) if kind else []


def read_gzipped(paths):
    """Yield (serialized bytes, {feature: [values]}) for each record of gzipped TFRecord files, in order."""
    for record in tf.data.TFRecordDataset(list(paths), compression_type="GZIP").as_numpy_iterator():
        example = tf.train.Example.FromString(record)
        yield record, {name: _values(f) for name, f in example.features.feature.items()}


def to_example(features: dict) -> tf.train.Example:
    """Build a tf.Example; the list's element type picks int64/float/bytes; an empty list stays empty."""
    example = tf.train.Example()
    for name in sorted(features):
        values = features[name]
        feature = example.features.feature[name]
        if not values:
            continue
        if isinstance(values[0], bytes):
            feature.bytes_list.value.extend(values)
        elif isinstance(values[0], str):
            feature.bytes_list.value.extend(v.encode("utf-8") for v in values)
        elif isinstance(values[0], (bool, int)):
            feature.int64_list.value.extend(int(v) for v in values)
        else:
            feature.float_list.value.extend(float(v) for v in values)
    return example


def canonical_bytes(features: dict) -> bytes:
    """The tf.Example of `features` serialized deterministically (map entries in key order).

    The same features give the same bytes in every process: a plain SerializeToString() writes the feature map in
    an order that can differ from process to process.
    """
    return to_example(features).SerializeToString(deterministic=True)


@contextlib.contextmanager
def writers(paths_by_key: dict):
    """Open one gzipped TFRecord writer per key; yields write(key, features_dict) (canonical_bytes records)."""
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    opened = {key: tf.io.TFRecordWriter(path, options) for key, path in paths_by_key.items()}
    try:
        yield lambda key, features: opened[key].write(canonical_bytes(features))
    finally:
        for writer in opened.values():
            writer.close()
