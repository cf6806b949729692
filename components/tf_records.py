"""TFRecord files and tf.Example encoding without TensorFlow: one writer and one encoder for the whole library.

- Framing: a TFRecord is (length as uint64 LE, masked CRC32C of the length, data, masked CRC32C of the data), the
  CRCs from google-crc32c's C code. `frame_records` / `unframe_records` turn records into file bytes and back
  (checking both CRCs); `write_tfrecords` writes a whole file (gzip by default) on any Beam filesystem, also from
  inside a Beam transform; `read_tfrecords` reads one back (tfx_dcai.data_io's streaming reader).
- Encoding: `encode_columns` turns columns of Python values into serialized tf.Examples with tfx_bsl's C++
  encoder (`RecordBatchToExamplesEncoder`), a batch at a time: int/bool -> int64_list, float -> float_list,
  text/bytes -> bytes_list, None -> the feature is absent from that example; a list value is a feature with
  several values. `encode_rows` does the same for row dicts.
- Decoding: `decode_examples` turns serialized tf.Examples into a pyarrow RecordBatch (tfx_bsl's decoder).

TensorFlow-based helpers (tfx_dcai.tf_example) predate this module; their callers move here.
"""
import struct
from itertools import chain
from typing import Dict, Iterable, List, Sequence

import google_crc32c
import numpy as np
import pyarrow as pa

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_VALUE_TYPES = {"int": pa.int64(), "float": pa.float32(), "bytes": pa.large_binary()}


class CorruptRecordError(ValueError):
    """A TFRecord file whose framing or CRCs are wrong (truncated or damaged)."""


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C of `data`."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_records(records: Iterable[bytes]) -> bytes:
    """The records as the bytes of an (uncompressed) TFRecord file."""
    parts = []
    for record in records:
        length = _LENGTH.pack(len(record))
        parts += (length, _CRC.pack(masked_crc32c(length)), record, _CRC.pack(masked_crc32c(record)))
    return b"".join(parts)


def unframe_records(data: bytes, source: str = "TFRecord file") -> List[bytes]:
    """The records in the bytes of an (uncompressed) TFRecord file.

    Raises:
      CorruptRecordError: naming `source` and the byte offset, when a record is truncated or a CRC is wrong.
    """
    records, offset = [], 0
    view = memoryview(data)
    while offset < len(data):
        if offset + 12 > len(data):
            raise CorruptRecordError(f"{source}: truncated record header at byte {offset}")
        length_bytes = bytes(view[offset:offset + 8])
        (length,) = _LENGTH.unpack(length_bytes)
        (length_crc,) = _CRC.unpack(view[offset + 8:offset + 12])
        if length_crc != masked_crc32c(length_bytes):
            raise CorruptRecordError(f"{source}: bad length CRC at byte {offset}")
        end = offset + 12 + length
        if end + 4 > len(data):
            raise CorruptRecordError(f"{source}: truncated record at byte {offset}")
        record = bytes(view[offset + 12:end])
        if _CRC.unpack(view[end:end + 4])[0] != masked_crc32c(record):
            raise CorruptRecordError(f"{source}: bad data CRC at byte {offset}")
        records.append(record)
        offset = end + 4
    return records


def write_tfrecords(path: str, records: Iterable[bytes], gzipped: bool = True) -> None:
    """One TFRecord file at `path` (local or any Beam filesystem), replaced if it exists.

    Args:
      path: the file's path or URI.
      records: the serialized records.
      gzipped: gzip the file (TFX's `tfrecords_gzip` file format).
    """
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    compression = CompressionTypes.GZIP if gzipped else CompressionTypes.UNCOMPRESSED
    with FileSystems.create(path, compression_type=compression) as f:
        f.write(frame_records(records))


def read_tfrecords(path: str) -> List[bytes]:
    """The records of one TFRecord file (gzipped or not) on any Beam filesystem, CRC-checked: tfx_dcai.data_io's
    reader (errors name the file and the byte offset)."""
    from tfx_dcai import data_io

    return list(data_io.read_tfrecords(path))


