"""Concept drift on labelled feedback: the model metric vs its baseline, label-prior shift, and
conditional label rates per binned feature (a changed P(y|x) rather than a changed P(x)).

Labels are binary or multi-class values; the positive class of a binary label is its larger value.
Scores are the model's probability of the positive class (metric AUC) or predicted classes (metric accuracy).
"""
from typing import Dict, List

import numpy as np

from tfx_dcai.drift_validator.categorical_drift import chi_square
from tfx_dcai.multiple_testing import benjamini_hochberg
from tfx_dcai.drift_validator.multivariate import auc

MIN_RATE_CHANGE = 0.05   # a bin's label rate must move by at least this much to count as changed
MIN_BIN_ROWS = 20        # smaller bins are not tested


def _metric(name: str, labels: np.ndarray, scores: np.ndarray) -> float:
    if name == "auc":
        return auc(labels, scores)
    return float(np.mean(labels == scores))


def metric_name(labels: np.ndarray, scores: np.ndarray) -> str:
    """AUC for a binary label with continuous scores, accuracy otherwise."""
    binary = len(np.unique(labels[~is_missing(labels)])) <= 2
    continuous = scores.dtype.kind == "f" and not np.all(np.mod(scores[np.isfinite(scores)], 1) == 0)
    return "auc" if binary and continuous else "accuracy"


def is_missing(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return np.array([v is None for v in values])
    return np.isnan(values.astype(float))


def positive_indicator(labels: np.ndarray, positive) -> np.ndarray:
    return np.asarray(labels == positive, dtype=float)


def metric_difference(base_labels, base_scores, cur_labels, cur_scores, bootstrap: int, min_drop: float,
                      rng: np.random.Generator, metric: str) -> dict:
    """current - baseline with a percentile bootstrap 95% CI (each side resampled independently)."""
    baseline = _metric(metric, base_labels, base_scores)
    current = _metric(metric, cur_labels, cur_scores)
    diffs = []
    for _ in range(bootstrap):
        b = rng.integers(0, len(base_labels), len(base_labels))
        c = rng.integers(0, len(cur_labels), len(cur_labels))
        diffs.append(_metric(metric, cur_labels[c], cur_scores[c]) - _metric(metric, base_labels[b], base_scores[b]))
    lo, hi = np.nanpercentile(diffs, [2.5, 97.5])
    drift = bool(hi < 0 and baseline - current >= min_drop)
    return {"metric": metric, "baseline": baseline, "current": current, "difference_ci": [float(lo), float(hi)],
            "drift": drift, "n_baseline": int(len(base_labels)), "n_current": int(len(cur_labels)),
            "bootstrap": bootstrap}


def label_prior(base_labels: np.ndarray, cur_labels: np.ndarray) -> dict:
    labels = sorted({str(v) for v in np.concatenate([base_labels, cur_labels])})
    table = np.array([[np.sum(base_labels.astype(str) == v) for v in labels],
                      [np.sum(cur_labels.astype(str) == v) for v in labels]], dtype=float)
    statistic, dof, p_value = chi_square(table)
    shares = table / table.sum(axis=1, keepdims=True)
    return {"labels": labels, "baseline": shares[0].tolist(), "current": shares[1].tolist(),
            "chi_square": statistic, "p_value": p_value}


def _bins(base: np.ndarray, cur: np.ndarray, count: int):
    """(bin label per row for baseline, for current): baseline quantile bins, or top values for strings."""
    if base.dtype == object or cur.dtype == object:
        values, counts = np.unique([str(v) for v in base if v is not None], return_counts=True)
        top = set(values[np.argsort(-counts)][:count])

        def label(v):
            return "(missing)" if v is None else (str(v) if str(v) in top else "(other)")
        return np.array([label(v) for v in base]), np.array([label(v) for v in cur])
    finite = base[np.isfinite(base)]
    if len(finite) == 0:
        return None
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, count + 1))[1:-1])

    def labels(x):
        idx = np.searchsorted(edges, x, side="right")
        names = [f"<= {edges[0]:.4g}" if i == 0 else (f"> {edges[-1]:.4g}" if i == len(edges) else
                 f"{edges[i - 1]:.4g}..{edges[i]:.4g}") for i in range(len(edges) + 1)] if len(edges) else ["all"]
        return np.array(["(missing)" if np.isnan(v) else names[i] for v, i in zip(x, idx)])
    return labels(base), labels(cur)


def conditional_label_rates(base_cols: Dict[str, np.ndarray], cur_cols: Dict[str, np.ndarray],
                            base_positive: np.ndarray, cur_positive: np.ndarray, features: List[str],
                            bins: int, q: float) -> List[dict]:
    """Per feature bin: P(y = positive) on each side, a 2x2 chi-square test, BH across all bins."""
    rows = []
    for name in features:
        binned = _bins(base_cols[name], cur_cols[name], bins)
        if binned is None:
            continue
        base_bins, cur_bins = binned
        for label in sorted(set(base_bins) & set(cur_bins)):
            b, c = base_positive[base_bins == label], cur_positive[cur_bins == label]
            if len(b) < MIN_BIN_ROWS or len(c) < MIN_BIN_ROWS:
                continue
            _, _, p = chi_square(np.array([[b.sum(), len(b) - b.sum()], [c.sum(), len(c) - c.sum()]]))
            rows.append({"feature": name, "bin": label, "baseline_rate": float(b.mean()),
                         "current_rate": float(c.mean()), "n_baseline": int(len(b)), "n_current": int(len(c)),
                         "p_value": p})
    for row, q_value in zip(rows, benjamini_hochberg([r["p_value"] for r in rows])):
        row["q_value"] = q_value
        row["changed"] = bool(q_value <= q and abs(row["current_rate"] - row["baseline_rate"]) >= MIN_RATE_CHANGE)
    return sorted(rows, key=lambda r: (not r["changed"], r["q_value"]))
