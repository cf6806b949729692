"""SliceLine (Sagadeeva & Boehm, SIGMOD 2021): exact level-wise slice enumeration with size and score pruning.

A slice is a sorted tuple of global one-hot columns (one per feature). Its score is
    sc = alpha * ((se / |S|) / e_bar - 1) - (1 - alpha) * (n / |S| - 1).
Level 1 evaluates every column; level L joins two valid slices of level L-1 that share L-2 columns, keeps a
candidate only if all L of its parents were valid (size >= min_support and error sum > 0), bounds its size,
error sum and max error by the minimum over its parents, and evaluates it only if its score upper bound beats
the lowest score in the current top-k and 0 (as in the reference implementation, also while the top-k is not
full). The top-k holds slices with score > 0, ties at the k-th score included.

Statistics are evaluated elsewhere (in Beam over record batches, or `evaluate_candidates` in memory); this
module only decides what to evaluate next. No TensorFlow, no Beam.
"""
import dataclasses
from typing import List, Tuple

import numpy as np

# columns of a slice statistics row
SIZE, ERROR_SUM, ERROR_MAX, ERROR_SQUARES, DIFF_SUM, DIFF_SQUARES = range(6)
N_STATS = 6
DENSE_CELLS_LIMIT = 1 << 20
PAIR_CHUNK = 1 << 18  # joined pairs pruned at a time


@dataclasses.dataclass(frozen=True)
class SliceLineParams:
    alpha: float
    k: int
    max_level: int
    min_support: int

    def __post_init__(self):
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {self.alpha}")
        if self.k < 1 or self.max_level < 1 or self.min_support < 1:
            raise ValueError(f"k, max_level and min_support must be >= 1, got {self.k}, {self.max_level}, "
                             f"{self.min_support}")


@dataclasses.dataclass
class Totals:
    """Whole-dataset sufficient statistics: rows, error sum (mean error = error_sum / n)."""
    n: int
    error_sum: float

    @property
    def mean_error(self) -> float:
        return self.error_sum / self.n if self.n else float("nan")


@dataclasses.dataclass
class LatticeState:
    """What the search knows after a level: that level's evaluated slices and the top-k so far."""
    level: int
    slices: np.ndarray
    stats: np.ndarray
    top_slices: np.ndarray
    top_stats: np.ndarray
    evaluated: List[Tuple[np.ndarray, np.ndarray]]
    unevaluated: int = 0  # candidates pruned by the score bound (they still count as tested hypotheses)


