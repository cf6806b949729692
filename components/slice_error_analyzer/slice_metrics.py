"""The metric a slice analysis is about: which metrics fit which task, and the per-row loss SliceLine sums
(per-row losses from tfx_dcai.metrics):

- `error_rate` (binary, multiclass): 1 when the predicted class is not the label (`zero_one_errors`); exact test.
- `recall` (binary, multiclass): on the rows labelled `recall_class` only, 1 when another class is predicted
  (`miss_indicators`); exact test.
- `log_loss` (binary, multiclass, probabilities needed): -log p(label), p clipped to [eps, 1 - eps]
  (`log_losses`); Welch.
- `abs_error`, `squared_error` (regression): abs(prediction - label), (prediction - label)^2
  (`absolute_errors`, `squared_errors`); Welch.

Every loss is "higher is worse": a slice is worse when its mean loss is larger. The report shows the metric itself:
the mean loss, except `recall`, shown as 1 - (miss rate). The default metric is `error_rate` for classification
and `abs_error` for regression.
"""
from typing import Optional, Tuple

import numpy as np

from tfx_dcai import metrics, predictions
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

ERROR_RATE, RECALL, LOG_LOSS, ABS_ERROR, SQUARED_ERROR = "error_rate", "recall", "log_loss", "abs_error", \
    "squared_error"
METRICS = (ERROR_RATE, LOG_LOSS, RECALL, ABS_ERROR, SQUARED_ERROR)
CLASSIFICATION_METRICS = (ERROR_RATE, LOG_LOSS, RECALL)
REGRESSION_METRICS = (ABS_ERROR, SQUARED_ERROR)
RATE_METRICS = (ERROR_RATE, RECALL)  # 0/1 losses: exact tests of proportions
NOT_RECALL_CLASS = "label_not_recall_class"  # rows outside metric recall's population (not dropped data)
LOSS_NOT_FINITE = "loss_not_finite"


def default_metric(task: str) -> str:
    """error_rate for classification, abs_error for regression."""
    return ABS_ERROR if task == predictions.REGRESSION else ERROR_RATE


def check_metric_for_task(metric: str, task: str) -> None:
    """Raise SliceInputError when `metric` does not apply to `task`."""
    allowed = REGRESSION_METRICS if task == predictions.REGRESSION else CLASSIFICATION_METRICS
    if metric not in allowed:
        raise SliceInputError(f"metric {metric!r} does not apply to a {task} task: choose one of {', '.join(allowed)}")


def is_rate(metric: str) -> bool:
    """Whether the metric's per-row loss is 0/1 (tested exactly) rather than continuous (Welch)."""
    return metric in RATE_METRICS


def shown_value(metric: str, mean_loss):
    """The metric as reported, from the mean per-row loss (recall: 1 - miss rate); None stays None."""
    if mean_loss is None:
        return None
    return 1.0 - mean_loss if metric == RECALL else mean_loss


def shown_interval(metric: str, low, high) -> Tuple:
    """A mean-loss interval as an interval of the reported metric."""
    if metric == RECALL:
        return (None if high is None else 1.0 - high), (None if low is None else 1.0 - low)
    return low, high


def recall_code(pred: predictions.Predictions, recall_class) -> int:
    """The index of `recall_class` among pred.classes (compared as text), or -1 when the batch has no such class."""
    texts = [predictions.label_text(c) for c in pred.classes]
    text = predictions.label_text(recall_class)
    return texts.index(text) if text in texts else -1


def row_losses(metric: str, pred: predictions.Predictions, recall_class=None) -> Tuple[np.ndarray, np.ndarray]:
    """Per-row losses of the kept rows of `pred`, and which rows belong to the metric's population.

    Args:
      metric: one of METRICS (checked against pred.task by the caller).
      pred: the rows' Predictions.
      recall_class: metric recall: the class (label value or text).

    Returns:
      (losses, in_population): float64 arrays over pred's rows; rows outside the population (metric recall:
      rows of other classes) have loss NaN and in_population False.

    Raises:
      SliceInputError: log_loss without probabilities.
    """
    if metric == ERROR_RATE:
        losses = metrics.zero_one_errors(pred)
    elif metric == LOG_LOSS:
        if pred.probabilities is None:
            raise SliceInputError("metric log_loss needs probabilities (a column P of p(positive class), columns "
                                  "P_<label>, or a model's probabilities), not predicted labels: use error_rate")
        losses = metrics.log_losses(pred)
    elif metric == RECALL:
        losses = metrics.miss_indicators(pred, recall_code(pred, recall_class))
    elif metric == ABS_ERROR:
        losses = metrics.absolute_errors(pred)
    elif metric == SQUARED_ERROR:
        losses = metrics.squared_errors(pred)
    else:
        raise SliceInputError(f"unknown metric {metric!r}: choose one of {', '.join(METRICS)}")
    losses = np.asarray(losses, dtype=np.float64)
    in_population = ~np.isnan(losses) if metric == RECALL else np.ones(len(losses), bool)
    return losses, in_population


def describe(metric: str, recall_class: Optional[str] = None) -> str:
    """The metric's name as reports show it, e.g. "recall of class 1"."""
    return f"recall of class {recall_class}" if metric == RECALL and recall_class is not None else metric
