"""Scores from a SavedModel whose serving signature takes serialized tf.Examples: the one model scorer.

The rule for which output is used (docs/predictions.md):
- the signature (default `serving_default`) must take exactly one string tensor (serialized tf.Examples: what
  TFMA and TF Serving send);
- `output_key` names the output to use; without it the signature must have exactly ONE output, and a signature
  with several is an error listing them (never a silent pick);
- the output is returned as an (n, k) float array; predictions.from_model_output turns it into Predictions: k == 1
  a binary probability or a regression value, k >= 2 one probability per class (softmax outputs), column j for the
  j-th class in sorted order (or `class_labels` order).
The signature is checked when the model is loaded, so a wrong model fails before any data is read.
TensorFlow is imported inside the functions.
"""
import os
from typing import List, Optional, Sequence

import numpy as np

from tfx_dcai.errors import InputError

SIGNATURE = "serving_default"
RAW_RECORD_COLUMN = "__raw_record__"  # TFXIO's column of serialized records, kept to score them


class ModelInputError(InputError):
    """A model that cannot be scored the documented way (no such signature, inputs, outputs)."""


def serving_model_dir(model_uri: str) -> str:
    """The SavedModel directory of a TFX Model artifact (its Format-Serving folder), or `model_uri` itself."""
    from tfx_dcai import artifact_io

    candidate = os.path.join(model_uri, "Format-Serving")
    return candidate if artifact_io.exists(candidate) else model_uri


class ServingModel:
    """A loaded SavedModel signature that maps serialized tf.Examples to an (n, k) array.

    Args:
      model_dir: a SavedModel directory or a TFX Model artifact URI.
      output_key: the output to use (required when the signature has several outputs).
      signature: the signature name.

    Raises:
      ModelInputError: the model cannot be loaded, or its signature is not one string input with a usable output.
    """

    def __init__(self, model_dir: str, output_key: Optional[str] = None, signature: str = SIGNATURE):
        import tensorflow as tf

        self.model_dir = serving_model_dir(model_dir)
        try:
            self._model = tf.saved_model.load(self.model_dir)
        except (OSError, ValueError, tf.errors.OpError) as exc:
            raise ModelInputError(f"cannot load a SavedModel from {self.model_dir}: {exc}") from None
        if signature not in self._model.signatures:
            raise ModelInputError(f"the model in {self.model_dir} has no {signature!r} signature (it has "
                                  f"{sorted(self._model.signatures)})")
        self._function = self._model.signatures[signature]
        inputs = self._function.structured_input_signature[1]
        strings = [name for name, spec in inputs.items() if spec.dtype == tf.string]
        if len(inputs) != 1 or not strings:
            raise ModelInputError(
                f"the {signature!r} signature of the model in {self.model_dir} takes {sorted(inputs)}, not one "
                "string tensor of serialized tf.Examples: export a signature that parses tf.Examples")
        self._input = strings[0]
        outputs = sorted(self._function.structured_outputs)
        if output_key is not None:
            if output_key not in outputs:
                raise ModelInputError(f"output_key {output_key!r} is not an output of the {signature!r} signature of "
                                      f"{self.model_dir}; its outputs are {outputs}")
            self.output_key = output_key
        elif len(outputs) == 1:
            self.output_key = outputs[0]
        else:
            raise ModelInputError(f"the {signature!r} signature of {self.model_dir} has several outputs {outputs}: "
                                  "name the one to use with output_key / --output-key")

    def predict(self, serialized: Sequence[bytes], batch_size: int = 1024) -> np.ndarray:
        """The chosen output for each serialized tf.Example, as an (n, k) float64 array."""
        import tensorflow as tf

        parts = []
        for start in range(0, len(serialized), batch_size):
            chunk = list(serialized[start:start + batch_size])
            values = self._function(**{self._input: tf.constant(chunk, dtype=tf.string)})[self.output_key].numpy()
            if values.ndim > 2 or (values.ndim >= 1 and values.shape[0] != len(chunk)):
                raise ModelInputError(f"the model's output {self.output_key!r} has shape {values.shape} for "
                                      f"{len(chunk)} examples: expected one row per example")
            parts.append(values.reshape(len(chunk), -1).astype(np.float64))
        return np.concatenate(parts) if parts else np.zeros((0, 1))


def serialized_rows(table) -> List[bytes]:
    """Each row of a pyarrow Table as a serialized tf.Example: the raw record when the reader kept it
    (RAW_RECORD_COLUMN), else encoded from the row's values."""
    from tfx_dcai.tf_example import to_example

    if RAW_RECORD_COLUMN in table.column_names:
        return [cell[0] if isinstance(cell, list) else cell for cell in table.column(RAW_RECORD_COLUMN).to_pylist()]
    return [to_example({name: value if isinstance(value, list) else [value] for name, value in row.items()
                        if value is not None}).SerializeToString() for row in table.to_pylist()]
