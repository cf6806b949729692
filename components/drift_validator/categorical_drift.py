"""Chi-square drift test for a categorical feature from top-k counts plus an "other" bucket.

Only values whose counts are known on BOTH sides get their own column: listed in both rank histograms /
top-k lists, or listed on one side while the other side's list is complete (it lists every distinct value, so
an absent value has count 0). All the rest of each side's total goes into "other". Coarsening the table this
way keeps the test valid (a new value at serving shows up as a larger "other" share when the lists are cut).
Columns whose expected count is below 5 are merged into "other" as well.
"""
import dataclasses
from typing import Dict, List

import numpy as np
from scipy import stats as _stats

from tfx_dcai.drift_validator.binned_measures import jensen_shannon, l_infinity, population_stability_index

OTHER = "__other__"
MIN_EXPECTED = 5.0


@dataclasses.dataclass
class CategoricalDrift:
    chi_square: float
    dof: int
    p_value: float
    l_infinity: float
    psi: float
    jsd: float
    categories: List[str]
    baseline_shares: List[float]
    current_shares: List[float]


def contingency_table(baseline: Dict[str, float], n_baseline: float, current: Dict[str, float],
                      n_current: float, top_k: int = 20, baseline_complete: bool = False,
                      current_complete: bool = False):
    """(categories, 2 x K counts): the top_k values known on both sides by pooled count, then "other"."""
    known = set(baseline) & set(current)
    if current_complete:
        known |= set(baseline)
    if baseline_complete:
        known |= set(current)
    baseline = {v: baseline.get(v, 0.0) for v in known}
    current = {v: current.get(v, 0.0) for v in known}
    shared = sorted(known, key=lambda v: (-(baseline[v] + current[v]), v))
    total = n_baseline + n_current
    kept = []
    for value in shared[:top_k]:
        pooled = baseline[value] + current[value]
        if min(n_baseline, n_current) * pooled / total >= MIN_EXPECTED:
            kept.append(value)
    rows = np.array([[baseline[v] for v in kept], [current[v] for v in kept]], dtype=float).reshape(2, len(kept))
    other = np.array([n_baseline - rows[0].sum(), n_current - rows[1].sum()])
    other = np.maximum(other, 0.0)
    if other.sum() > 0:
        kept = kept + [OTHER]
        rows = np.column_stack([rows, other])
    return kept, rows


def chi_square(table: np.ndarray):
    """Pearson chi-square of independence on a 2 x K table, no continuity correction."""
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 0, 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    dof = table.shape[1] - 1
    return statistic, dof, float(_stats.chi2.sf(statistic, dof))


def categorical_drift(baseline: Dict[str, float], n_baseline: float, current: Dict[str, float],
                      n_current: float, top_k: int = 20, baseline_complete: bool = False,
                      current_complete: bool = False) -> CategoricalDrift:
    categories, table = contingency_table(baseline, n_baseline, current, n_current, top_k, baseline_complete,
                                          current_complete)
    statistic, dof, p_value = chi_square(table)
    shares = table / np.maximum(table.sum(axis=1, keepdims=True), 1e-300)
    p, q = shares[0], shares[1]
    return CategoricalDrift(chi_square=statistic, dof=dof, p_value=p_value, l_infinity=l_infinity(p, q),
                            psi=population_stability_index(p, q), jsd=jensen_shannon(p, q),
                            categories=categories, baseline_shares=p.tolist(), current_shares=q.tolist())
