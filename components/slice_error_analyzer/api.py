"""The Python API on in-memory data (pandas DataFrame or dict of arrays), without Beam or TensorFlow.

`find_slices` runs the same passes as `dcai slices` and the component (passes.py, in a loop: in_memory.py) and the
same analysis; `select_from_pool` applies the targeted-data rule (selection.py) to an unlabelled pool.
"""
from typing import Optional

import pyarrow as pa

from tfx_dcai import configs
from tfx_dcai.errors import InputError
from tfx_dcai.slice_error_analyzer import analysis, in_memory, passes, report as report_lib, selection, slicing_specs
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

BATCH_ROWS = 10_000
ALIASES = {"include": "include_features", "exclude": "exclude_features", "label": "label_key",
           "prediction": "prediction_key"}


def to_record_batches(data, batch_rows: int = BATCH_ROWS):
    """pyarrow RecordBatches of a DataFrame or a dict of equal-length arrays (dictionary columns decoded).

    Raises:
      SliceInputError: the data cannot be turned into typed columns (e.g. a column mixing numbers and text).
    """
    try:
        table = pa.Table.from_pandas(data, preserve_index=False) if hasattr(data, "columns") else pa.table(
            dict(data))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as exc:
        raise SliceInputError(f"cannot turn the data into typed columns: {exc}") from None
    decoded = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    table = pa.Table.from_arrays(decoded, names=[str(n) for n in table.column_names])
    return table.to_batches(max_chunksize=batch_rows) if table.num_rows else [
        pa.RecordBatch.from_arrays([pa.array([], c.type) for c in table.columns], names=table.column_names)]


def _config(label, prediction, config, parameters) -> SliceConfig:
    base = configs.coerce(SliceConfig, config, "find_slices config")
    given = {ALIASES.get(k, k): v for k, v in parameters.items()}
    for name in ("include_features", "exclude_features", "class_labels"):
        if isinstance(given.get(name), (list, tuple)):
            given[name] = tuple(given[name])
    given.update(label_key=label, prediction_key=prediction)
    return configs.replace(base, "find_slices", **given)


def find_slices(data, label: str, prediction: str = "prediction", output_dir: Optional[str] = None,
                baseline_prediction: Optional[str] = None, config=None, **parameters) -> dict:
    """Slices where the predictions in `data` are significantly worse than overall; returns the report dict.

    Args:
      data: a pandas DataFrame or a dict of equal-length arrays with the label, the prediction column(s) and the
        features.
      label: the label column.
      prediction: the prediction column P, or the prefix of columns P_<label> (prediction convention).
      output_dir: when given, slice_report.json/.html and slicing_specs.json are written there (any filesystem).
      baseline_prediction: a baseline model's prediction column (same convention): enables the gate.
      config: a SliceConfig, a dict of its fields or JSON text (the keyword arguments override it).
      **parameters: SliceConfig fields (metric, task, class_labels, recall_class, include_features (or include),
        exclude_features (or exclude), max_level, min_support, alpha, k, q, num_bins, max_values, ranking,
        max_slices).

    Returns:
      The report dict (docs/slice_error_analyzer.md, "Report contract").

    Raises:
      SliceInputError (a tfx_dcai.errors.InputError): bad input; the message names the column or value.
    """
    try:
        config = _config(label, prediction, config, parameters)
        batches = to_record_batches(data)
        plan = passes.make_plan(list(batches[0].schema.names), config, "the data", baseline_column=baseline_prediction)
        report = analysis.analyze(in_memory.search(batches, plan, config), config)
    except SliceInputError:
        raise
    except InputError as exc:  # from the shared modules (tfx_dcai.predictions, configs): one error type here
        raise SliceInputError(str(exc)) from None
    if output_dir:
        report_lib.write(report, output_dir)
        slicing_specs.write_specs(report, output_dir)
    return report


def select_from_pool(report: dict, pool, budget: int):
    """Rows of an unlabelled pool chosen for the report's significant slices (rule: selection.py).

    Args:
      report: a report from find_slices (or slice_report.json).
      pool: a pandas DataFrame with (at least) the analysed features.
      budget: how many rows to choose.

    Returns:
      (DataFrame of the chosen rows with the pool's columns plus `slice`, the report's `selection` summary).
    """
    import pandas as pd

    if budget < 1:
        raise SliceInputError(f"budget must be >= 1, got {budget}")
    encodings, targets = selection.target_slices(report)
    batches = to_record_batches(pool)
    merged = None
    for batch in batches:
        found = selection.batch_candidates(batch, encodings, targets, budget, _row_dicts)
        merged = found if merged is None else merged.merge(found, budget)
    chosen, per_slice = selection.choose(targets, merged, budget) if merged is not None and targets else ([], [])
    frame = pd.DataFrame([dict(row, **{selection.SLICE_COLUMN: targets[j].description}) for j, row in chosen],
                         columns=list(batches[0].schema.names) + [selection.SLICE_COLUMN])
    return frame, selection.summary(budget, per_slice, len(chosen), merged.pool_rows if merged is not None else 0)


def _row_dicts(batch: pa.RecordBatch, rows) -> list:
    return batch.take(pa.array(rows, pa.int64())).to_pylist()
