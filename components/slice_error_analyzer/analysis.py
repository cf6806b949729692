"""From SliceLine's evaluated slices to the report: tests, BH, parent-child filtering, ranking, diagnosis, gate.

Every evaluated slice (size >= min_support) is tested against the rest of the data, one-sided (significance.py:
Fisher's exact test for 0/1 losses, Welch with a minimum n for continuous ones). Benjamini-Hochberg over every
evaluated slice plus the candidates the score bound pruned (counted with p = 1) gives q-values; a slice is
significant when q <= `q`, its mean loss is above the overall mean and it is not the whole data.
A child slice (level >= 2) is listed only when it is also worse than the rest of each of its parents (parent minus
child): the largest of those one-sided p-values (an intersection-union test), BH-adjusted over the significant
children, must be <= q, so the list has no nested duplicates. Default ranking: excess errors |S| * (mean_S -
mean); `ranking="sliceline"` lists SliceLine's raw top-k by score instead, unfiltered.
With a baseline model, each listed slice gets a paired test (exact McNemar for 0/1 losses, paired t otherwise) of
its loss vs the baseline's on the same rows (BH over the listed slices); a regression blocks.
"""
import dataclasses
import itertools
from typing import Dict, List, Optional

import numpy as np

from tfx_dcai.multiple_testing import benjamini_hochberg
from tfx_dcai.slice_error_analyzer import diagnosis, report as report_lib, significance, slice_metrics
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import column_predicate, describe
from tfx_dcai.slice_error_analyzer.passes import SearchResult, totals
from tfx_dcai.slice_error_analyzer.sliceline import (DIFF_SQUARES, DIFF_SUM, ERROR_MAX, ERROR_SQUARES, ERROR_SUM,
                                                       SIZE, LatticeState, score)

PASS, BLOCKED, NO_BASELINE = "PASS", "BLOCKED", "NO_BASELINE"


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


@dataclasses.dataclass
class Tested:
    """The evaluated slices with their p-values, q-values and flags (arrays aligned with evaluated.slices)."""
    evaluated: Evaluated
    p: np.ndarray
    tested: np.ndarray
    q: np.ndarray
    significant: np.ndarray


def test_slices(state: LatticeState, n: int, loss_sum: float, loss_squares: float, is_rate: bool, min_support: int,
                q_level: float) -> Tested:
    """Each evaluated slice vs the rest, BH over them and the pruned candidates, and which are significant."""
    evaluated = collect_evaluated(state, min_support)
    stats = evaluated.stats
    if len(stats):
        p, tested = significance.slice_vs_rest(is_rate, stats[:, SIZE], stats[:, ERROR_SUM], stats[:, ERROR_SQUARES],
                                               n, loss_sum, loss_squares)
    else:
        p, tested = np.zeros(0), np.zeros(0, bool)
    q = benjamini_hochberg(p, untested=state.unevaluated) if len(p) else np.zeros(0)
    mean = loss_sum / n
    worse = (stats[:, ERROR_SUM] / np.maximum(stats[:, SIZE], 1)) > mean
    significant = (q <= q_level) & worse & (stats[:, SIZE] < n) & tested
    return Tested(evaluated, p, tested, q, significant)


def _worse_than_parents_p(index: Dict[tuple, int], stats: np.ndarray, slice_: tuple, is_rate: bool) -> float:
    """Intersection-union p-value that a child is worse than the rest of every parent: the max over parents."""
    child = stats[index[slice_]]
    worst = 0.0
    for parent in itertools.combinations(slice_, len(slice_) - 1):
        if parent not in index or stats[index[parent]][SIZE] <= child[SIZE]:
            return 1.0
        whole = stats[index[parent]]
        p, _ = significance.slice_vs_rest(is_rate, child[SIZE], child[ERROR_SUM], child[ERROR_SQUARES], whole[SIZE],
                                          whole[ERROR_SUM], whole[ERROR_SQUARES])
        worst = max(worst, float(p))
    return worst


def _not_nested(index, stats, slices, candidates, is_rate: bool, q: float) -> List[int]:
    """Significant slices kept: level 1, or children whose parent test survives BH over all such children."""
    children = [i for i in candidates if len(slices[i]) > 1]
    p = np.array([_worse_than_parents_p(index, stats, slices[i], is_rate) for i in children])
    passed = {i for i, q_value in zip(children, benjamini_hochberg(p)) if q_value <= q} if children else set()
    return [i for i in candidates if len(slices[i]) == 1 or i in passed]


def verdict(slices: List[dict], has_baseline: bool) -> dict:
    """BLOCKED when a listed slice is significantly worse than under the baseline model."""
    if not has_baseline:
        return {"verdict": NO_BASELINE, "reason": "no baseline model to compare with"}
    regressed = [s["description"] for s in slices if (s.get("baseline") or {}).get("regressed")]
    if regressed:
        return {"verdict": BLOCKED, "reason": f"{len(regressed)} slice(s) worse than the baseline model: "
                                              + "; ".join(regressed[:3])}
    return {"verdict": PASS, "reason": "no slice is significantly worse than under the baseline model"}


