"""Feature columns as small integer codes: the one-hot domain SliceLine searches.

Conventions (shared with every component through tfx_dcai.columns and tfx_dcai.binning):
- A cell's value is `columns.first_values`: a tf.Example list's single value, an empty list or null is missing;
  bytes are UTF-8 text. A feature with several values in some row cannot be sliced by value: the profile pass
  finds it and leaves it out, with a note.
- Numeric or categorical is `columns.kind_of_type` (strings, bytes and booleans categorical; integers the schema
  marks categorical too).
- Numeric features are cut at quantile edges into half-open bins `[lo, hi)` (`binning.bin_indices`); edges are
  the finite interior quantiles, so infinities fall in the outer bins. Categorical features keep their
  `max_values` most frequent values (ties by value text) and fold the rest into "other". Texts longer than
  MAX_TEXT characters are compared by their first MAX_TEXT characters plus a stable hash of the rest
  (`columns.text_codes`), so memory is bounded by rows, never by the longest value. A missing value (null, empty
  list, NaN) is a value of its own.
Each feature's codes are `0 .. domain-1`; the last code is always "missing".
"""
import collections
import dataclasses
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_dcai import binning, columns
from tfx_dcai.columns import CATEGORICAL, NUMERIC
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

MISSING_OP = "is_missing"
MAX_TEXT = 200  # characters of a categorical value kept for comparison and display (longer: prefix + hash)
INT, FLOAT, BYTES = "int", "float", "bytes"  # how the values are stored (tf.Example kinds; text is BYTES)


@dataclasses.dataclass(frozen=True)
class FeatureEncoding:
    """How one feature maps to codes: bins for a numeric feature, kept values (+ other) for a categorical one.

    Attributes:
      name: the feature.
      kind: NUMERIC or CATEGORICAL.
      edges: numeric: the inner bin edges (sorted, finite).
      values: categorical: the kept values as text, most frequent first.
      value_type: INT, FLOAT or BYTES: how the values are stored (for SQL slicing specs).
    """
    name: str
    kind: str
    edges: Tuple[float, ...] = ()
    values: Tuple[str, ...] = ()
    value_type: str = BYTES

    @property
    def domain(self) -> int:
        """Number of codes: bins or kept values + "other", plus "missing"."""
        return (len(self.edges) + 1 if self.kind == NUMERIC else len(self.values) + 1) + 1

    @property
    def missing_code(self) -> int:
        return self.domain - 1

    def codes(self, column) -> np.ndarray:
        """int32 codes of a column (flat or of single-value lists); missing values get the missing code."""
        flat = columns.first_values(column, self.name, multivalent="error")
        if self.kind == NUMERIC:
            bins = binning.bin_indices(_floats(flat), self.edges)
            return np.where(bins == binning.MISSING_BIN, self.missing_code, bins).astype(np.int32)
        codes, texts = text_codes(flat)
        kept = {value: i for i, value in enumerate(self.values)}
        lookup = np.array([kept.get(t, len(self.values)) for t in texts] + [self.missing_code], dtype=np.int32)
        return lookup[np.where(codes >= 0, codes, len(texts))]

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
        low, high = binning.bin_range(code, self.edges)
        if low is None:
            return {"feature": self.name, "op": "<", "value": high}
        if high is None:
            return {"feature": self.name, "op": ">=", "value": low}
        return {"feature": self.name, "op": "in", "value": [low, high]}

    def to_entry(self) -> dict:
        """The report's `features` entry (from_entry inverts it)."""
        entry = {"name": self.name, "kind": self.kind, "codes": self.domain, "value_type": self.value_type}
        if self.kind == NUMERIC:
            entry["bin_edges"] = list(self.edges)
        else:
            entry["top_values"] = list(self.values)
        return entry


def from_entry(entry: dict) -> FeatureEncoding:
    """The FeatureEncoding of a report's `features` entry."""
    return FeatureEncoding(entry["name"], entry["kind"], edges=tuple(entry.get("bin_edges", ())),
                           values=tuple(entry.get("top_values", ())), value_type=entry.get("value_type", BYTES))


def _floats(flat: pa.Array) -> np.ndarray:
    if pa.types.is_boolean(flat.type):
        flat = flat.cast(pa.int8())
    return np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float64)  # nulls become NaN


def _texts(flat: pa.Array) -> pa.Array:
    if pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type):
        return flat
    if pa.types.is_boolean(flat.type):  # True/False, as tfx_dcai.predictions.label_text writes them
        return pc.if_else(flat, pa.scalar("True"), pa.scalar("False"))
    if pa.types.is_floating(flat.type):  # 1.0 -> "1", as tfx_dcai.predictions.label_text writes numbers
        return pa.array([None if v is None or v != v else _number_text(v) for v in flat.to_pylist()], pa.string())
    return flat.cast(pa.string())


