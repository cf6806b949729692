"""Model metrics of every task, per example and aggregated, in one place (checked against scikit-learn).

Conventions: probabilities are clipped to [eps, 1 - eps] before logs, eps the float64 machine epsilon
(scikit-learn 1.5's convention); the AUC
counts ties half (rank-sum formula); macro-F1 averages the F1 of every class in `classes` that occurs in the labels
or the predictions (scikit-learn's `f1_score(average="macro")` over those labels); a class with no true and no
predicted row is left out rather than counted as 0.
"""
import numpy as np

from tfx_dcai.predictions import BINARY, REGRESSION, Predictions

PROBABILITY_EPSILON = float(np.finfo(np.float64).eps)


# ----- per example -----

def zero_one_errors(pred: Predictions) -> np.ndarray:
    """1.0 where the predicted class differs from the label (classification)."""
    return (pred.predicted != pred.labels).astype(np.float64)


def log_losses(pred: Predictions) -> np.ndarray:
    """-log p(label) per row (classification with probabilities)."""
    if pred.probabilities is None:
        raise ValueError("log loss needs probabilities, not predicted labels")
    p = pred.probabilities[np.arange(pred.n), pred.labels]
    return -np.log(np.clip(p, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON))


def absolute_errors(pred: Predictions) -> np.ndarray:
    return np.abs(pred.predicted - pred.labels)


def squared_errors(pred: Predictions) -> np.ndarray:
    return (pred.predicted - pred.labels) ** 2


def miss_indicators(pred: Predictions, class_code: int) -> np.ndarray:
    """For the rows labelled `class_code`: 1.0 when another class is predicted (its mean is 1 - recall); NaN for
    the rows of other classes, which do not count."""
    out = np.full(pred.n, np.nan)
    mine = pred.labels == class_code
    out[mine] = (pred.predicted[mine] != class_code).astype(np.float64)
    return out


# ----- aggregates -----

def auc(labels, scores) -> float:
    """ROC AUC of boolean labels and scores by the rank-sum (Mann-Whitney) formula, ties counted half; NaN when
    one class is absent."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def accuracy(labels, predicted) -> float:
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    return float(np.mean(labels == predicted)) if len(labels) else float("nan")


def macro_f1(labels, predicted, n_classes: int) -> float:
    """Unweighted mean of the per-class F1 over the classes present in labels or predictions."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    scores = []
    for c in range(n_classes):
        true_c, pred_c = labels == c, predicted == c
        if not true_c.any() and not pred_c.any():
            continue
        tp = np.sum(true_c & pred_c)
        scores.append(2 * tp / (true_c.sum() + pred_c.sum()))
    return float(np.mean(scores)) if scores else float("nan")


def log_loss(labels, probabilities) -> float:
    labels, probabilities = np.asarray(labels), np.asarray(probabilities, dtype=np.float64)
    p = probabilities[np.arange(len(labels)), labels]
    return float(np.mean(-np.log(np.clip(p, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON))))


def mae(labels, predicted) -> float:
    return float(np.mean(np.abs(np.asarray(predicted, float) - np.asarray(labels, float))))


def rmse(labels, predicted) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted, float) - np.asarray(labels, float)) ** 2)))


def task_metrics(task: str) -> tuple:
    """The metric names reported for a task: binary auc, accuracy, log_loss; multiclass accuracy, macro_f1,
    log_loss; regression mae, rmse."""
    if task == BINARY:
        return ("auc", "accuracy", "log_loss")
    if task == REGRESSION:
        return ("mae", "rmse")
    return ("accuracy", "macro_f1", "log_loss")


def metric_value(name: str, pred: Predictions, rows=None) -> float:
    """Metric `name` of `pred`, on `rows` (an index array; default all rows); NaN when it is undefined
    (e.g. log loss without probabilities, AUC with one class)."""
    rows = np.arange(pred.n) if rows is None else rows
    labels, predicted = pred.labels[rows], pred.predicted[rows]
    probabilities = pred.probabilities[rows] if pred.probabilities is not None else None
    if name == "auc":
        return auc(labels == 1, probabilities[:, 1]) if probabilities is not None else float("nan")
    if name == "accuracy":
        return accuracy(labels, predicted)
    if name == "macro_f1":
        return macro_f1(labels, predicted, len(pred.classes))
    if name == "log_loss":
        return log_loss(labels, probabilities) if probabilities is not None else float("nan")
    if name == "mae":
        return mae(labels, predicted)
    if name == "rmse":
        return rmse(labels, predicted)
    raise ValueError(f"unknown metric {name!r}")


HIGHER_IS_BETTER = {"auc": True, "accuracy": True, "macro_f1": True, "log_loss": False, "mae": False, "rmse": False}
