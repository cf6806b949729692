"""From SliceLine's evaluated slices to the reported ones: tests, BH, parent-child filtering, ranking, gate.

A level-1 slice is compared with the rest of the data; a child slice is reported only when it is also
significantly worse than the rest of each of its parents (parent minus child): the largest of those one-sided
p-values (an intersection-union test), BH-adjusted over all significant children, must be <= q. So the list has
no nested duplicates. Default ranking: excess errors |S| * (mean_S - mean); `ranking="sliceline"` returns
SliceLine's raw top-k by score instead, unfiltered.
"""
import dataclasses
import itertools
from typing import Dict, List, Optional, Sequence

import numpy as np

from tfx_dcai.multiple_testing import benjamini_hochberg
from tfx_dcai.slice_error_analyzer import diagnosis, significance
from tfx_dcai.slice_error_analyzer.encoding import FeatureEncoding, column_predicate, describe
from tfx_dcai.slice_error_analyzer.sliceline import (DIFF_SQUARES, DIFF_SUM, ERROR_MAX, ERROR_SQUARES,
                                                       ERROR_SUM, SIZE, LatticeState, SliceLineParams, Totals,
                                                       score)

@dataclasses.dataclass(frozen=True)
class AnalysisParams:
    metric: str
    search: SliceLineParams
    q: float = 0.05
    ranking: str = "default"
    max_slices: int = 50
    has_baseline: bool = False


@dataclasses.dataclass
class Evaluated:
    """Every slice SliceLine evaluated with at least min_support rows, and its statistics."""
    slices: List[tuple]
    stats: np.ndarray


def collect_evaluated(state: LatticeState, min_support: int) -> Evaluated:
    slices, rows = [], []
    for candidates, stats in state.evaluated:
        keep = stats[:, SIZE] >= min_support
        slices += [tuple(int(c) for c in row) for row in candidates[keep]]
        rows.append(stats[keep])
    return Evaluated(slices, np.concatenate(rows) if rows else np.zeros((0, 6)))


def _worse_than_parents_p(index: Dict[tuple, int], stats: np.ndarray, slice_: tuple, is_rate: bool) -> float:
    """Intersection-union p-value that a child is worse than the rest of every parent: the max over parents."""
    child = stats[index[slice_]]
    worst = 0.0
    for parent in itertools.combinations(slice_, len(slice_) - 1):
        if parent not in index or stats[index[parent]][SIZE] <= child[SIZE]:
            return 1.0
        whole = stats[index[parent]]
        p = significance.slice_vs_rest(is_rate, child[SIZE], child[ERROR_SUM], child[ERROR_SQUARES], whole[SIZE],
                                       whole[ERROR_SUM], whole[ERROR_SQUARES])
        worst = max(worst, float(p))
    return worst


def _not_nested(index, stats, slices, candidates, is_rate: bool, q: float) -> List[int]:
    """Significant slices kept: level 1, or children whose parent test survives BH over all such children."""
    children = [i for i in candidates if len(slices[i]) > 1]
    p = np.array([_worse_than_parents_p(index, stats, slices[i], is_rate) for i in children])
    passed = {i for i, q_value in zip(children, benjamini_hochberg(p)) if q_value <= q}
    return [i for i in candidates if len(slices[i]) == 1 or i in passed]


