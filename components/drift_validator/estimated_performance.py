"""Performance without labels: a confidence-based estimate (CBPE) of accuracy and AUC from the model's probabilities.

If the model's probabilities are calibrated, P(label = k | x) = p_k(x) on the current data too (covariate shift
with an unchanged P(y|x)). Then the expected accuracy is the mean probability of the predicted class, and the
distribution of any metric can be simulated by drawing each row's label from its probabilities. The estimate:
- `value`: accuracy = mean_i p_i(predicted_i) (exact expectation); AUC = the mean of the simulated AUCs;
- `ci_low`, `ci_high`: the 2.5% and 97.5% points of the simulated metric (labels drawn `simulations` times); this is
  where the realized metric lies with 95% probability if the probabilities are calibrated;
- `calibrated`: the same simulation on the labelled baseline rows, and whether the metric realized there lies in
  its own 95% interval. False means the probabilities are not calibrated on the baseline, so the estimate on the
  current data cannot be trusted (recalibrate the model, e.g. isotonic regression on held-out data).
The estimate cannot see concept drift (a changed P(y|x)): it answers "how is the model doing if only the inputs
moved". Binary tasks get accuracy and AUC; multi-class tasks accuracy.
"""
from typing import List

import numpy as np

from tfx_dcai import metrics, predictions as preds

CHUNK = 64  # simulations drawn at once (memory: CHUNK x rows x classes floats)


def _simulated_labels(probabilities: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, n) class codes drawn row by row from the probabilities (rows renormalised to sum to 1)."""
    p = probabilities / np.maximum(probabilities.sum(axis=1, keepdims=True), 1e-300)
    cumulative = np.cumsum(p, axis=1)
    u = rng.random((count, p.shape[0], 1))
    return np.minimum((u > cumulative[None, :, :]).sum(axis=2), p.shape[1] - 1)


def _auc_of_draws(labels: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """AUC of each row of boolean labels (count, n) against fixed score ranks (rank-sum formula, ties half)."""
    positives = labels.sum(axis=1).astype(float)
    negatives = labels.shape[1] - positives
    rank_sums = labels.astype(float) @ ranks
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rank_sums - positives * (positives + 1) / 2) / (positives * negatives)


def simulate(probabilities: np.ndarray, predicted: np.ndarray, metric: str, simulations: int,
             rng: np.random.Generator) -> np.ndarray:
    """The metric under labels drawn from the probabilities, `simulations` times.

    Args:
      probabilities: (n, k) class probabilities.
      predicted: (n,) predicted class codes.
      metric: "accuracy" or "auc" (binary: class 1 is positive).
      simulations: how many draws.
      rng: the generator.

    Returns:
      The simulated metric values (NaN for an AUC draw with one class only).
    """
    from scipy.stats import rankdata

    ranks = rankdata(probabilities[:, -1]) if metric == "auc" else None
    out = []
    for start in range(0, simulations, CHUNK):
        labels = _simulated_labels(probabilities, min(CHUNK, simulations - start), rng)
        if metric == "accuracy":
            out.append((labels == predicted[None, :]).mean(axis=1))
        elif metric == "auc":
            out.append(_auc_of_draws(labels == 1, ranks))
        else:
            raise ValueError(f"no estimate for metric {metric!r}")
    return np.concatenate(out) if out else np.array([])


def _estimate(probabilities, predicted, metric, simulations, rng):
    draws = simulate(probabilities, predicted, metric, simulations, rng)
    draws = draws[np.isfinite(draws)]
    if metric == "accuracy":
        value = float(np.mean(probabilities[np.arange(len(predicted)), predicted]))
    else:
        value = float(np.mean(draws)) if len(draws) else float("nan")
    lo, hi = np.percentile(draws, [2.5, 97.5]).tolist() if len(draws) else [float("nan")] * 2
    return value, float(lo), float(hi)


def estimated_metrics(task: str) -> tuple:
    """The metrics estimated for a task: binary accuracy and AUC; multi-class accuracy; regression none."""
    return {preds.BINARY: ("accuracy", "auc"), preds.MULTICLASS: ("accuracy",)}.get(task, ())


def estimate_performance(baseline: preds.Predictions, current: preds.Predictions, simulations: int,
                         rng: np.random.Generator) -> List[dict]:
    """The report's `estimated_performance`: one entry per metric the task allows.

    Args:
      baseline: labelled predictions with probabilities (the calibration check).
      current: predictions with probabilities on the current rows (their labels are not used).
      simulations: label draws per estimate.
      rng: the generator.

    Returns:
      [{metric, value, ci_low, ci_high, calibrated, baseline_realized, baseline_estimated, baseline_ci,
        n_current, n_baseline, method}] ([] without probabilities or for regression).
    """
    if baseline.probabilities is None or current.probabilities is None or not current.n or not baseline.n:
        return []
    out = []
    for metric in estimated_metrics(baseline.task):
        value, lo, hi = _estimate(current.probabilities, current.predicted, metric, simulations, rng)
        b_value, b_lo, b_hi = _estimate(baseline.probabilities, baseline.predicted, metric, simulations, rng)
        realized = metrics.metric_value(metric, baseline)
        calibrated = bool(np.isfinite(realized) and b_lo <= realized <= b_hi)
        out.append({"metric": metric, "value": value, "ci_low": lo, "ci_high": hi, "calibrated": calibrated,
                    "baseline_realized": realized, "baseline_estimated": b_value, "baseline_ci": [b_lo, b_hi],
                    "n_current": int(current.n), "n_baseline": int(baseline.n), "method": "cbpe"})
    return out
