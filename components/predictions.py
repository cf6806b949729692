"""The prediction convention of all three components and their commands (documented in docs/predictions.md).

Tasks: `binary`, `multiclass`, `regression`; inferred from the labels and the predictions unless declared.

Where predictions come from:
- a column `P` (`--prediction-column P`): the probability of the positive class (binary; the positive class is the
  SECOND label in sorted order: 0/1 -> 1, False/True -> True, "no"/"yes" -> "yes"), or predicted labels
  (binary or multi-class), or a numeric prediction (regression);
- columns `P_<label>` (no column `P`): one probability per class (binary or multi-class), `<label>` the label's
  text (`P_0`, `P_1`, `P_Adelie`);
- a model's output (model_scoring.py): one column (binary probability or regression value) or one column per
  class, the j-th column being the j-th class in sorted order (or in `class_labels` order when given).

Labels sort as `label_sort_key` does: numbers by value, then text. Labels and predicted labels are compared by
their text (`label_text`: 1, 1.0 and "1" are the same class), so a CSV's integer labels match `P_1`.

Task inference (`infer_task`), when the task is not declared:

| predictions | labels | task |
|---|---|---|
| columns `P_<label>` or a model output with k >= 2 columns | any | binary if k == 2, else multiclass |
| one numeric column, every value in [0, 1] | two distinct labels | binary (probability of the positive class) |
| one column of predicted labels (text, or integers that are labels) | <= MAX_CLASSES classes | binary / multiclass |
| one numeric column | numeric labels otherwise | regression |
| anything else | | an InputError asking for `task` |

Rows with a missing label or prediction are dropped and counted by the caller; probabilities outside [0, 1] or
NaN drop the row under `prediction_out_of_range` / `missing_prediction`. Probabilities are used as given (not
renormalised). The predicted class is the most probable one (ties: the first class in sorted order); a binary
positive is predicted when p >= 0.5.
"""
import dataclasses
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from tfx_dcai.configs import option
from tfx_dcai.errors import InputError

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)
MAX_CLASSES = 50           # integer labels with more distinct values than this are a regression target
SINGLE, PER_CLASS = "single", "per_class"
MISSING_PREDICTION = "missing_prediction"
OUT_OF_RANGE = "prediction_out_of_range"
UNKNOWN_CLASS = "label_not_in_classes"


# ----- config fields every component shares (one definition of their flags and help) -----

def task_option():
    return option(None, flag="--task", choices=TASKS,
                  help="binary, multiclass or regression (default: inferred from the labels and predictions)")


def output_key_option():
    return option(None, flag="--output-key",
                  help="the model output to use when its serving signature has several (default: the only one)")


def class_labels_option():
    return option((), flag="--class-labels", metavar="A,B,...",
                  help="the model's classes in the order of its output columns (default: the labels sorted)")


# ----- labels -----

def label_sort_key(value):
    """Total order over label values of mixed types: numbers by value, then text."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return (0, float(value), "")
    return (1, 0.0, label_text(value))


def label_text(value) -> str:
    """A label as text: integral numbers without a decimal point (1.0 -> "1"), bytes decoded as UTF-8."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


def is_missing(value) -> bool:
    """None, NaN, an empty string or an empty list is a missing value."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value) == 0
    return False


def sorted_classes(values) -> Tuple:
    """The distinct labels of `values` (missing ones left out), one per text, in label_sort_key order."""
    by_text = {}
    for value in values:
        if not is_missing(value):
            by_text.setdefault(label_text(value), value)
    return tuple(sorted(by_text.values(), key=label_sort_key))


def positive_class(classes: Sequence):
    """The positive class of a binary task: the second class in sorted order."""
    if len(classes) != 2:
        raise InputError(f"a binary task needs exactly two classes, got {len(classes)}: {list(classes)}")
    return sorted(classes, key=label_sort_key)[1]


def class_codes(values, classes: Sequence) -> np.ndarray:
    """Each value's index in `classes` (compared as text); -1 for a missing value or a label not in `classes`."""
    index = {label_text(c): k for k, c in enumerate(classes)}
    return np.array([-1 if is_missing(v) else index.get(label_text(v), -1) for v in values], dtype=np.int64)