def analyze(state: LatticeState, totals: Totals, grand_squares: float, encodings: Sequence[FeatureEncoding],
            params: AnalysisParams, train_features: Optional[Dict] = None, train_examples: int = 0,
            label_report: Optional[dict] = None) -> dict:
    """Slices to report (dicts in the report's contract), the SliceLine top-k, and counts."""
    is_rate = params.metric == "error_rate"
    mean = totals.mean_error
    evaluated = collect_evaluated(state, params.search.min_support)
    stats = evaluated.stats
    p = significance.slice_vs_rest(is_rate, stats[:, SIZE], stats[:, ERROR_SUM], stats[:, ERROR_SQUARES],
                                   totals.n, totals.error_sum, grand_squares) if len(stats) else np.zeros(0)
    # BH family: every evaluated slice, plus the candidates the score bound pruned (counted with p = 1)
    q = benjamini_hochberg(np.concatenate([p, np.ones(state.unevaluated)]))[:len(p)]
    worse = (stats[:, ERROR_SUM] / np.maximum(stats[:, SIZE], 1)) > mean
    significant = (q <= params.q) & worse & (stats[:, SIZE] < totals.n)
    index = {s: i for i, s in enumerate(evaluated.slices)}
    scores = score(stats[:, SIZE], stats[:, ERROR_SUM], totals, params.search.alpha)

    if params.ranking == "sliceline":
        chosen = [index[tuple(int(c) for c in row if c >= 0)] for row in state.top_slices]
    else:
        kept = _not_nested(index, stats, evaluated.slices, list(np.flatnonzero(significant)), is_rate, params.q)
        excess = stats[:, ERROR_SUM] - stats[:, SIZE] * mean
        chosen = sorted(kept, key=lambda i: (-excess[i], evaluated.slices[i]))[:params.max_slices]

    level_one = {s[0]: stats[i, SIZE] / totals.n for s, i in index.items() if len(s) == 1}
    bad_classes = diagnosis.inconsistent_classes(label_report)
    reported = []
    for i in chosen:
        slice_ = evaluated.slices[i]
        row = stats[i]
        predicates = [column_predicate(encodings, c) for c in slice_]
        text = " and ".join(describe(pr) for pr in predicates)
        value = row[ERROR_SUM] / row[SIZE]
        low, high = significance.slice_interval(is_rate, row[SIZE], row[ERROR_SUM], row[ERROR_SQUARES])
        represented = diagnosis.representation(predicates, [level_one.get(c) for c in slice_],
                                               train_features or {}, train_examples)
        reported.append({
            "predicates": predicates, "description": text, "level": len(slice_), "size": int(row[SIZE]),
            "metric_value": float(value), "score": float(scores[i]), "excess_errors": float(row[ERROR_SUM] - row[SIZE] * mean),
            "max_error": float(row[ERROR_MAX]), "p_value": float(p[i]), "q_value": float(q[i]),
            "ci_low": float(low), "ci_high": float(high), "significant": bool(significant[i]),
            "representation": represented,
            "recommendation": diagnosis.recommendation(text, params.metric, value, mean, represented, bad_classes),
        })
    if params.has_baseline:
        _add_regressions(reported, [stats[i] for i in chosen], params.q)
    return {"slices": reported, "n_evaluated": len(evaluated.slices), "n_pruned": state.unevaluated,
            "n_significant": int(significant.sum()),
            "sliceline_top_k": _top_k(state, encodings)}


def _add_regressions(reported: List[dict], rows: List[np.ndarray], q: float) -> None:
    """Paired test per reported slice: is its error larger than the baseline model's on the same rows? (BH)"""
    p = np.array([float(significance.paired_greater(r[DIFF_SUM], r[DIFF_SQUARES], r[SIZE])) for r in rows])
    adjusted = benjamini_hochberg(p)
    for entry, row, p_value, q_value in zip(reported, rows, p, adjusted):
        entry["baseline"] = {"metric_value": float((row[ERROR_SUM] - row[DIFF_SUM]) / row[SIZE]),
                             "p_value": float(p_value), "q_value": float(q_value),
                             "regressed": bool(q_value <= q)}


def _top_k(state: LatticeState, encodings) -> List[dict]:
    return [{"predicates": [column_predicate(encodings, int(c)) for c in row if c >= 0],
             "score": float(stats[0]), "size": int(stats[1 + SIZE]), "error_sum": float(stats[1 + ERROR_SUM]),
             "max_error": float(stats[1 + ERROR_MAX])} for row, stats in zip(state.top_slices, state.top_stats)]
