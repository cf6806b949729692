"""Quantile bins of a numeric feature: the one convention of every component (slices, conditional label rates,
X->y conflict keys).

- Edges are the interior quantiles (the minimum and maximum are not edges), sorted, duplicates removed; so a
  feature with few distinct values gets fewer bins.
- Bins are half-open, `[lo, hi)`: bin 0 is `< e0`, bin i is `[e(i-1), e(i))`, the last bin `>= e(last)`. A value
  equal to an edge belongs to the bin that starts there.
- A missing value (None or NaN) is its own bin, `MISSING_BIN` (-1); infinities fall in the outer bins.
"""
from typing import List, Sequence

import numpy as np

MISSING_BIN = -1


def edges_from_quantiles(quantiles: Sequence[float]) -> List[float]:
    """Inner edges from quantiles that include the minimum and the maximum (e.g. Beam's ApproximateQuantiles or
    TFDV's quantiles histogram bounds): the interior values, sorted, NaN and duplicates removed."""
    interior = [float(q) for q in list(quantiles)[1:-1] if q == q]
    return sorted(set(interior))


def quantile_edges(values, n_bins: int) -> List[float]:
    """Inner edges of `n_bins` equal-frequency bins of the finite values (numpy's linear quantiles)."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if not len(finite):
        return []
    return edges_from_quantiles(np.quantile(finite, np.linspace(0.0, 1.0, n_bins + 1)).tolist())


def bin_indices(values, edges: Sequence[float]) -> np.ndarray:
    """The bin of each value (0 .. len(edges)), MISSING_BIN for None/NaN."""
    values = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64) \
        if not isinstance(values, np.ndarray) or values.dtype == object else values.astype(np.float64)
    bins = np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="right")
    return np.where(np.isnan(values), MISSING_BIN, bins).astype(np.int64)


def _short(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def bin_label(index: int, edges: Sequence[float]) -> str:
    """Readable text of bin `index`: "< 3", "[3, 7.5)", ">= 7.5", "(missing)"; "all" when there are no edges."""
    if index == MISSING_BIN:
        return "(missing)"
    if not edges:
        return "all"
    if index == 0:
        return f"< {_short(edges[0])}"
    if index == len(edges):
        return f">= {_short(edges[-1])}"
    return f"[{_short(edges[index - 1])}, {_short(edges[index])})"


def bin_range(index: int, edges: Sequence[float]) -> tuple:
    """(low, high) of bin `index`, None for an open end."""
    low = edges[index - 1] if index > 0 else None
    high = edges[index] if index < len(edges) else None
    return low, high


def bin_index(value, edges: Sequence[float]) -> int:
    """The bin of one value, as bin_indices gives it (MISSING_BIN for None/NaN)."""
    import bisect

    if value is None or value != value:
        return MISSING_BIN
    return bisect.bisect_right(edges, float(value))