def _number_text(value: float) -> str:
    return str(int(value)) if math.isfinite(value) and float(value).is_integer() else repr(value)


def text_codes(flat: pa.Array):
    """(codes, distinct texts) of a flat column as text (columns.text_codes with MAX_TEXT; nulls -1)."""
    return columns.text_codes(_texts(flat), MAX_TEXT)


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


def value_type_of(arrow_type: pa.DataType) -> str:
    """INT, FLOAT or BYTES for an Arrow type (lists: their values)."""
    t = columns.value_type(arrow_type)
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return INT if pa.types.is_integer(t) else BYTES
    return FLOAT if pa.types.is_floating(t) else BYTES


# ----- the profile: what a pass over the data learns about each feature -----

SKETCH_CAP = 4096  # most distinct (truncated) values a numeric feature's sketch keeps


def _truncate(values: np.ndarray, bits: int) -> np.ndarray:
    """Values with their float64 mantissa cut to `bits` bits (towards zero); infinities stay infinite."""
    if bits >= 52:
        return values
    raw = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    mask = np.uint64((0xFFFFFFFFFFFFFFFF << (52 - bits)) & 0xFFFFFFFFFFFFFFFF)
    return (raw & mask).view(np.float64)


@dataclasses.dataclass
class ValueSketch:
    """Exact counts of a numeric feature's values, coarsened just enough to keep at most SKETCH_CAP of them.

    Values are cut to `bits` mantissa bits, `bits` the largest precision at which the distinct values fit the cap
    (exact values whenever there are at most SKETCH_CAP distinct ones). Truncations nest, so merging two sketches
    and coarsening gives the same sketch whatever the order of the rows, batches and merges: the bins do not
    depend on the runner. The relative precision is 2**-bits.
    """
    bits: int = 52
    values: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    counts: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, values: np.ndarray) -> "ValueSketch":
        """The sketch of some (non-NaN) values."""
        unique, counts = np.unique(np.asarray(values, np.float64), return_counts=True)
        return cls(52, unique, counts.astype(np.int64))._coarsened()

    def merge(self, other: "ValueSketch") -> "ValueSketch":
        bits = min(self.bits, other.bits)
        values = np.concatenate([_truncate(self.values, bits), _truncate(other.values, bits)])
        counts = np.concatenate([self.counts, other.counts])
        return ValueSketch(bits, *_summed(values, counts))._coarsened()

    def _coarsened(self) -> "ValueSketch":
        sketch = self
        while len(sketch.values) > SKETCH_CAP and sketch.bits > 0:
            bits = sketch.bits - 1
            sketch = ValueSketch(bits, *_summed(_truncate(sketch.values, bits), sketch.counts))
        return sketch

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def quantiles(self, n_bins: int) -> List[float]:
        """[minimum, the i/n_bins quantiles for i = 1..n_bins-1 (inverted CDF: the smallest value whose cumulative
        count reaches i * n / n_bins), maximum]; [] when empty."""
        if not len(self.values):
            return []
        cumulative = np.cumsum(self.counts)
        targets = np.arange(1, n_bins) * cumulative[-1] / n_bins
        inner = self.values[np.minimum(np.searchsorted(cumulative, targets, side="left"), len(self.values) - 1)]
        return [float(self.values[0])] + [float(v) for v in inner] + [float(self.values[-1])]


def _summed(values: np.ndarray, counts: np.ndarray):
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, np.bincount(inverse.reshape(-1), weights=counts, minlength=len(unique)).astype(np.int64)


@dataclasses.dataclass
class FeatureProfile:
    """One feature's summary over some rows (mergeable, independent of row order): its kind, storage type, most
    values per row, and the count of each value (categorical: a Counter of texts; numeric: a ValueSketch)."""
    name: str
    kind: str
    value_type: str
    max_values_per_row: int = 0
    counts: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    sketch: ValueSketch = dataclasses.field(default_factory=ValueSketch)

    def merge(self, other: "FeatureProfile") -> "FeatureProfile":
        if self.kind != other.kind:
            raise SliceInputError(f"feature {self.name!r} holds numbers in some batches and text in others: give it "
                                  "one type (or exclude it)")
        counts = collections.Counter(self.counts)
        counts.update(other.counts)
        value_type = self.value_type if self.value_type == other.value_type else (
            FLOAT if {self.value_type, other.value_type} == {INT, FLOAT} else BYTES)
        return FeatureProfile(self.name, self.kind, value_type,
                              max(self.max_values_per_row, other.max_values_per_row), counts,
                              self.sketch.merge(other.sketch))


