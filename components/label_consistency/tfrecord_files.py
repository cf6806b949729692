"""Gzipped TFRecord files written whole from a list of serialized records (no TensorFlow).

The framing (length, masked CRC32C of the length, data, masked CRC32C of the data) is TFRecord's; the CRCs
come from google-crc32c's C code.
"""
import struct

import google_crc32c
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


def masked_crc32c(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_records(records) -> bytes:
    """The records as the bytes of a TFRecord file."""
    parts = []
    for record in records:
        length = _LENGTH.pack(len(record))
        parts += (length, _CRC.pack(masked_crc32c(length)), record, _CRC.pack(masked_crc32c(record)))
    return b"".join(parts)


def write_gzipped_tfrecords(path: str, records) -> None:
    """One gzipped TFRecord file at `path` (local or any Beam file system), replaced if it exists."""
    with FileSystems.create(path, compression_type=CompressionTypes.GZIP) as f:
        f.write(frame_records(records))
