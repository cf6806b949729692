"""Chi-square drift test for a categorical feature from top-k counts plus an "other" bucket.

Only values whose counts are known on BOTH sides get their own column: listed in both rank histograms /
top-k lists, or listed on one side while the other side's list is complete (it lists every distinct value, so
an absent value has count 0). All the rest of each side's total goes into "other". Coarsening the table this
way keeps the test valid (a new value at serving shows up as a larger "other" share when the lists are cut).
Columns whose expected count is below 5 are merged into "other" as well. Values one side has and the other lacks
are their own columns (NEW, VANISHED): see contingency_table.
"""
import dataclasses
from typing import Dict, List

import numpy as np
from scipy import stats as _stats

from tfx_dcai.drift_validator.binned_measures import jensen_shannon, l_infinity, population_stability_index

OTHER = "__other__"
NEW = "__new__"            # current mass on values the baseline lacks
VANISHED = "__vanished__"  # baseline mass on values the current data lacks
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
    """(categories, 2 x K counts): the top_k values known on both sides by pooled count, NEW, VANISHED, then OTHER.

    NEW holds the current mass on values the baseline does not have (known zeros) or does not list; for a value
    it does not list, the baseline count is taken at its largest possible value (at most the smallest count the
    baseline lists, and in all at most the baseline mass it does not list), so the column never overstates a change.
    VANISHED is the same for baseline values the current data lacks. A vocabulary that changes completely therefore
    shows as current mass on NEW and baseline mass on VANISHED instead of vanishing into OTHER.
    """
    known = set(baseline) & set(current)
    if current_complete:
        known |= set(baseline)
    if baseline_complete:
        known |= set(current)
    base = {v: baseline.get(v, 0.0) for v in known}
    cur = {v: current.get(v, 0.0) for v in known}
    shared = sorted(known, key=lambda v: (-(base[v] + cur[v]), v))
    total = n_baseline + n_current
    kept = [v for v in shared[:top_k]
            if min(n_baseline, n_current) * (base[v] + cur[v]) / total >= MIN_EXPECTED]
    kept_set = set(kept)
    columns = [[base[v] for v in kept], [cur[v] for v in kept]]
    new = _one_sided(known, kept_set, cur, base, current, baseline, n_baseline, baseline_complete)
    vanished = _one_sided(known, kept_set, base, cur, baseline, current, n_current, current_complete)
    labels = list(kept)
    for label, (b, c) in ((NEW, new), (VANISHED, vanished[::-1])):
        if (b if label == VANISHED else c) > 0 and min(n_baseline, n_current) * (b + c) / total >= MIN_EXPECTED:
            labels.append(label)
            columns[0].append(b)
            columns[1].append(c)
    rows = np.array(columns, dtype=float).reshape(2, len(labels))
    other = np.maximum(np.array([n_baseline - rows[0].sum(), n_current - rows[1].sum()]), 0.0)
    if other.sum() > 0:
        labels = labels + [OTHER]
        rows = np.column_stack([rows, other])
    return labels, rows


def _one_sided(known, kept, mine, theirs, my_listed, their_listed, their_n, their_complete):
    """(their count, my count) on the values I have that they lack: known zeros outside `kept`, plus my listed
    values they do not list (their count bounded above as contingency_table says)."""
    mass = sum(mine[v] for v in known - kept if theirs[v] == 0 and mine[v] > 0)
    unlisted = [v for v in my_listed if v not in known]
    mass += sum(my_listed[v] for v in unlisted)
    bound = 0.0
    if unlisted and not their_complete and their_listed:
        bound = min(len(unlisted) * min(their_listed.values()), max(their_n - sum(their_listed.values()), 0.0))
    return bound, mass


def new_value_share(baseline: Dict[str, float], current: Dict[str, float], n_current: float,
                    baseline_complete: bool) -> float:
    """Share of the current values that are not among the baseline's (listed) values."""
    if n_current <= 0:
        return 0.0
    return float(sum(c for v, c in current.items() if v not in baseline) / n_current) if (
        baseline_complete or baseline) else 0.0


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
