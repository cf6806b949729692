"""The common case as arrays: items where each annotator gave one valid class label, decided by majority vote.

A `VoteTable` holds such items' rows as integer codes, and computes at once what adding the items one by one
gives (AgreementAccumulator.add_item, consensus.consensus_row, each annotator's agreement with the consensus;
equality tested on random tables), so a hash bucket of 100,000 items costs a few NumPy passes, not 100,000
Python calls and their dicts.
"""
import dataclasses
from collections import Counter
from itertools import combinations

import numpy as np

from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.consensus import ConsensusColumns

_FLAG_BITS = ("inconsistent_features", "low_confidence", "single_label", "tie")  # in name order: sorted flags
_FLAGS_OF_MASK = [tuple(f for bit, f in enumerate(_FLAG_BITS) if mask >> bit & 1) for mask in range(16)]


@dataclasses.dataclass(frozen=True)
class VoteTable:
    """Rows sorted by item, then annotator. Codes index `item_ids` (sorted), `annotators` (in str order: the
    order of an item's annotator pairs) and `labels` (in label_sort_key order). inconsistent_features[k]:
    item k's rows differ in a feature (a flag, as in items.py)."""
    item_ids: list
    inconsistent_features: np.ndarray
    item_of_row: np.ndarray
    annotator_of_row: np.ndarray
    label_of_row: np.ndarray
    annotators: list
    labels: list

    @classmethod
    def empty(cls) -> "VoteTable":
        none = np.zeros(0, np.int64)
        return cls([], none.astype(bool), none, none, none, [], [])

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_rows(self) -> int:
        return len(self.item_of_row)

    def agreement(self) -> AgreementAccumulator:
        """The accumulator that adding every item with AgreementAccumulator.add_item gives."""
        acc = AgreementAccumulator()
        if not self.n_items:
            return acc
        annotators, labels = self.annotators, self.labels
        acc.n_items = self.n_items
        acc.n_single_label_items = int((np.bincount(self.item_of_row) < 2).sum())
        acc.annotator_labels.update(_counts_by_code(self.annotator_of_row, annotators))
        left, right = _pairs_within_runs(run_starts(self.item_of_row), self.n_rows)
        ann, lab = self.annotator_of_row, self.label_of_row
        for (a, b, x, y), count in _row_counts(ann[left], ann[right], lab[left], lab[right]):
            acc.pair_tables[(annotators[a], annotators[b])][(labels[x], labels[y])] += count
        item, label, votes = self._votes()
        starts = run_starts(item)
        for size, rows in _runs_by_size(starts, len(item)):
            for profile, units in _row_counts(*(label[rows[:, j]] for j in range(size)),
                                              *(votes[rows[:, j]] for j in range(size))):
                acc.profiles[tuple((labels[profile[j]], profile[size + j]) for j in range(size))] += units
        acc.class_items.update(_counts_by_code(label, labels))
        left, right = _pairs_within_runs(starts, len(item))
        for (x, y), count in _row_counts(label[left], label[right]):
            acc.confusion_items[(labels[x], labels[y])] += count
        for (x, y), item_codes in _first_items(label[left], label[right], item[left], acc.max_examples):
            acc.confusion_examples[(labels[x], labels[y])] = [self.item_ids[i] for i in item_codes]
        return acc

    def majority(self, min_confidence: float = 0.0) -> ConsensusColumns:
        """The consensus rows consensus.consensus_row gives these items by majority vote."""
        winner, confidence, n_labels, tied = self._majority()
        masks = (self.inconsistent_features.astype(np.int64) | (confidence < min_confidence) << 1
                 | (n_labels < 2) << 2 | tied << 3)
        return ConsensusColumns(items=list(self.item_ids), labels=[self.labels[c] for c in winner.tolist()],
                                confidence=confidence.tolist(), n_labels=n_labels.tolist(),
                                flags=[_FLAGS_OF_MASK[m] for m in masks.tolist()])

    def annotator_agreement(self, consensus_labels: list) -> dict:
        """{annotator: (labels equal to their item's consensus label, labels given)}; consensus_labels[k] is item
        k's (the labels of `majority`)."""
        code_of = {label: k for k, label in enumerate(self.labels)}
        winner = np.fromiter(map(code_of.__getitem__, consensus_labels), np.int64, len(consensus_labels))
        agreeing_rows = self.label_of_row == winner[self.item_of_row]
        given = np.bincount(self.annotator_of_row, minlength=len(self.annotators))
        agreed = np.bincount(self.annotator_of_row[agreeing_rows], minlength=len(self.annotators))
        return {a: (int(agreed[k]), int(given[k])) for k, a in enumerate(self.annotators) if given[k]}

    def _votes(self) -> tuple:
        """(item, label, votes) of each distinct (item, label), sorted by item then label."""
        k = len(self.labels)
        pairs, votes = np.unique(self.item_of_row * k + self.label_of_row, return_counts=True)
        return pairs // k, pairs % k, votes

    def _majority(self) -> tuple:
        """Per item: (winning label code, share of votes, labels, tied); a tie goes to the first label in order."""
        item, label, votes = self._votes()
        if not len(item):
            empty = np.zeros(0, np.int64)
            return empty, np.zeros(0), empty, empty
        starts = run_starts(item)
        top = np.maximum.reduceat(votes, starts)
        is_top = votes == np.repeat(top, _run_sizes(starts, len(item)))
        first_top = np.minimum.reduceat(np.where(is_top, np.arange(len(item)), len(item)), starts)
        n_labels = np.bincount(self.item_of_row, minlength=self.n_items)
        return label[first_top], top / n_labels, n_labels, (np.add.reduceat(is_top, starts) > 1).astype(np.int64)


