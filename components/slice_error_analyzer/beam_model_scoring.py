"""Beam: score serialized tf.Examples with a SavedModel (tfx_dcai.model_scoring.ServingModel) in a DoFn.

The DoFn loads the model once per worker (`setup`, where a model that cannot be scored the documented way fails
before any row is scored: no serving signature, not one string input, several outputs without `output_key`), runs
it on each record batch's raw serialized records and appends the chosen output as one column of k floats per row
(row_losses.MODEL reads it). TensorFlow is imported only inside the DoFn.
"""
import apache_beam as beam
import numpy as np
import pyarrow as pa

from tfx_dcai.model_scoring import RAW_RECORD_COLUMN

MODEL_OUTPUT_COLUMN = "__model_output__"
BASELINE_OUTPUT_COLUMN = "__baseline_output__"


def _serialized(batch: pa.RecordBatch) -> list:
    if RAW_RECORD_COLUMN not in batch.schema.names:
        raise ValueError(f"the record batches have no {RAW_RECORD_COLUMN!r} column: read them with "
                         "raw_record_column_name=model_scoring.RAW_RECORD_COLUMN")
    raw = batch.column(batch.schema.names.index(RAW_RECORD_COLUMN))
    if pa.types.is_list(raw.type) or pa.types.is_large_list(raw.type):
        raw = raw.flatten()
    return raw.to_pylist()


def with_output_column(batch: pa.RecordBatch, outputs: np.ndarray, column: str) -> pa.RecordBatch:
    """`batch` plus `column`: row i holds outputs[i] (k floats)."""
    outputs = np.asarray(outputs, np.float64).reshape(batch.num_rows, -1)
    offsets = pa.array(np.arange(0, outputs.size + 1, outputs.shape[1], dtype=np.int32))
    values = pa.ListArray.from_arrays(offsets, pa.array(outputs.reshape(-1), pa.float64()))
    return pa.RecordBatch.from_arrays(list(batch.columns) + [values], list(batch.schema.names) + [column])


class ScoreWithModel(beam.DoFn):
    """Adds `column` (the model's output, k floats per row) to each record batch.

    Args:
      model_dir: a SavedModel directory or a TFX Model artifact URI.
      column: the name of the added column.
      output_key: the output to use when the serving signature has several.
    """

    def __init__(self, model_dir: str, column: str, output_key=None):
        self._model_dir = model_dir
        self._column = column
        self._output_key = output_key
        self._model = None

    def setup(self):
        from tfx_dcai.model_scoring import ServingModel

        self._model = ServingModel(self._model_dir, self._output_key)

    def process(self, batch: pa.RecordBatch):
        yield with_output_column(batch, self._model.predict(_serialized(batch)), self._column)
