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


def _serialize(row: dict) -> bytes:
    from components.tf_example import to_example
    features = {}
    for name, value in row.items():
        if name == RAW_RECORD_COLUMN or value is None:
            continue
        features[name] = value if isinstance(value, list) else [value]
    return to_example(features).SerializeToString()


def score_rows(model_dir: str, rows: List[dict], batch_size: int = 256) -> np.ndarray:
    """One score per row: the signature's first output, flattened (probability of the positive class)."""
    import tensorflow as tf
    model = tf.saved_model.load(serving_model_dir(model_dir))
    if "serving_default" not in model.signatures:
        raise ValueError(f"model {model_dir} has no 'serving_default' signature")
    signature = model.signatures["serving_default"]
    input_name = list(signature.structured_input_signature[1])[0]
    scores = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        serialized = [r[RAW_RECORD_COLUMN][0] if isinstance(r.get(RAW_RECORD_COLUMN), list)
                      else r.get(RAW_RECORD_COLUMN) or _serialize(r) for r in chunk]
        outputs = signature(**{input_name: tf.constant(serialized)})
        first = outputs[sorted(outputs)[0]].numpy()
        scores.append(first.reshape(len(chunk), -1)[:, -1])
    return np.concatenate(scores) if scores else np.array([])
