"""Deprecated alias of tfx_dcai.tf_records (the one tf.Example encoder), kept for callers not yet switched."""
from tfx_dcai.label_consistency.buckets import splits_for  # noqa: F401
from tfx_dcai.tf_records import encode_columns  # noqa: F401
from tfx_dcai.tf_records import encode_rows as to_tf_examples  # noqa: F401
