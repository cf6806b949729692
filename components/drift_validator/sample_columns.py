"""The bounded samples as numpy columns, with memory bounded by rows (never by the longest value).

Conventions (tfx_dcai.columns): a list cell keeps its first value; an empty or null cell is missing (NaN for numbers,
None for text). Numeric vs categorical follows `columns.kind_of_type` (or the schema's kinds when given). Text values
longer than MAX_TEXT characters are compared by their first MAX_TEXT characters plus a stable hash of the rest
(`columns.text_codes`), so one 1 MB value costs 1 MB, not rows x 1 MB.
"""
from typing import Dict, List, Optional

import numpy as np
import pyarrow as pa

from tfx_dcai import columns as cols

MAX_CATEGORIES = 50  # most frequent pooled values get their own code in the domain classifier; the rest share one
MAX_TEXT = 256       # characters of a text value kept for statistics and display


def short_text(value, limit: int = MAX_TEXT) -> str:
    """A value as text for a report: at most `limit` characters (a longer one ends in '...')."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def column_values(table: pa.Table, name: str, kind: Optional[str] = None) -> np.ndarray:
    """One column of a sample: float64 (NaN missing, infinities kept) for numeric, an object array of texts (None
    missing) for categorical.

    Args:
      table: the sample.
      name: the column.
      kind: NUMERIC or CATEGORICAL (default: from the column's Arrow type).

    Returns:
      A numpy array with one value per row.
    """
    values = cols.first_values(table.column(name), name)
    if pa.types.is_null(values.type):  # no value in any row: the type is unknown
        return np.full(len(values), np.nan) if kind != cols.CATEGORICAL else np.full(len(values), None, object)
    kind = kind or cols.kind_of_type(values.type)
    if kind == cols.NUMERIC and cols.is_numeric_type(values.type):
        return values.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    if cols.is_numeric_type(values.type) or pa.types.is_boolean(values.type):
        values = values.cast(pa.string())
    codes, texts = cols.text_codes(values, MAX_TEXT)
    lookup = np.array(list(texts) + [None], dtype=object)
    return lookup[np.where(codes < 0, len(texts), codes)]


def table_columns(table: pa.Table, names: List[str], kinds: Optional[Dict[str, str]] = None) -> Dict[str, np.ndarray]:
    """{name: column_values} for the names present in `table` (absent names left out)."""
    kinds = kinds or {}
    return {name: column_values(table, name, kinds.get(name)) for name in names if name in table.column_names}


def is_missing(values: np.ndarray) -> np.ndarray:
    """Missing cells of a column_values array: None (text) or NaN (numbers)."""
    if values.dtype == object:
        return np.array([v is None for v in values], dtype=bool)
    return np.isnan(values)


def factorize(values: np.ndarray):
    """(codes, uniques) of an object column by hashing (pandas), never a fixed-width string array; None -> -1."""
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), uniques


def encode(baseline: Dict[str, np.ndarray], current: Dict[str, np.ndarray], features: List[str]):
    """(X_baseline, X_current, categorical mask) for the domain classifier: numeric columns as they are (infinities
    clipped to the float range, which the classifier's binning takes), categorical columns as pooled frequency codes
    (the MAX_CATEGORIES most frequent values, then one code for the rest; NaN = missing)."""
    xb, xc, categorical = [], [], []
    for name in features:
        b, c = baseline[name], current[name]
        if b.dtype != object and c.dtype != object:
            xb.append(_finite(b))
            xc.append(_finite(c))
            categorical.append(False)
            continue
        b, c = _as_text(b), _as_text(c)
        codes, uniques = factorize(np.concatenate([b, c]))
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        order = np.argsort(-counts, kind="stable")
        rank = np.empty(len(uniques), dtype=np.float64)
        rank[order] = np.minimum(np.arange(len(uniques)), MAX_CATEGORIES)
        coded = np.where(codes >= 0, rank[np.maximum(codes, 0)], np.nan)
        xb.append(coded[:len(b)])
        xc.append(coded[len(b):])
        categorical.append(True)
    return np.column_stack(xb), np.column_stack(xc), np.array(categorical, dtype=bool)


def _finite(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    big = np.finfo(np.float64).max / 4
    return np.where(np.isinf(values), np.sign(values) * big, np.clip(values, -big, big))


def _as_text(values: np.ndarray) -> np.ndarray:
    """A numeric column seen as text (when the other side's column is text): the type changed."""
    if values.dtype == object:
        return values
    return np.array([None if np.isnan(v) else repr(float(v)) for v in values], dtype=object)