def encode_rows(rows: Sequence[dict]) -> List[bytes]:
    """Serialized tf.Examples of row dicts {feature: value} (see encode_columns); a feature a row lacks is absent."""
    names = dict.fromkeys(chain.from_iterable(rows))
    return encode_columns({name: [row.get(name) for row in rows] for name in names}, len(rows))


def encode_columns(columns: Dict[str, list], n_rows: int) -> List[bytes]:
    """Serialized tf.Examples of columns of Python values (one list per feature, `n_rows` long).

    int/bool -> int64_list, float -> float_list, text/bytes -> bytes_list (text as UTF-8), None -> absent; a list
    or tuple value holds several values of one kind (an empty list: an empty feature). Rows whose values have the
    same kinds are encoded together by tfx_bsl; an example with no feature is b"".
    """
    from tfx_bsl.coders.example_coder import RecordBatchToExamplesEncoder

    uniform = {}
    for name, values in columns.items():
        kinds = {_kind(v) for v in values} if any(isinstance(v, (list, tuple)) for v in values) else \
            {_type_kind(t) for t in set(map(type, values))}
        if len(kinds) == 1:
            uniform[name] = kinds.pop()
    varying = [name for name in columns if name not in uniform]
    examples = [b""] * n_rows
    for signature, indices in _row_groups(columns, varying, n_rows).items():
        kinds = {**uniform, **dict(zip(varying, signature))}
        group = columns if len(indices) == n_rows else {n: [columns[n][i] for i in indices] for n in kinds}
        arrays = {n: _list_array(group[n], k) for n, k in kinds.items() if k != "absent"}
        if arrays:
            encoded = RecordBatchToExamplesEncoder().encode(pa.RecordBatch.from_pydict(arrays))
            for i, example in zip(indices, encoded):
                examples[i] = example
    return examples


def decode_examples(records: Sequence[bytes]) -> pa.RecordBatch:
    """Serialized tf.Examples as a RecordBatch of list columns (tfx_bsl's decoder; no TensorFlow)."""
    from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder

    return ExamplesToRecordBatchDecoder().DecodeBatch(list(records))


def _row_groups(columns: dict, varying: list, n_rows: int) -> dict:
    """Row indices by the kinds of their values in the `varying` columns."""
    if not varying:
        return {(): range(n_rows)}
    groups = {}
    for i, signature in enumerate(zip(*([_kind(v) for v in columns[n]] for n in varying))):
        groups.setdefault(signature, []).append(i)
    return groups


def _type_kind(value_type) -> str:
    """How encode_columns writes scalar values of a Python type."""
    if value_type is type(None):
        return "absent"
    if issubclass(value_type, (int, np.integer)):  # bool included
        return "int"
    return "float" if issubclass(value_type, (float, np.floating)) else "bytes"


def _kind(value) -> str:
    """The kind of a value; a list's kind is its first element's (an empty list: "bytes", an empty feature)."""
    if isinstance(value, (list, tuple)):
        return ("list:" + _type_kind(type(value[0]))) if value else "list:bytes"
    return _type_kind(type(value))


def _list_array(values: list, kind: str) -> pa.LargeListArray:
    """Lists of values of one kind: ints as int64, floats as float32, anything else as bytes (text as UTF-8)."""
    if kind.startswith("list:"):
        kind = kind[5:]
        lengths = np.fromiter((len(v) for v in values), np.int64, len(values))
        flat_values = list(chain.from_iterable(values))
    else:
        lengths = np.ones(len(values), np.int64)
        flat_values = values
    types = set(map(type, flat_values))
    if kind == "int" and types != {int}:
        flat_values = [int(v) for v in flat_values]
    elif kind == "float" and types != {float}:
        flat_values = [float(v) for v in flat_values]
    elif kind == "bytes" and not types <= {str, bytes}:
        flat_values = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in flat_values]
    flat = pa.array(flat_values, _VALUE_TYPES[kind])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return pa.LargeListArray.from_arrays(pa.array(offsets), flat)
