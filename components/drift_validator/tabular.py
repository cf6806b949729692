"""Column-oriented samples (name -> numpy array) built from pyarrow RecordBatches, and their encoding.

Conventions: a list-valued cell keeps its first value (the usual univalent tf.Example feature); an empty or
null cell is missing (NaN for numbers, None for strings).
"""
from typing import Dict, List

import numpy as np
import pyarrow as pa

MAX_CATEGORIES = 50  # most frequent pooled values get their own code; the rest share one


def first_values(column) -> pa.Array:
    """A column's first value per row (list cells), empty or null cells null; bytes decoded as UTF-8 text."""
    import pyarrow.compute as pc
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        starts = column.offsets.to_numpy()[:-1]
        present = (pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False) > 0)
        if not present.any():
            return pa.nulls(len(column), column.type.value_type)
        firsts = column.values.take(pa.array(np.where(present, starts, starts[present][0])))
        column = pc.if_else(pa.array(present), firsts, pa.nulls(len(firsts), firsts.type))
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        try:
            column = column.cast(pa.string())
        except pa.ArrowInvalid:
            column = pa.array([None if v is None else v.decode("utf-8", errors="replace")
                               for v in column.to_pylist()], pa.string())
    return column


def is_numeric_type(arrow_type: pa.DataType) -> bool:
    while pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        arrow_type = arrow_type.value_type
    return pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)


def table_columns(table: pa.Table, columns: List[str]) -> Dict[str, np.ndarray]:
    """name -> array (float with NaN for numeric columns, object with None otherwise); absent names left out."""
    out = {}
    for name in columns:
        if name not in table.column_names:
            continue
        values = first_values(table.column(name))
        if is_numeric_type(values.type):
            out[name] = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        else:
            out[name] = np.array([None if v is None else str(v) for v in values.to_pylist()], dtype=object)
    return out


def encode(baseline: Dict[str, np.ndarray], current: Dict[str, np.ndarray], features: List[str]):
    """(X_baseline, X_current, categorical mask): categorical columns become pooled frequency codes (NaN = missing)."""
    xb, xc, categorical = [], [], []
    for name in features:
        b, c = baseline[name], current[name]
        if b.dtype != object and c.dtype != object:
            xb.append(b.astype(float))
            xc.append(c.astype(float))
            categorical.append(False)
            continue
        pooled = [str(v) for v in np.concatenate([b, c]) if v is not None]
        values, counts = np.unique(pooled, return_counts=True)
        top = values[np.argsort(-counts, kind="stable")][:MAX_CATEGORIES]
        codes = {v: float(i) for i, v in enumerate(top)}
        other = float(len(top))
        xb.append(np.array([np.nan if v is None else codes.get(str(v), other) for v in b]))
        xc.append(np.array([np.nan if v is None else codes.get(str(v), other) for v in c]))
        categorical.append(True)
    return np.column_stack(xb), np.column_stack(xc), np.array(categorical, dtype=bool)


def to_list_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Flat columns (CSV) become one-value list columns, as TFDV expects; a null cell becomes a null list."""
    import pyarrow.compute as pc
    columns = []
    for column in batch.columns:
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            columns.append(column)
            continue
        valid = column.is_valid()
        counts = pc.cast(valid, pa.int32()).to_numpy(zero_copy_only=False)
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
        columns.append(pa.ListArray.from_arrays(offsets, column.drop_null(), mask=pc.invert(valid)))
    return pa.RecordBatch.from_arrays(columns, batch.schema.names)


def serialized_examples_batch(records: List[bytes], column: str) -> pa.RecordBatch:
    """Serialized tf.Examples as a one-column RecordBatch, so they can be sampled before they are decoded."""
    return pa.RecordBatch.from_arrays([pa.array(records, pa.binary())], [column])


def decode_examples(table: pa.Table, column: str) -> pa.Table:
    """A table of serialized tf.Examples (`column`) -> their features, with the serialized column kept."""
    from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder
    records = table.column(column).to_pylist()
    decoded = pa.Table.from_batches([ExamplesToRecordBatchDecoder().DecodeBatch(records)]) if records else pa.table({})
    return decoded.append_column(column, pa.array([[r] for r in records], pa.list_(pa.binary())))