def run_starts(sorted_codes: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted array."""
    if not len(sorted_codes):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])


def _run_sizes(starts: np.ndarray, n: int) -> np.ndarray:
    """The length of each run, from the run starts and the array's length."""
    return np.diff(np.r_[starts, n])


def _runs_by_size(starts: np.ndarray, n: int):
    """(size, index matrix with one row per run of that size) for each run size."""
    sizes = _run_sizes(starts, n)
    for size in np.unique(sizes).tolist():
        yield size, starts[sizes == size][:, None] + np.arange(size)


def _pairs_within_runs(starts: np.ndarray, n: int) -> tuple:
    """(left, right): the indices of every pair i < j of positions in the same run."""
    left, right = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for size, rows in _runs_by_size(starts, n):
        for p, q in combinations(range(size), 2):
            left.append(rows[:, p])
            right.append(rows[:, q])
    return np.concatenate(left), np.concatenate(right)


def _row_counts(*columns) -> list:
    """[(tuple of the columns' values, rows with them)] for each distinct row of the columns (non-negative
    integers), in the order of the rows' values."""
    if not len(columns[0]):
        return []
    key, bound = np.zeros(len(columns[0]), np.int64), 1
    for column in columns:  # one integer per row, in the columns' lexicographic order
        size = int(column.max()) + 1
        if bound * size >= 1 << 62:  # renumber the keys so far densely before they overflow
            key = np.unique(key, return_inverse=True)[1]
            bound = int(key.max()) + 1
        key, bound = key * size + column, bound * size
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return list(zip(map(tuple, np.stack(columns, axis=1)[first].tolist()), counts.tolist()))


def _counts_by_code(codes: np.ndarray, values: list) -> Counter:
    counts = np.bincount(codes, minlength=len(values))
    return Counter({values[k]: c for k, c in enumerate(counts.tolist()) if c})


def _first_items(x: np.ndarray, y: np.ndarray, item: np.ndarray, limit: int) -> list:
    """[((x, y), the `limit` smallest item codes with that pair)] for each distinct pair."""
    if not len(x):
        return []
    order = np.lexsort((item, y, x))
    x, y, item = x[order], y[order], item[order]
    starts = np.flatnonzero(np.r_[True, (x[1:] != x[:-1]) | (y[1:] != y[:-1])])
    ends = starts + np.minimum(_run_sizes(starts, len(x)), limit)
    return [((x[s], y[s]), item[s:e].tolist()) for s, e in zip(starts.tolist(), ends.tolist())]
