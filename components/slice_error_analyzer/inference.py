"""Predictions from a TFX Trainer SavedModel in Beam: a DoFn loads the model once per worker and adds a column.

The model's `serving_default` signature must take one string tensor of serialized tf.Examples (what TFMA and
TF Serving send). Its output is the probability of class 1 ((n,), (n, 1)) or class probabilities ((n, 2): the
second column is used), or a regression value. TensorFlow is imported only here, inside the DoFn.
"""
import os

import apache_beam as beam
import numpy as np
import pyarrow as pa

from tfx_dcai.slice_error_analyzer.errors import SliceInputError

RAW_RECORD_COLUMN = "__raw_record__"
SIGNATURE = "serving_default"


def serving_model_dir(model_uri: str) -> str:
    """The SavedModel directory inside a Trainer's Model artifact (Format-Serving), or the uri itself."""
    serving = os.path.join(model_uri, "Format-Serving")
    return serving if os.path.isdir(serving) else model_uri


def _examples_input(signature, model_dir: str) -> str:
    inputs = signature.structured_input_signature[1]
    strings = [name for name, spec in inputs.items() if spec.dtype.name == "string"]
    if len(inputs) != 1 or not strings:
        raise SliceInputError(
            f"the {SIGNATURE!r} signature of the model in {model_dir} takes {dict(inputs)}, not one string tensor "
            "of serialized tf.Examples: export a signature that parses tf.Examples")
    return strings[0]


def _probability_column(outputs: dict, model_dir: str) -> np.ndarray:
    name = "outputs" if "outputs" in outputs else sorted(outputs)[0]
    values = np.asarray(outputs[name])
    if values.ndim == 2 and values.shape[1] == 2:
        return values[:, 1].astype(np.float64)
    if values.ndim > 2 or (values.ndim == 2 and values.shape[1] != 1):
        raise SliceInputError(f"the model in {model_dir} outputs {name!r} of shape {values.shape}: expected one "
                              "value per example (probability of class 1 or a regression value)")
    return values.reshape(-1).astype(np.float64)


class AddPredictions(beam.DoFn):
    """Adds `column` (one float per row) computed by the SavedModel from the raw serialized records."""

    def __init__(self, model_dir: str, column: str):
        self._model_dir = model_dir
        self._column = column
        self._predict = None
        self._input = None

    def setup(self):
        import tensorflow as tf
        try:
            model = tf.saved_model.load(self._model_dir)
        except (OSError, ValueError) as exc:
            raise SliceInputError(f"cannot load a SavedModel from {self._model_dir}: {exc}") from exc
        if SIGNATURE not in model.signatures:
            raise SliceInputError(f"the model in {self._model_dir} has no {SIGNATURE!r} signature "
                                  f"(it has {list(model.signatures)})")
        self._model = model
        self._predict = model.signatures[SIGNATURE]
        self._input = _examples_input(self._predict, self._model_dir)

    def process(self, batch: pa.RecordBatch):
        import tensorflow as tf
        raw = batch.column(batch.schema.names.index(RAW_RECORD_COLUMN))
        nested = pa.types.is_list(raw.type) or pa.types.is_large_list(raw.type)
        records = raw.flatten().to_pylist() if nested else raw.to_pylist()
        outputs = self._predict(**{self._input: tf.constant(records, dtype=tf.string)})
        predictions = _probability_column({k: v.numpy() for k, v in outputs.items()}, self._model_dir)
        yield pa.RecordBatch.from_arrays(batch.columns + [pa.array(predictions, pa.float64())],
                                         batch.schema.names + [self._column])
