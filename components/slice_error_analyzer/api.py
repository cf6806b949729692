"""`find_slices`: the analysis on in-memory data (pandas DataFrame or dict of arrays), run on Beam in-process."""
import os
import tempfile
from typing import Optional

import pyarrow as pa

from tfx_dcai.beam_options import make_pipeline
from tfx_dcai.reports import read_report
from tfx_dcai.slice_error_analyzer.analysis_pipeline import AnalyzeSlices
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.errors import SliceInputError
from tfx_dcai.slice_error_analyzer.report import REPORT_NAME

BATCH_ROWS = 10_000


def to_record_batches(data, batch_rows: int = BATCH_ROWS):
    """pyarrow RecordBatches of a DataFrame / dict of equal-length arrays (string columns are categorical)."""
    try:
        table = pa.Table.from_pandas(data, preserve_index=False) if hasattr(data, "columns") else pa.table(
            dict(data))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
        raise SliceInputError(f"cannot turn the data into columns: {exc}") from exc
    return table.to_batches(max_chunksize=batch_rows)


def _write_ipc(batches, directory: str):
    """One Arrow IPC file per batch: Beam then ships file names, not the data pickled into the graph."""
    paths = []
    for i, batch in enumerate(batches):
        path = os.path.join(directory, f"batch-{i:05d}.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, batch.schema) as writer:
            writer.write_batch(batch)
        paths.append(path)
    return paths


def _read_ipc(path: str):
    with pa.OSFile(path, "rb") as source:
        reader = pa.ipc.open_file(source)
        return [reader.get_batch(i) for i in range(reader.num_record_batches)]


def find_slices(data, label: str, prediction: str = "prediction", output_dir: Optional[str] = None,
                baseline_prediction: Optional[str] = None, **parameters) -> dict:
    """Slices where the predictions in `data[prediction]` are significantly worse; returns the report dict.

    `parameters` are SliceConfig fields (metric, include, exclude, max_level, min_support, alpha, k, q,
    num_bins, max_values, ranking, max_slices). With `output_dir` the JSON/HTML report is kept there.
    """
    config = SliceConfig(label=label, prediction=prediction, **{k: tuple(v) if k in ("include", "exclude") else v
                                                                 for k, v in parameters.items()})
    batches = to_record_batches(data)
    names = list(batches[0].schema.names) if batches else list(getattr(data, "columns", data))
    for column in (label, prediction) + ((baseline_prediction,) if baseline_prediction else ()):
        if column not in names:
            raise SliceInputError(f"column {column!r} is not in the data (columns: {', '.join(map(str, names))})")
    features = config.features_from(names, reserved=[baseline_prediction] if baseline_prediction else [])
    with tempfile.TemporaryDirectory() as scratch:
        report_dir = output_dir or scratch
        paths = _write_ipc(batches, scratch)
        with make_pipeline() as pipeline:
            import apache_beam as beam
            _ = (pipeline | "DataFiles" >> beam.Create(paths) | "Data" >> beam.FlatMap(_read_ipc)
                 | "Analyze" >> AnalyzeSlices(config, features, report_dir, baseline_prediction=baseline_prediction))
        return read_report(report_dir, REPORT_NAME)
