"""Error analysis -> targeted data: choose rows of an unlabelled pool from the significant slices.

The rule (docs/slice_error_analyzer.md, "Targeted data"):
1. The slices are the report's significant listed slices, in report order (most excess errors first); a slice
   with no pool row takes no part.
2. With a budget N smaller than the number of slices m, the first N slices get one row each. Otherwise each slice
   first gets a floor of max(1, floor(FLOOR_SHARE * N / m)) rows (a quarter of the budget spread evenly, so no
   slice is starved), and the rest of the budget is shared in proportion to the slices' excess errors by largest
   remainders (Hamilton), never more rows than a slice has.
3. Within a slice, rows are taken in increasing order of a stable 64-bit hash of their content (SHA-256 of the
   serialized tf.Example, or of a CSV row's values): the same pool gives the same choice on every runner and in
   every row order, and no random state is involved. A row in several slices goes to the first slice (in report
   order) that takes it. Budget a slice cannot use (too few rows) is shared again among the others.
Pure functions over record batches; the Beam pass is beam_selection.py.
"""
import dataclasses
import hashlib
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa

from tfx_dcai import columns
from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.slice_error_analyzer import encoding
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

FLOOR_SHARE = 0.25
SLICE_COLUMN = "slice"
RULE = ("floor max(1, floor(0.25 * budget / slices)) per slice, the rest in proportion to excess errors "
        "(largest remainders); rows by stable content hash within a slice")


@dataclasses.dataclass(frozen=True)
class TargetSlice:
    """One significant slice to draw rows for: its description, excess errors, and (feature index, code) terms."""
    description: str
    excess_errors: float
    terms: Tuple[Tuple[int, int], ...]


def target_slices(report: dict) -> Tuple[Tuple[encoding.FeatureEncoding, ...], List[TargetSlice]]:
    """The encodings and the significant listed slices of a report, as code terms."""
    encodings = tuple(encoding.from_entry(e) for e in report["features"])
    by_name = {e.name: i for i, e in enumerate(encodings)}
    slices = []
    for entry in report["slices"]:
        if not entry["significant"] or entry["excess_errors"] <= 0:
            continue
        terms = []
        for predicate in entry["predicates"]:
            f = by_name[predicate["feature"]]
            code = next(c for c in range(encodings[f].domain) if encodings[f].predicate(c) == predicate)
            terms.append((f, code))
        slices.append(TargetSlice(entry["description"], float(entry["excess_errors"]), tuple(terms)))
    return encodings, slices


def row_hashes(batch: pa.RecordBatch, names: Optional[Sequence[str]] = None) -> np.ndarray:
    """A stable uint64 hash of each row's content: the raw serialized record when the batch has one, else the
    row's values as text (NULL, numbers as written by Arrow) joined by a unit separator."""
    def digest(data: bytes) -> int:
        return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")

    if RAW_RECORD_COLUMN in batch.schema.names:
        return np.array([digest(r) for r in raw_records(batch)], np.uint64)
    names = list(names or batch.schema.names)
    texts = [_texts(batch.column(batch.schema.names.index(n))) for n in names]
    return np.array([digest("\x1f".join(row).encode("utf-8")) for row in zip(*texts)], np.uint64) if texts else \
        np.zeros(batch.num_rows, np.uint64)


def raw_records(batch: pa.RecordBatch, rows=None) -> list:
    """The serialized records (bytes) of a batch read with RAW_RECORD_COLUMN (only `rows` when given)."""
    raw = batch.column(batch.schema.names.index(RAW_RECORD_COLUMN))
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    if columns.is_list_type(raw.type):
        raw = raw.flatten()  # one record per row
    if rows is not None:
        raw = raw.take(pa.array(rows, pa.int64()))
    return raw.to_pylist()


def _texts(column) -> List[str]:
    values = column.to_pylist()
    return ["\x00" if v is None else repr(v) if isinstance(v, float) else str(v) for v in values]


def memberships(batch: pa.RecordBatch, encodings, slices: Sequence[TargetSlice]) -> np.ndarray:
    """(rows, slices) booleans: which pool rows fall in which slice."""
    codes = encoding.encode_batch(batch, encodings)
    inside = np.ones((batch.num_rows, len(slices)), bool)
    for j, target in enumerate(slices):
        for f, code in target.terms:
            inside[:, j] &= codes[:, f] == code
    return inside


@dataclasses.dataclass
class Candidates:
    """Per slice: how many pool rows fall in it and its `budget` rows with the smallest hashes (hash, row); and
    the pool's rows read."""
    counts: np.ndarray
    rows: List[List[Tuple[int, object]]]
    pool_rows: int = 0

    def merge(self, other: "Candidates", budget: int) -> "Candidates":
        rows = [sorted(a + b, key=_order)[:budget] for a, b in zip(self.rows, other.rows)]
        return Candidates(self.counts + other.counts, rows, self.pool_rows + other.pool_rows)