def profile_column(name: str, column, categorical: bool) -> FeatureProfile:
    """The profile of one feature column of one batch."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    most = 1 if len(column) else 0
    if columns.is_list_type(column.type):
        lengths = pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        most = int(lengths.max()) if len(lengths) else 0
    kind = columns.kind_of_type(column.type, categorical)
    profile = FeatureProfile(name, kind, value_type_of(column.type), most)
    flat = columns.first_values(column, name, multivalent="first")
    if kind == NUMERIC:
        values = _floats(flat)
        profile.sketch = ValueSketch.of(values[~np.isnan(values)])
        return profile
    codes, texts = text_codes(flat)
    present = codes[codes >= 0]
    if len(present):
        counted = np.bincount(present, minlength=len(texts))
        profile.counts.update({texts[i]: int(c) for i, c in enumerate(counted.tolist()) if c})
    return profile


def encoding_from_profile(profile: FeatureProfile, num_bins: int, max_values: int) -> FeatureEncoding:
    """The encoding of a profiled feature: quantile bins (numeric) or its most frequent values (categorical)."""
    if profile.kind == NUMERIC:
        return numeric_encoding(profile.name, profile.sketch.quantiles(num_bins), profile.value_type)
    return categorical_encoding(profile.name, profile.counts, max_values, profile.value_type)


def numeric_encoding(name: str, quantiles: Sequence[float], value_type: str = FLOAT) -> FeatureEncoding:
    """Bins cut at the finite interior quantiles (the first and last quantile are the minimum and maximum)."""
    edges = [e for e in binning.edges_from_quantiles(quantiles) if math.isfinite(e)]
    return FeatureEncoding(name, NUMERIC, edges=tuple(edges), value_type=value_type)


def categorical_encoding(name: str, counts: Dict, max_values: int, value_type: str = BYTES) -> FeatureEncoding:
    """Keeps the `max_values` most frequent values (ties broken by value text); the rest become "other"."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return FeatureEncoding(name, CATEGORICAL, values=tuple(str(value) for value, _ in ranked[:max_values]),
                           value_type=value_type)


def encode_batch(record_batch: pa.RecordBatch, encodings: Sequence[FeatureEncoding], rows=None) -> np.ndarray:
    """(rows, features) int32 codes of one record batch (only `rows`, an index array, when given)."""
    names = record_batch.schema.names
    coded = []
    for encoding in encodings:
        if encoding.name not in names:
            raise SliceInputError(f"feature {encoding.name!r} is missing from a batch of the examples")
        column = record_batch.column(names.index(encoding.name))
        if rows is not None:
            column = column.take(pa.array(rows, pa.int64()))
        coded.append(encoding.codes(column))
    n = record_batch.num_rows if rows is None else len(rows)
    return np.stack(coded, axis=1) if coded else np.zeros((n, 0), np.int32)


def column_offsets(encodings: Sequence[FeatureEncoding]) -> np.ndarray:
    """Start of each feature's codes in the global one-hot column space."""
    return np.concatenate([[0], np.cumsum([e.domain for e in encodings])[:-1]]).astype(np.int64)


def feature_of_columns(encodings: Sequence[FeatureEncoding]) -> np.ndarray:
    return np.repeat(np.arange(len(encodings)), [e.domain for e in encodings])


def column_predicate(encodings: Sequence[FeatureEncoding], column: int) -> dict:
    offsets = column_offsets(encodings)
    feature = int(np.searchsorted(offsets, column, side="right") - 1)
    return encodings[feature].predicate(int(column - offsets[feature]))


_STATS_VALUE_TYPES = {0: INT, 1: FLOAT, 2: BYTES, 3: BYTES}  # FeatureNameStatistics.Type INT FLOAT STRING BYTES


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
        value_type = _STATS_VALUE_TYPES.get(stats.type, BYTES)
        if stats.HasField("num_stats"):
            for histogram in stats.num_stats.histograms:
                if histogram.type == histogram.QUANTILES and len(histogram.buckets) == num_bins:
                    bounds = [histogram.buckets[0].low_value] + [b.high_value for b in histogram.buckets]
                    result[name] = numeric_encoding(name, bounds, value_type)
        elif stats.HasField("string_stats") and stats.string_stats.top_values:
            counts = {tv.value: tv.frequency for tv in stats.string_stats.top_values}
            result[name] = categorical_encoding(name, counts, max_values, value_type)
    return result
