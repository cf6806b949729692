"""Turns feature columns into small integer codes: the one-hot domain that SliceLine searches.

Numeric features are cut at quantile edges into half-open bins `[lo, hi)`; categorical features keep their most
frequent values and fold the rest into "other"; a missing value (null, empty list, NaN) is a value of its own.
Each feature's codes are `0 .. domain-1`; the last code is always "missing".
"""
import dataclasses
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa

from tfx_dcai.slice_error_analyzer.errors import SliceInputError

NUMERIC = "numeric"
CATEGORICAL = "categorical"
MISSING_OP = "is_missing"


@dataclasses.dataclass(frozen=True)
class FeatureEncoding:
    """How one feature maps to codes: bins for a numeric feature, kept values (+ other) for a categorical one."""
    name: str
    kind: str
    edges: Tuple[float, ...] = ()
    values: Tuple = ()

    @property
    def domain(self) -> int:
        """Number of codes: bins or kept values + "other", plus "missing"."""
        return (len(self.edges) + 1 if self.kind == NUMERIC else len(self.values) + 1) + 1

    @property
    def missing_code(self) -> int:
        return self.domain - 1

    def codes(self, column: pa.Array) -> np.ndarray:
        """Codes of a flat column (see `first_values`); nulls and NaNs get the missing code."""
        if self.kind == NUMERIC:
            values = column.to_numpy(zero_copy_only=False).astype(np.float64)  # nulls become NaN
            codes = np.searchsorted(np.asarray(self.edges, dtype=np.float64), values, side="right")
            codes[np.isnan(values)] = self.missing_code
            return codes.astype(np.int32)
        import pyarrow.compute as pc
        index = pc.index_in(_as_text(column), value_set=pa.array([str(v) for v in self.values], pa.string()))
        codes = index.to_numpy(zero_copy_only=False)  # nulls (not kept) become NaN
        result = np.where(np.isnan(codes), len(self.values), codes).astype(np.int32)
        result[np.asarray(column.is_null().to_numpy(zero_copy_only=False))] = self.missing_code
        return result

    def predicate(self, code: int) -> dict:
        """The report's predicate {feature, op, value}; numeric bins are half-open [lo, hi)."""
        if code == self.missing_code:
            return {"feature": self.name, "op": MISSING_OP, "value": None}
        if self.kind == CATEGORICAL:
            if code < len(self.values):
                return {"feature": self.name, "op": "==", "value": self.values[code]}
            return {"feature": self.name, "op": "not_in", "value": list(self.values)}
        if not self.edges:
            return {"feature": self.name, "op": "is_present", "value": None}
        if code == 0:
            return {"feature": self.name, "op": "<", "value": self.edges[0]}
        if code == len(self.edges):
            return {"feature": self.name, "op": ">=", "value": self.edges[-1]}
        return {"feature": self.name, "op": "in", "value": [self.edges[code - 1], self.edges[code]]}


def describe(predicate: dict) -> str:
    """Human text of a predicate: `fare in [10.5, 14.2)`, `company == Flash Cab`, `tips is missing`."""
    op, value, name = predicate["op"], predicate["value"], predicate["feature"]
    if op == "in":
        return f"{name} in [{_short(value[0])}, {_short(value[1])})"
    if op == MISSING_OP:
        return f"{name} is missing"
    if op == "is_present":
        return f"{name} is present"
    if op == "not_in":
        return f"{name} is other (not one of {len(value)} top values)"
    return f"{name} {op} {_short(value)}"