def score(sizes, error_sums, totals: Totals, alpha: float) -> np.ndarray:
    """SliceLine's score; -inf where undefined (empty slice)."""
    sizes, error_sums = np.asarray(sizes, np.float64), np.asarray(error_sums, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = alpha * ((error_sums / sizes) / totals.mean_error - 1) - (1 - alpha) * (totals.n / sizes - 1)
    return np.nan_to_num(values, nan=-np.inf)


def score_upper_bound(size_ub, error_ub, max_error_ub, totals: Totals, params: SliceLineParams) -> np.ndarray:
    """Max of the score over sizes in [min_support, size_ub] given the error bounds, probed where it can peak."""
    size_ub, error_ub, max_error_ub = (np.asarray(a, np.float64) for a in (size_ub, error_ub, max_error_ub))
    with np.errstate(divide="ignore", invalid="ignore"):
        knee = np.maximum(error_ub / max_error_ub, params.min_support)
    probes = np.stack([np.full_like(size_ub, params.min_support), knee, size_ub], axis=1)
    reachable_error = np.minimum(probes * max_error_ub[:, None], error_ub[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        values = (params.alpha * (reachable_error / totals.mean_error - probes)
                  - (1 - params.alpha) * (totals.n - probes)) / probes
    return np.nan_to_num(values, nan=-np.inf).max(axis=1)


def basic_candidates(n_columns: int) -> np.ndarray:
    return np.arange(n_columns, dtype=np.int64)[:, None]


def _valid(stats: np.ndarray, params: SliceLineParams) -> np.ndarray:
    return (stats[:, SIZE] >= params.min_support) & (stats[:, ERROR_SUM] > 0)


def _min_top_score(state: LatticeState) -> float:
    return float(state.top_stats[-1, 0]) if len(state.top_stats) else -np.inf


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """Each row of an int64 matrix as one opaque, comparable value (for exact-match lookups of whole rows)."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    return rows.view(np.dtype((np.void, 8 * rows.shape[1]))).ravel() if rows.shape[1] else np.zeros(len(rows), "V8")


class _RowIndex:
    """Exact-match lookups of whole rows in a fixed int64 table (sorted once, queried per chunk)."""

    def __init__(self, table: np.ndarray):
        self._size = len(table)
        keys = _row_keys(table)
        self._order = np.argsort(keys, kind="stable")
        self._ordered = keys[self._order]

    def find(self, queries: np.ndarray) -> np.ndarray:
        """The index of each query row in the table (rows of the same width), -1 when absent."""
        if not self._size or not len(queries):
            return np.full(len(queries), -1, np.int64)
        wanted = _row_keys(queries)
        position = np.minimum(np.searchsorted(self._ordered, wanted), self._size - 1)
        return np.where(self._ordered[position] == wanted, self._order[position], -1)


def _joined_pairs(parents: np.ndarray, feature_of: np.ndarray, chunk: int = PAIR_CHUNK):
    """Apriori join, vectorised and chunked: yields (left, right) parent indices, about `chunk` pairs at a time,
    of every pair with the same first L-2 columns and last columns of different features; the candidate is
    left's columns plus right's last column. Memory is O(chunk), not O(pairs): at 200 features the level-3
    pairs alone would not fit."""
    level = parents.shape[1] + 1
    if not len(parents):
        return
    order = np.lexsort(parents.T[::-1]) if parents.shape[1] else np.arange(len(parents))
    ordered = parents[order]
    prefix = _row_keys(ordered[:, :level - 2])
    starts = np.flatnonzero(np.concatenate([[True], prefix[1:] != prefix[:-1]]))
    ends = np.append(starts[1:], len(ordered))
    after = np.repeat(ends, ends - starts) - np.arange(len(ordered)) - 1  # later members of the same group
    pairs_before = np.cumsum(after) - after
    first_row = 0
    while first_row < len(ordered):  # rows [first_row, last_row) hold about `chunk` pairs
        last_row = max(int(np.searchsorted(pairs_before, pairs_before[first_row] + chunk)), first_row + 1)
        counts = after[first_row:last_row]
        left = np.repeat(np.arange(first_row, last_row), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        right = left + 1 + (np.arange(len(left)) - first)
        different = feature_of[ordered[left, -1]] != feature_of[ordered[right, -1]]
        yield order[left[different]], order[right[different]]
        first_row = last_row


def next_candidates(state: LatticeState, feature_of: np.ndarray, totals: Totals,
                    params: SliceLineParams) -> Tuple[np.ndarray, int]:
    """Level L+1 candidates from level L's valid slices, after parent, size and score-bound pruning.

    Also returns how many candidates large enough to test were pruned by the score bound alone. The join is
    pruned chunk by chunk, so memory follows the surviving candidates, not all joined pairs.
    """
    level = state.level + 1
    keep = _valid(state.stats, params)
    parents, parent_stats = state.slices[keep], state.stats[keep]
    if level > params.max_level or len(parents) < 2:
        return np.zeros((0, level), np.int64), 0
    index = _RowIndex(parents)
    bounded = parent_stats[:, [SIZE, ERROR_SUM, ERROR_MAX]]
    threshold = max(_min_top_score(state), 0.0)
    kept, pruned = [np.zeros((0, level), np.int64)], 0
    for left, right in _joined_pairs(parents, np.asarray(feature_of)):
        rows = np.concatenate([parents[left], parents[right][:, -1:]], axis=1)
        parent_rows = [left, right]
        complete = np.ones(len(rows), bool)
        for j in range(level - 2):  # the parents without one of the shared columns must be valid too
            found = index.find(np.delete(rows, j, axis=1))
            complete &= found >= 0
            parent_rows.append(found)
        rows = rows[complete]
        if not len(rows):
            continue
        bounds = bounded[np.stack([p[complete] for p in parent_rows], axis=1)].min(axis=1)
        upper = score_upper_bound(bounds[:, 0], bounds[:, 1], bounds[:, 2], totals, params)
        large_enough = bounds[:, 0] >= params.min_support
        promising = large_enough & (upper > threshold)
        kept.append(rows[promising])
        pruned += int((large_enough & ~promising).sum())
    candidates = np.concatenate(kept)
    candidates = candidates[np.lexsort(candidates.T[::-1])] if len(candidates) else candidates
    return candidates, pruned


def _top_k(slices: np.ndarray, stats: np.ndarray, scores: np.ndarray, state: LatticeState, totals: Totals,
           params: SliceLineParams):
    """Merge scored slices into the top-k; a row of top_stats is [score, *slice statistics]."""
    good = (stats[:, SIZE] >= params.min_support) & (scores > 0)
    width = max(state.top_slices.shape[1] if state.top_slices.size else 0, slices.shape[1])
    padded = lambda a: np.pad(a, ((0, 0), (0, width - a.shape[1])), constant_values=-1)
    pool_slices = np.concatenate([padded(state.top_slices), padded(slices[good])]) if good.any() or len(
        state.top_slices) else np.zeros((0, width), np.int64)
    pool_stats = np.concatenate([state.top_stats, np.column_stack([scores[good], stats[good]])])
    if not len(pool_stats):
        return pool_slices, pool_stats
    order = np.argsort(-pool_stats[:, 0], kind="stable")
    kth = pool_stats[order[min(params.k, len(order)) - 1], 0]
    order = order[pool_stats[order, 0] >= kth]
    return pool_slices[order], pool_stats[order]


def advance(state: LatticeState, candidates: np.ndarray, stats: np.ndarray, totals: Totals,
            params: SliceLineParams, unevaluated: int = 0) -> LatticeState:
    """The state after evaluating `candidates` (the next level, or level 1 from an empty state)."""
    stats = np.asarray(stats, np.float64).reshape(len(candidates), N_STATS)
    scores = score(stats[:, SIZE], stats[:, ERROR_SUM], totals, params.alpha)
    top_slices, top_stats = _top_k(candidates, stats, scores, state, totals, params)
    return LatticeState(state.level + 1, candidates, stats, top_slices, top_stats,
                        state.evaluated + [(candidates, stats)], state.unevaluated + unevaluated)


def empty_state() -> LatticeState:
    return LatticeState(0, np.zeros((0, 0), np.int64), np.zeros((0, N_STATS)), np.zeros((0, 0), np.int64),
                        np.zeros((0, N_STATS + 1)), [])


def evaluate_candidates(codes: np.ndarray, offsets: np.ndarray, n_columns: int, errors: np.ndarray,
                        baseline_errors: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Slice statistics (rows: candidates, columns: SIZE..DIFF_SQUARES) of one batch; combinable by sum/max.

    Candidates on the same features are counted together: the rows' codes on those features form one
    mixed-radix key, and bincount over the key gives every value combination's statistics in one pass.
    """
    stats = np.zeros((len(candidates), N_STATS))
    if not len(candidates) or not len(codes):
        return stats
    domains = np.diff(np.append(offsets, n_columns))
    features = np.searchsorted(offsets, candidates, side="right") - 1
    local = candidates - offsets[features]
    diff = errors - baseline_errors
    weights = (errors, errors * errors, diff, diff * diff)
    groups = {}
    for i, row in enumerate(map(tuple, features.tolist())):
        groups.setdefault(row, []).append(i)
    for group_features, members in groups.items():
        strides = np.cumprod([1] + [int(domains[f]) for f in group_features[:-1]])
        cells = int(strides[-1] * domains[group_features[-1]])
        keys = (codes[:, list(group_features)].astype(np.int64) * strides).sum(axis=1)
        wanted = (local[members] * strides).sum(axis=1)
        if cells > DENSE_CELLS_LIMIT:  # many features or values: count only the key values present
            present, keys = np.unique(keys, return_inverse=True)
            position = np.minimum(np.searchsorted(present, wanted), len(present) - 1)
            wanted = np.where(present[position] == wanted, position, len(present))
            cells = len(present) + 1
        stats[members, SIZE] = np.bincount(keys, minlength=cells)[wanted]
        for column, weight in zip((ERROR_SUM, ERROR_SQUARES, DIFF_SUM, DIFF_SQUARES), weights):
            stats[members, column] = np.bincount(keys, weights=weight, minlength=cells)[wanted]
        maxima = np.zeros(cells)
        np.maximum.at(maxima, keys, errors)
        stats[members, ERROR_MAX] = maxima[wanted]
    return stats


def combine_stats(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Merge two batches' statistics of the same candidates: sums add, the max error is the max."""
    merged = a + b
    merged[:, ERROR_MAX] = np.maximum(a[:, ERROR_MAX], b[:, ERROR_MAX])
    return merged


def search_in_memory(codes: np.ndarray, errors: np.ndarray, domains: List[int], params: SliceLineParams,
                     baseline_errors: np.ndarray = None) -> LatticeState:
    """The whole search on arrays held in memory (tests, small data); Beam runs the same steps per level."""
    offsets = np.concatenate([[0], np.cumsum(domains)[:-1]]).astype(np.int64)
    n_columns = int(np.sum(domains))
    feature_of = np.repeat(np.arange(len(domains)), domains)
    baseline_errors = errors if baseline_errors is None else baseline_errors
    totals = Totals(len(errors), float(np.sum(errors)))
    state, candidates, unevaluated = empty_state(), basic_candidates(n_columns), 0
    for _ in range(min(params.max_level, len(domains))):
        stats = evaluate_candidates(codes, offsets, n_columns, errors, baseline_errors, candidates)
        state = advance(state, candidates, stats, totals, params, unevaluated)
        candidates, unevaluated = next_candidates(state, feature_of, totals, params)
    return state
