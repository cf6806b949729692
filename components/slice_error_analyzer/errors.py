"""Per-example errors of a model's predictions, for each supported metric.

Conventions: `error_rate` counts a misclassification as 1 (a numeric prediction in [0, 1] against 0/1 labels is a
probability of class 1 and is thresholded at 0.5; otherwise prediction and label are compared as values);
`log_loss` takes the probability of class 1 against 0/1 labels and clips it to [1e-15, 1 - 1e-15] (scikit-learn's
convention); `abs_error` and `squared_error` take numeric labels and predictions. Rows whose label or prediction
is missing are not scored: the caller drops and counts them.
"""
import numpy as np

from tfx_dcai.errors import InputError

METRICS = ("error_rate", "log_loss", "abs_error", "squared_error")
PROBABILITY_EPSILON = 1e-15


class SliceInputError(InputError):
    """Input that the analysis cannot use; the message names the column or file and what to change."""


def check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise SliceInputError(f"unknown metric {metric!r}: choose one of {', '.join(METRICS)}")


def _numeric(values: np.ndarray, role: str, column: str) -> np.ndarray:
    if values.dtype.kind not in "biuf":
        raise SliceInputError(f"{role} column {column!r} must be numeric for this metric, got {values.dtype} values")
    return values.astype(np.float64)


def _binary_labels(labels: np.ndarray, column: str) -> np.ndarray:
    labels = _numeric(labels, "label", column)
    outside = ~np.isin(labels, (0.0, 1.0))
    if outside.any():
        raise SliceInputError(
            f"label column {column!r} must hold 0/1 labels for a probability prediction; found "
            f"{labels[outside][0]!r} ({int(outside.sum())} rows)")
    return labels


def _probabilities(predictions: np.ndarray, column: str) -> np.ndarray:
    predictions = _numeric(predictions, "prediction", column)
    outside = ~((predictions >= 0.0) & (predictions <= 1.0))
    if outside.any():
        raise SliceInputError(
            f"prediction column {column!r} holds values outside the label's domain [0, 1] (e.g. "
            f"{predictions[outside][0]!r}, {int(outside.sum())} rows): give probabilities of class 1")
    return predictions


def _is_probability_prediction(labels: np.ndarray, predictions: np.ndarray) -> bool:
    return predictions.dtype.kind == "f" and labels.dtype.kind in "biuf"


def example_errors(labels: np.ndarray, predictions: np.ndarray, metric: str,
                   label_column: str = "label", prediction_column: str = "prediction") -> np.ndarray:
    """One float error per example; raises SliceInputError for values outside the metric's domain or NaN losses."""
    check_metric(metric)
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if metric == "error_rate":
        if _is_probability_prediction(labels, predictions):
            labels = _binary_labels(labels, label_column)
            predicted = (_probabilities(predictions, prediction_column) >= 0.5).astype(np.float64)
            errors = (predicted != labels).astype(np.float64)
        else:
            errors = (labels.astype(str) != predictions.astype(str)).astype(np.float64)
    elif metric == "log_loss":
        labels = _binary_labels(labels, label_column)
        p = np.clip(_probabilities(predictions, prediction_column), PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON)
        errors = -(labels * np.log(p) + (1 - labels) * np.log1p(-p))
    else:
        diff = _numeric(predictions, "prediction", prediction_column) - _numeric(labels, "label", label_column)
        errors = np.abs(diff) if metric == "abs_error" else diff * diff
    bad = ~np.isfinite(errors)
    if bad.any():
        raise SliceInputError(
            f"{metric} is NaN or infinite for {int(bad.sum())} rows (label column {label_column!r}, prediction "
            f"column {prediction_column!r}): remove non-finite labels/predictions")
    return errors