def _order(candidate):
    return candidate[0], repr(candidate[1])


def batch_candidates(batch: pa.RecordBatch, encodings, slices: Sequence[TargetSlice], budget: int,
                     payload) -> Candidates:
    """The Candidates of one pool batch; `payload(batch, row_indices)` gives the rows to keep (dicts, records)."""
    for e in encodings:
        if e.name not in batch.schema.names:
            raise SliceInputError(f"the pool has no column {e.name!r}, a feature of the analysed data: give the pool "
                                  "the same feature columns")
    inside = memberships(batch, encodings, slices)
    hashes = row_hashes(batch, [n for n in batch.schema.names if n != RAW_RECORD_COLUMN])
    rows = []
    for j in range(len(slices)):
        members = np.flatnonzero(inside[:, j])
        best = members[np.argsort(hashes[members], kind="stable")[:budget]]
        rows.append(sorted(zip(hashes[best].tolist(), payload(batch, best)), key=_order))
    return Candidates(inside.sum(axis=0).astype(np.int64), rows, batch.num_rows)


def allocate(weights: Sequence[float], available: Sequence[int], budget: int, floor: bool = True) -> List[int]:
    """Rows per slice: the floor, then the rest in proportion to `weights` by largest remainders, capped by
    `available` (see the module docstring); slices are in priority order."""
    m = len(weights)
    share = [0] * m
    open_ = [i for i in range(m) if available[i] > 0]
    if not open_ or budget <= 0:
        return share
    if budget < len(open_):
        for i in open_[:budget]:
            share[i] = 1
        return share
    if floor:
        base = max(1, math.floor(FLOOR_SHARE * budget / len(open_)))
        for i in open_:
            share[i] = min(base, available[i])
    remaining = budget - sum(share)
    while remaining > 0:
        open_ = [i for i in open_ if share[i] < available[i]]
        if not open_:
            break
        total = sum(max(weights[i], 0.0) for i in open_) or float(len(open_))
        exact = {i: remaining * (max(weights[i], 0.0) if total else 1.0) / total for i in open_}
        given = {i: min(math.floor(exact[i]), available[i] - share[i]) for i in open_}
        left = remaining - sum(given.values())
        for i in sorted(open_, key=lambda i: (-(exact[i] - math.floor(exact[i])), i)):
            if left <= 0:
                break
            if share[i] + given[i] < available[i]:
                given[i] += 1
                left -= 1
        if not any(given.values()):
            break
        for i, g in given.items():
            share[i] += g
        remaining = budget - sum(share)
    return share


def choose(slices: Sequence[TargetSlice], candidates: Candidates, budget: int) -> Tuple[List[Tuple[int, object]],
                                                                                       List[dict]]:
    """The chosen rows [(slice index, row)] and one summary per slice {slice, available, allocated, chosen}."""
    taken: Dict[int, List] = {j: [] for j in range(len(slices))}
    claimed = set()
    position = [0] * len(slices)
    first_allocation = None
    weights = [s.excess_errors for s in slices]
    for round_ in range(len(slices) + 2):
        remaining = budget - sum(len(t) for t in taken.values())
        if remaining <= 0:
            break
        unclaimed = [sum(1 for h, _ in candidates.rows[j][position[j]:] if h not in claimed)
                     for j in range(len(slices))]
        share = allocate(weights, unclaimed, remaining, floor=round_ == 0)
        if first_allocation is None:
            first_allocation = share
        progress = False
        for j, wanted in enumerate(share):
            rows = candidates.rows[j]
            while wanted > 0 and position[j] < len(rows):
                h, row = rows[position[j]]
                position[j] += 1
                if h in claimed:
                    continue
                claimed.add(h)
                taken[j].append(row)
                wanted -= 1
                progress = True
        if not progress:
            break
    first_allocation = first_allocation or [0] * len(slices)
    chosen = [(j, row) for j in range(len(slices)) for row in taken[j]]
    summary = [{"slice": s.description, "available": int(candidates.counts[j]), "allocated": int(first_allocation[j]),
                "chosen": len(taken[j])} for j, s in enumerate(slices)]
    return chosen, summary


def summary(budget: int, per_slice: List[dict], chosen: int, pool_rows: Optional[int]) -> dict:
    """The report's `selection` entry."""
    return {"budget": budget, "chosen": chosen, "pool_rows": pool_rows, "per_slice": per_slice, "rule": RULE}