def _short(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # ids such as census tracts stay readable
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _as_text(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        return pa.array([None if v is None else v.decode("utf-8", "replace") for v in column.to_pylist()], pa.string())
    return column.cast(pa.string())


def first_values(column: pa.Array, feature: str) -> pa.Array:
    """A flat column: list columns (TFXIO) give their single value per row, empty lists become null.

    A row with more than one value raises SliceInputError: multivalent features cannot be sliced by value.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        return column
    offsets = np.asarray(column.offsets.to_numpy(zero_copy_only=False))
    lengths = np.diff(offsets)
    if (lengths > 1).any():
        raise SliceInputError(f"feature {feature!r} has rows with several values (up to {int(lengths.max())}): "
                              "exclude it with the features-to-exclude parameter")
    flat = column.flatten()
    has_value = lengths == 1
    if column.null_count:
        has_value &= ~np.asarray(column.is_null().to_numpy(zero_copy_only=False))
    if not len(flat):
        return pa.nulls(len(column), flat.type)
    positions = np.where(has_value, np.cumsum(lengths) - 1, 0)
    return _mask(flat.take(pa.array(positions)), has_value)


def _mask(values: pa.Array, keep: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc
    return pc.if_else(pa.array(keep), values, pa.scalar(None, values.type))


def kind_of(arrow_type: pa.DataType, categorical_ints: bool = False) -> str:
    """Strings, bytes and booleans are categorical; numbers are numeric unless the schema marks ints categorical."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_integer(arrow_type) and categorical_ints:
        return CATEGORICAL
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return NUMERIC
    return CATEGORICAL


def numeric_encoding(name: str, quantiles: Sequence[float]) -> FeatureEncoding:
    """Bins cut at the interior quantiles (first and last quantile are the minimum and maximum)."""
    interior = [float(q) for q in list(quantiles)[1:-1] if q == q]
    return FeatureEncoding(name, NUMERIC, edges=tuple(sorted(set(interior))))


def categorical_encoding(name: str, counts: Dict, max_values: int) -> FeatureEncoding:
    """Keeps the `max_values` most frequent values (ties broken by value text); the rest become "other"."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return FeatureEncoding(name, CATEGORICAL, values=tuple(str(value) for value, _ in ranked[:max_values]))


def encode_batch(record_batch: pa.RecordBatch, encodings: Sequence[FeatureEncoding]) -> np.ndarray:
    """(rows, features) int32 codes of one record batch."""
    names = record_batch.schema.names
    columns = []
    for encoding in encodings:
        if encoding.name not in names:
            raise SliceInputError(f"feature {encoding.name!r} is missing from a batch of the examples")
        column = first_values(record_batch.column(names.index(encoding.name)), encoding.name)
        columns.append(encoding.codes(column))
    return np.stack(columns, axis=1) if columns else np.zeros((record_batch.num_rows, 0), np.int32)


def column_offsets(encodings: Sequence[FeatureEncoding]) -> np.ndarray:
    """Start of each feature's codes in the global one-hot column space."""
    return np.concatenate([[0], np.cumsum([e.domain for e in encodings])[:-1]]).astype(np.int64)


def feature_of_columns(encodings: Sequence[FeatureEncoding]) -> np.ndarray:
    return np.repeat(np.arange(len(encodings)), [e.domain for e in encodings])


def column_predicate(encodings: Sequence[FeatureEncoding], column: int) -> dict:
    offsets = column_offsets(encodings)
    feature = int(np.searchsorted(offsets, column, side="right") - 1)
    return encodings[feature].predicate(int(column - offsets[feature]))


def encodings_from_statistics(feature_statistics: Dict[str, object], names: List[str], num_bins: int,
                              max_values: int) -> Dict[str, Optional[FeatureEncoding]]:
    """Encodings from TFDV FeatureNameStatistics (QUANTILES histogram, string top values); None where absent.

    A numeric feature uses TFDV's quantiles only when their bucket count equals `num_bins` (TFDV's default is 10).
    """
    result = {}
    for name in names:
        stats = feature_statistics.get(name)
        result[name] = None
        if stats is None:
            continue
        if stats.HasField("num_stats"):
            for histogram in stats.num_stats.histograms:
                if histogram.type == histogram.QUANTILES and len(histogram.buckets) == num_bins:
                    bounds = [histogram.buckets[0].low_value] + [b.high_value for b in histogram.buckets]
                    result[name] = numeric_encoding(name, bounds)
        elif stats.HasField("string_stats") and stats.string_stats.top_values:
            counts = {tv.value: tv.frequency for tv in stats.string_stats.top_values}
            result[name] = categorical_encoding(name, counts, max_values)
    return result