def analyze(result: SearchResult, config: SliceConfig, train_features: Optional[Dict] = None,
            train_examples: int = 0, label_report: Optional[dict] = None) -> dict:
    """The report (docs/slice_error_analyzer.md, "Report contract") of a finished search.

    Args:
      result: the passes' SearchResult (in memory or from Beam).
      config: the SliceConfig.
      train_features: TFDV FeatureNameStatistics of the training split by feature (diagnosis), or None.
      train_examples: the number of training examples those statistics describe.
      label_report: a LabelConsistencyReport dict (diagnosis), or None.

    Returns:
      The report dict.
    """
    state, setup, counts = result.state, result.setup, result.counts
    spec, encodings = setup.spec, setup.encodings
    metric, is_rate = spec.metric, slice_metrics.is_rate(spec.metric)
    n, mean = counts.used, counts.loss_sum / counts.used
    min_support = config.min_support_for(n)
    tested = test_slices(state, n, counts.loss_sum, counts.loss_squares, is_rate, min_support, config.q)
    evaluated, stats = tested.evaluated, tested.evaluated.stats
    index = {s: i for i, s in enumerate(evaluated.slices)}
    scores = score(stats[:, SIZE], stats[:, ERROR_SUM], totals(counts), config.alpha)
    if config.ranking == "sliceline":
        chosen = [index[tuple(int(c) for c in row if c >= 0)] for row in state.top_slices]
    else:
        kept = _not_nested(index, stats, evaluated.slices, list(np.flatnonzero(tested.significant)), is_rate,
                           config.q)
        excess = stats[:, ERROR_SUM] - stats[:, SIZE] * mean
        chosen = sorted(kept, key=lambda i: (-excess[i], evaluated.slices[i]))[:config.max_slices]

    level_one = {s[0]: stats[i, SIZE] / n for s, i in index.items() if len(s) == 1}
    bad_classes = diagnosis.inconsistent_classes(label_report)
    overall_value = slice_metrics.shown_value(metric, mean)
    shown_metric = slice_metrics.describe(metric, spec.report_entry()["recall_class"])
    reported = []
    for i in chosen:
        slice_, row = evaluated.slices[i], stats[i]
        predicates = [column_predicate(encodings, c) for c in slice_]
        text = " and ".join(describe(pr) for pr in predicates)
        value = slice_metrics.shown_value(metric, row[ERROR_SUM] / row[SIZE])
        low, high = significance.slice_interval(is_rate, row[SIZE], row[ERROR_SUM], row[ERROR_SQUARES])
        low, high = slice_metrics.shown_interval(metric, float(low), float(high))
        represented = diagnosis.representation(predicates, [level_one.get(c) for c in slice_],
                                               train_features or {}, train_examples)
        reported.append({
            "predicates": predicates, "description": text, "level": len(slice_), "size": int(row[SIZE]),
            "metric_value": float(value), "score": float(scores[i]),
            "excess_errors": float(row[ERROR_SUM] - row[SIZE] * mean), "max_error": float(row[ERROR_MAX]),
            "p_value": float(tested.p[i]), "q_value": float(tested.q[i]), "tested": bool(tested.tested[i]),
            "ci_low": low, "ci_high": high, "significant": bool(tested.significant[i]),
            "representation": represented,
            "recommendation": diagnosis.recommendation(text, shown_metric, value, overall_value, represented,
                                                       bad_classes),
        })
    has_baseline = spec.baseline is not None
    if has_baseline:
        _add_regressions(reported, [stats[i] for i in chosen], is_rate, metric, config.q)
    notes = list(setup.notes)
    if counts.loss_sum <= 0:
        notes.append(f"{metric} is 0 on every row: the model makes no error, so no slice is worse")
    search = {"n_evaluated": len(evaluated.slices), "n_pruned": state.unevaluated,
              "n_significant": int(tested.significant.sum()), "n_not_tested": int((~tested.tested).sum()),
              "sliceline_top_k": _top_k(state, encodings)}
    return report_lib.build_report(reported, search, counts, setup, config, notes, verdict(reported, has_baseline))


def _add_regressions(reported: List[dict], rows: List[np.ndarray], is_rate: bool, metric: str, q: float) -> None:
    """Paired test per listed slice: is its loss larger than the baseline model's on the same rows? (BH)"""
    if not rows:
        return
    stats = np.array(rows)
    p, tested = significance.paired_worse(is_rate, stats[:, DIFF_SUM], stats[:, DIFF_SQUARES], stats[:, SIZE])
    adjusted = benjamini_hochberg(p)
    for entry, row, p_value, q_value, was_tested in zip(reported, rows, p, adjusted, tested):
        baseline_mean = (row[ERROR_SUM] - row[DIFF_SUM]) / row[SIZE]
        entry["baseline"] = {"metric_value": float(slice_metrics.shown_value(metric, baseline_mean)),
                             "p_value": float(p_value), "q_value": float(q_value), "tested": bool(was_tested),
                             "regressed": bool(q_value <= q and row[DIFF_SUM] > 0)}


def _top_k(state: LatticeState, encodings) -> List[dict]:
    return [{"predicates": [column_predicate(encodings, int(c)) for c in row if c >= 0],
             "score": float(stats[0]), "size": int(stats[1 + SIZE]), "error_sum": float(stats[1 + ERROR_SUM]),
             "max_error": float(stats[1 + ERROR_MAX])} for row, stats in zip(state.top_slices, state.top_stats)]
