"""Deprecated alias of tfx_dcai.tf_records (the one TFRecord writer), kept for callers not yet switched."""
from tfx_dcai.tf_records import frame_records, masked_crc32c  # noqa: F401
from tfx_dcai.tf_records import write_tfrecords as write_gzipped_tfrecords  # noqa: F401