# ----- where the predictions are -----

@dataclasses.dataclass(frozen=True)
class PredictionColumns:
    """The prediction columns found for `--prediction-column P`: kind SINGLE (`P`) or PER_CLASS (`P_<label>`)."""
    kind: str
    columns: Tuple[str, ...]
    column_classes: Tuple[str, ...] = ()   # the <label> texts of PER_CLASS columns, in `columns` order


def is_prediction_column(name: str, prediction_column: Optional[str]) -> bool:
    """Whether `name` is `P` or one of the `P_<label>` columns of prediction column `P`."""
    return bool(prediction_column) and (name == prediction_column or name.startswith(prediction_column + "_"))


def find_prediction_columns(names: Sequence[str], prediction_column: str, source: str) -> PredictionColumns:
    """The columns holding the predictions for `--prediction-column prediction_column`.

    Args:
      names: the column names of the data.
      prediction_column: P.
      source: how errors name the data (a path or "examples").

    Returns:
      PredictionColumns: SINGLE (P) when there is a column P, else PER_CLASS (P_<label>, sorted by label).

    Raises:
      InputError: neither P nor any P_<label> column exists.
    """
    if prediction_column in names:
        return PredictionColumns(SINGLE, (prediction_column,))
    prefix = prediction_column + "_"
    per_class = [n for n in names if n.startswith(prefix) and len(n) > len(prefix)]
    if not per_class:
        raise InputError(f"{source}: no prediction column {prediction_column!r} (a probability, a predicted label or "
                         f"a value) nor columns '{prediction_column}_<label>' (one probability per class); columns "
                         f"are {sorted(names)}")
    suffixes = [n[len(prefix):] for n in per_class]
    order = sorted(range(len(per_class)), key=lambda i: label_sort_key(_number_or_text(suffixes[i])))
    return PredictionColumns(PER_CLASS, tuple(per_class[i] for i in order), tuple(suffixes[i] for i in order))


def _number_or_text(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


# ----- the task -----

def _numeric(values: np.ndarray) -> Optional[np.ndarray]:
    """The values as floats when every present value is a number (bools excluded), else None."""
    present = [v for v in values if not is_missing(v)]
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating))
           for v in present):
        return None
    return np.array([np.nan if is_missing(v) else float(v) for v in values], dtype=np.float64)


def _in_unit_interval(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all((finite >= 0) & (finite <= 1)))


def _are_labels(values, classes) -> bool:
    """Whether every present value is (as text) one of `classes`: a column of predicted labels."""
    texts = {label_text(c) for c in classes}
    return all(label_text(v) in texts for v in values if not is_missing(v))


