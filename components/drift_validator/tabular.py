"""Column-oriented samples (name -> numpy array) built from pyarrow RecordBatches, and their encoding.

Conventions: a list-valued cell keeps its first value (the usual univalent tf.Example feature); an empty or
null cell is missing (NaN for numbers, None for strings).
"""
from typing import Dict, Iterable, List

import numpy as np
import pyarrow as pa

MAX_CATEGORIES = 50  # most frequent pooled values get their own code; the rest share one


def _first_values(column: pa.Array) -> list:
    values = column.to_pylist()
    out = []
    for v in values:
        if isinstance(v, list):
            v = v[0] if v else None
        if isinstance(v, bytes):
            v = v.decode("utf-8", errors="replace")
        out.append(v)
    return out


def is_numeric_type(arrow_type: pa.DataType) -> bool:
    while pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        arrow_type = arrow_type.value_type
    return pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)


def rows_to_columns(batches: Iterable[pa.RecordBatch], columns: List[str]) -> Dict[str, np.ndarray]:
    """Concatenate batches into name -> array (float with NaN for numeric columns, object otherwise)."""
    batches = list(batches)
    out = {}
    for name in columns:
        parts = [b.column(b.schema.get_field_index(name)) for b in batches if name in b.schema.names]
        if not parts:
            continue
        values = [v for part in parts for v in _first_values(part)]
        if is_numeric_type(parts[0].type):
            out[name] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        else:
            out[name] = np.array([None if v is None else str(v) for v in values], dtype=object)
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
