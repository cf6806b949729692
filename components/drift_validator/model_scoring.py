"""Scores from a SavedModel whose `serving_default` signature takes serialized tf.Examples (TFX Trainer's
export), on a bounded sample of rows. Imports TensorFlow inside the function."""
import os
from typing import List

import numpy as np

RAW_RECORD_COLUMN = "__raw_record__"


def serving_model_dir(model_uri: str) -> str:
    """A TFX Model artifact keeps the SavedModel under Format-Serving/."""
    candidate = os.path.join(model_uri, "Format-Serving")
    return candidate if os.path.isdir(candidate) else model_uri


def _serialized(table) -> List[bytes]:
    """Each row as a serialized tf.Example: the raw record when the reader kept it, else built from the row."""
    from tfx_dcai.tf_example import to_example
    if RAW_RECORD_COLUMN in table.column_names:
        return [cell[0] if isinstance(cell, list) else cell for cell in table.column(RAW_RECORD_COLUMN).to_pylist()]
    return [to_example({name: value if isinstance(value, list) else [value] for name, value in row.items()
                        if value is not None}).SerializeToString() for row in table.to_pylist()]


def score_rows(model_dir: str, table, batch_size: int = 256) -> np.ndarray:
    """One score per row of a pyarrow Table: the signature's first output, flattened (probability of the
    positive class)."""
    import tensorflow as tf
    model = tf.saved_model.load(serving_model_dir(model_dir))
    if "serving_default" not in model.signatures:
        raise ValueError(f"model {model_dir} has no 'serving_default' signature")
    signature = model.signatures["serving_default"]
    input_name = list(signature.structured_input_signature[1])[0]
    serialized = _serialized(table)
    scores = []
    for start in range(0, len(serialized), batch_size):
        chunk = serialized[start:start + batch_size]
        outputs = signature(**{input_name: tf.constant(chunk)})
        first = outputs[sorted(outputs)[0]].numpy()
        scores.append(first.reshape(len(chunk), -1)[:, -1])
    return np.concatenate(scores) if scores else np.array([])