def _all_integral(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def infer_task(labels, predictions=None, columns: Optional[PredictionColumns] = None, n_outputs: Optional[int] = None,
               declared: Optional[str] = None) -> str:
    """The task of labelled predictions (see the module docstring's table).

    Args:
      labels: the label values (missing ones are ignored).
      predictions: the values of a SINGLE prediction column (None for per-class columns or a model).
      columns: the PredictionColumns, if the predictions come from columns.
      n_outputs: the number of a model output's columns, if they come from a model.
      declared: the task the user declared (None: infer), checked against the data.

    Returns:
      BINARY, MULTICLASS or REGRESSION.

    Raises:
      InputError: the declared task does not fit the data, or the task cannot be inferred.
    """
    label_values = np.asarray(list(labels), dtype=object)
    classes = sorted_classes(label_values)
    numeric_labels = _numeric(label_values)
    if declared is not None and declared not in TASKS:
        raise InputError(f"task must be one of {TASKS}, got {declared!r}")
    k = len(columns.columns) if columns is not None and columns.kind == PER_CLASS else n_outputs
    if k is not None and k >= 2:
        inferred = BINARY if k == 2 else MULTICLASS
        if declared == REGRESSION:
            raise InputError(f"task regression needs one prediction per row, but there are {k} per row "
                             "(one per class)")
        return declared or inferred
    if declared == REGRESSION:
        if numeric_labels is None:
            raise InputError(f"task regression needs numeric labels; found text labels such as {classes[:3]}")
        return REGRESSION
    values = np.asarray(list(predictions), dtype=object) if predictions is not None else None
    numeric_values = _numeric(values) if values is not None else None
    probabilities = numeric_values is not None and _in_unit_interval(numeric_values)
    if values is None:  # a model output with one column
        if declared in (BINARY, None) and len(classes) <= 2 and (numeric_labels is None or len(classes) == 2):
            return BINARY
        if numeric_labels is not None:
            return declared or REGRESSION
        raise InputError("the model gives one value per row but the labels are text with "
                         f"{len(classes)} classes: export one probability per class, or declare the task")
    predicted_labels = numeric_values is None or _are_labels(values, classes)
    if numeric_values is not None and len(classes) <= 2 and declared in (None, BINARY) and (
            (probabilities and len(classes) == 2) or (declared == BINARY and not predicted_labels)):
        return BINARY
    if declared in (BINARY, MULTICLASS) or (predicted_labels and declared is None):
        n_classes = len(sorted_classes(np.concatenate([label_values, values])))
        if numeric_values is not None and declared is None and n_classes > MAX_CLASSES:
            return REGRESSION
        if declared == BINARY and n_classes > 2:
            raise InputError(f"task binary, but labels and predicted labels hold {n_classes} classes")
        return declared or (BINARY if n_classes <= 2 else MULTICLASS)
    if numeric_labels is not None and numeric_values is not None:
        return REGRESSION
    raise InputError(f"cannot tell the task from text labels ({list(classes[:3])}...) and numeric predictions "
                     "outside [0, 1]: declare it (task / --task)")


# ----- predictions as arrays -----

@dataclasses.dataclass
class Predictions:
    """Predictions aligned with their labels, after dropping unusable rows.

    Attributes:
      task: BINARY, MULTICLASS or REGRESSION.
      classes: the classes in sorted order (classification), () for regression.
      labels: class codes (int, index into classes) for classification; float values for regression.
      probabilities: (n, k) class probabilities, or None when only predicted labels are known.
      predicted: predicted class codes (classification) or predicted values (regression).
      kept: boolean mask over the input rows: the rows these arrays hold.
      dropped: {reason: rows} for the rows left out.
    """
    task: str
    classes: Tuple
    labels: np.ndarray
    probabilities: Optional[np.ndarray]
    predicted: np.ndarray
    kept: np.ndarray
    dropped: Dict[str, int]

    @property
    def n(self) -> int:
        return len(self.labels)

    def positive_scores(self) -> np.ndarray:
        """p(positive class) per row (binary with probabilities only)."""
        if self.task != BINARY or self.probabilities is None:
            raise ValueError("positive_scores needs binary probabilities")
        return self.probabilities[:, 1]


def _count(dropped: Dict[str, int], reason: str, mask: np.ndarray) -> None:
    if mask.any():
        dropped[reason] = dropped.get(reason, 0) + int(mask.sum())


def _resolve_classes(label_values, extra_classes: Sequence = (), declared: Sequence = ()) -> Tuple:
    """The declared classes, else the sorted classes of the labels and `extra_classes`."""
    if declared:
        return tuple(declared)
    return sorted_classes(list(label_values) + list(extra_classes))


def _probability_rows(matrix: np.ndarray, dropped: Dict[str, int]) -> np.ndarray:
    """Rows whose probabilities are all present and in [0, 1] (the others counted in `dropped`)."""
    missing = np.isnan(matrix).any(axis=1)
    outside = ~missing & ((matrix < 0) | (matrix > 1)).any(axis=1)
    _count(dropped, MISSING_PREDICTION, missing)
    _count(dropped, OUT_OF_RANGE, outside)
    return ~missing & ~outside


def from_columns(labels, columns: PredictionColumns, data: Dict[str, Sequence], task: Optional[str] = None,
                 class_labels: Sequence = ()) -> Predictions:
    """Predictions from prediction columns of the data, aligned with `labels`.

    Args:
      labels: the label of each row (missing values allowed; those rows are dropped as `missing_label`).
      columns: from find_prediction_columns.
      data: {column name: values per row} holding the prediction columns.
      task: the declared task, or None to infer it.
      class_labels: the classes to use (default: the labels' and predicted labels' classes, sorted).

    Returns:
      Predictions over the usable rows.

    Raises:
      InputError: the task does not fit, a P_<label> column is missing for a label, or no usable row remains.
    """
    label_values = np.asarray(list(labels), dtype=object)
    dropped: Dict[str, int] = {}
    has_label = np.array([not is_missing(v) for v in label_values], dtype=bool)
    _count(dropped, "missing_label", ~has_label)
    single = np.asarray(list(data[columns.columns[0]]), dtype=object) if columns.kind == SINGLE else None
    resolved = infer_task(label_values[has_label], single[has_label] if single is not None else None, columns,
                          declared=task)
    if resolved == REGRESSION:
        y = _numeric(label_values)
        p = _numeric(single)
        if y is None or p is None:
            raise InputError(f"regression needs numeric labels and predictions (column {columns.columns[0]!r})")
        ok = has_label & np.isfinite(y)
        _count(dropped, "missing_label", has_label & ~np.isfinite(y))
        missing_p = ok & ~np.isfinite(p)
        _count(dropped, MISSING_PREDICTION, missing_p)
        kept = ok & ~missing_p
        return Predictions(REGRESSION, (), y[kept], None, p[kept], kept, dropped)
    if columns.kind == PER_CLASS:
        classes = _resolve_classes(label_values[has_label], [_number_or_text(c) for c in columns.column_classes],
                                   class_labels)
        by_text = dict(zip(columns.column_classes, columns.columns))
        absent = [label_text(c) for c in classes if label_text(c) not in by_text]
        if absent:
            raise InputError(f"no probability column for class(es) {absent}: expected "
                             f"{[columns.columns[0].rsplit('_', 1)[0] + '_' + a for a in absent]}; found "
                             f"{list(columns.columns)}")
        matrix = np.column_stack([_as_float(data[by_text[label_text(c)]]) for c in classes])
        codes = class_codes(label_values, classes)
        usable = has_label & _probability_rows(np.where(has_label[:, None], matrix, 0.0), dropped)
        return _classification(resolved, classes, codes, matrix, None, usable, dropped)
    numeric = _numeric(single)
    if resolved == BINARY and numeric is not None and (
            _in_unit_interval(numeric) or not _are_labels(single, sorted_classes(label_values[has_label]))):
        classes = _resolve_classes(label_values[has_label], (), class_labels)
        if len(classes) != 2:
            raise InputError(f"column {columns.columns[0]!r} holds probabilities of the positive class, but the "
                             f"labels hold {len(classes)} class(es) {list(classes)}: a binary task needs two")
        matrix = np.column_stack([1.0 - numeric, numeric])
        codes = class_codes(label_values, classes)
        usable = has_label & _probability_rows(np.where(has_label[:, None], matrix, 0.0), dropped)
        return _classification(BINARY, classes, codes, matrix, None, usable, dropped)
    classes = _resolve_classes(label_values[has_label], sorted_classes(single), class_labels)
    codes = class_codes(label_values, classes)
    predicted = class_codes(single, classes)
    missing_p = has_label & np.array([is_missing(v) for v in single], dtype=bool)
    _count(dropped, MISSING_PREDICTION, missing_p)
    return _classification(resolved, classes, codes, None, predicted, has_label & ~missing_p, dropped)


def _as_float(values) -> np.ndarray:
    numeric = _numeric(np.asarray(list(values), dtype=object))
    if numeric is None:
        raise InputError("probability columns must hold numbers")
    return numeric


def _classification(task, classes, codes, matrix, predicted, usable, dropped) -> Predictions:
    unknown = usable & (codes < 0)
    _count(dropped, UNKNOWN_CLASS, unknown)
    kept = usable & ~unknown
    probabilities = matrix[kept] if matrix is not None else None
    predicted_codes = probabilities.argmax(axis=1) if probabilities is not None else predicted[kept]
    return Predictions(task, tuple(classes), codes[kept], probabilities, predicted_codes, kept, dropped)


def from_model_output(labels, output: np.ndarray, task: Optional[str] = None, class_labels: Sequence = (),
                      output_name: str = "output") -> Predictions:
    """Predictions from a model's output array, aligned with `labels` (see module docstring for the rule).

    Args:
      labels: the label of each row.
      output: (n,) or (n, k) model output: k == 1 a binary probability or a regression value; k >= 2 one
        probability per class, column j for the j-th class (sorted labels, or `class_labels`).
      task: the declared task or None.
      class_labels: the model's classes in output-column order (default: the labels' classes, sorted).
      output_name: how errors name the output.

    Returns:
      Predictions over the usable rows.

    Raises:
      InputError: the output's width does not match the classes, or it is not probabilities where it must be.
    """
    output = np.asarray(output, dtype=np.float64)
    output = output.reshape(len(output), -1)
    label_values = np.asarray(list(labels), dtype=object)
    k = output.shape[1]
    resolved = infer_task([v for v in label_values if not is_missing(v)], None, None, n_outputs=k, declared=task)
    if k == 1:
        if resolved == REGRESSION:
            return from_columns(label_values, PredictionColumns(SINGLE, (output_name,)), {output_name: output[:, 0]},
                                REGRESSION)
        values = output[:, 0]
        finite = values[np.isfinite(values)]
        if np.any((finite < 0) | (finite > 1)):
            raise InputError(f"the model's output {output_name!r} has values outside [0, 1] (e.g. "
                             f"{finite[(finite < 0) | (finite > 1)][0]:.4g}) for a binary task: export the "
                             "probability of the positive class (a sigmoid), or declare task regression")
        output = np.column_stack([1.0 - values, values])
        k = 2
    classes = tuple(class_labels) if class_labels else sorted_classes(label_values)
    if len(classes) != k:
        raise InputError(f"the model's output {output_name!r} has {k} columns but the labels hold {len(classes)} "
                         f"classes {list(classes)}: give the model's classes in output order (class_labels / "
                         "--class-labels)")
    finite_rows = np.isfinite(output).all(axis=1)
    sums = output[finite_rows].sum(axis=1)
    if len(sums) and (np.abs(sums - 1.0) > 1e-3).any() or np.any((output[finite_rows] < 0) | (output[finite_rows] > 1)):
        raise InputError(f"the model's output {output_name!r} of shape {output.shape} is not one probability per "
                         "class (rows must be in [0, 1] and sum to 1): export softmax probabilities")
    columns = PredictionColumns(PER_CLASS, tuple(f"{output_name}_{label_text(c)}" for c in classes),
                                tuple(label_text(c) for c in classes))
    data = {name: output[:, j] for j, name in enumerate(columns.columns)}
    return from_columns(label_values, columns, data, resolved if resolved != REGRESSION else None, classes)


def drop_summary(dropped: Dict[str, int]) -> List[str]:
    """Readable reasons, e.g. ["3 rows missing_prediction"]."""
    return [f"{n} rows {reason}" for reason, n in sorted(dropped.items())]
