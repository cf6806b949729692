"""tfx_dcai.tf_records: batch tf.Example encoding equal to a per-row protobuf builder, TFRecord framing equal to
Beam's, files that TensorFlow reads, corrupt files named."""
import gzip

import numpy as np
import pytest
from tensorflow.core.example import example_pb2

from tfx_dcai.hashing import text_hashes
from tfx_dcai.label_consistency.buckets import splits_for
from tfx_dcai.tf_records import (CorruptRecordError, decode_examples, encode_rows, frame_records, read_tfrecords,
                                 unframe_records, write_tfrecords)

to_tf_examples = encode_rows


def _reference_example(features: dict) -> example_pb2.Example:
    """The per-row encoder to_tf_examples replaced: int -> int64, float -> float, text -> bytes, None -> absent."""
    example = example_pb2.Example()
    for name, value in features.items():
        if value is None:
            continue
        feature = example.features.feature[name]
        values = value if isinstance(value, list) else [value]
        first = values[0] if values else b""
        if isinstance(first, (bool, int, np.integer)):
            feature.int64_list.value.extend(int(v) for v in values)
        elif isinstance(first, (float, np.floating)):
            feature.float_list.value.extend(float(v) for v in values)
        else:
            feature.bytes_list.value.extend(v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values)
    return example


def _as_dict(example) -> dict:
    """{feature: (kind, values as text)}; text so that NaN equals NaN."""
    as_dict = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        as_dict[name] = (kind, [repr(v) for v in getattr(feature, kind).value])
    return as_dict


def test_batch_encoding_equals_per_row_encoding_on_mixed_rows():
    rows = [
        {"item": "a", "label": "cat", "n": 3, "ok": True, "p": 0.1, "mixed": 1, "text": "naïve café ☕"},
        {"item": "b", "label": "dog", "n": 2, "ok": False, "p": 1e40, "mixed": 2.5, "text": None},
        {"item": "c", "label": "cat", "n": -7, "ok": True, "p": float("nan"), "mixed": "x", "text": b"\xff raw"},
        {"item": "d", "label": None, "n": 2 ** 62, "ok": None, "p": np.float64(2.5), "mixed": None, "text": "日本"},
        {"item": "e", "label": "emu", "n": 0, "ok": True, "p": -0.0, "mixed": True, "text": [1, 2], "extra": 1.5},
        {"item": "f", "label": "emu", "n": 1, "ok": False, "p": 3.25, "mixed": np.int64(4), "text": ""},
    ]
    decoded = [example_pb2.Example.FromString(e) for e in to_tf_examples(rows)]
    assert [_as_dict(e) for e in decoded] == [_as_dict(_reference_example(row)) for row in rows]
    assert "text" not in decoded[1].features.feature and "label" not in decoded[3].features.feature


def test_rows_without_features_and_no_rows():
    assert to_tf_examples([{"a": None}, {"a": 1}]) == [b"", _reference_example({"a": 1}).SerializeToString()]
    assert to_tf_examples([]) == []


def test_framed_records_equal_beams_tfrecord_encoding():
    import io

    from apache_beam.io.tfrecordio import _TFRecordUtil

    records = [b"", b"x", bytes(range(256)) * 40, "naïve ☕".encode("utf-8")]
    expected = io.BytesIO()
    for record in records:
        _TFRecordUtil.write_record(expected, record)
    assert frame_records(records) == expected.getvalue()
    assert frame_records([]) == b""


def test_splits_follow_the_shares_and_do_not_follow_the_hash_buckets():
    ids = [f"item{i}" for i in range(20000)]
    splits = splits_for(ids, {"train": 4, "eval": 1})
    assert splits == splits_for(ids, {"eval": 1, "train": 4})  # deterministic, whatever the dict order
    assert abs(splits.count("eval") / len(ids) - 0.2) < 0.01
    buckets = text_hashes(ids) % np.uint64(5)
    for bucket in range(5):  # the split is not a function of the bucket (same hash, other bits)
        in_bucket = [s for s, b in zip(splits, buckets.tolist()) if b == bucket]
        assert abs(in_bucket.count("eval") / len(in_bucket) - 0.2) < 0.03


def test_written_files_read_back_by_tensorflow_and_by_read_tfrecords(tmp_path):
    import tensorflow as tf

    rows = [{"id": "007", "x": [1.5, 2.5], "n": 3}, {"id": "01", "tags": ["a", "b"]}]
    records = encode_rows(rows)
    path = str(tmp_path / "rows.gz")
    write_tfrecords(path, records)
    assert [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type="GZIP")] == records
    assert read_tfrecords(path) == records
    batch = decode_examples(records)
    assert batch.column(batch.schema.names.index("id")).to_pylist() == [[b"007"], [b"01"]]


def test_a_truncated_or_damaged_file_is_an_error_naming_it():
    data = frame_records([b"abc", b"defg"])
    assert unframe_records(data) == [b"abc", b"defg"]
    with pytest.raises(CorruptRecordError, match="f.tfrecord: truncated record"):
        unframe_records(data[:-3], "f.tfrecord")
    damaged = data[:13] + b"X" + data[14:]
    with pytest.raises(CorruptRecordError, match="bad data CRC"):
        unframe_records(damaged, "f.tfrecord")
    assert gzip.decompress(gzip.compress(data)) == data
