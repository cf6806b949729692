"""Labels and predictions of record batches -> per-row losses, with every dropped row counted by reason.

Where predictions come from (`PredictionSource`), following tfx_dcai.predictions (docs/predictions.md):
- SINGLE: one column P: a probability of the positive class (binary), predicted labels, or a value (regression);
- PER_CLASS: columns P_<label>, one probability per class;
- MODEL: a column of model outputs (one list of k floats per row), added by beam_model_scoring.py.

The task, the classes and the metric are resolved ONCE for the whole data (`resolve`), from a mergeable profile of
the label and prediction columns (`TargetProfile`, collected in the same pass as the feature profiles), so every
batch is scored the same way. The profile keeps at most MAX_DISTINCT distinct texts per column (texts cut as in
encoding.MAX_TEXT), so its memory is bounded whatever the labels hold. Bad input is an error at resolution: no
rows, no labels, predicted labels that never equal a label (yes/no vs Y/N), an undecidable task, a metric that does
not fit the task.
"""
import collections
import dataclasses
import math
from typing import Dict, List, Optional, Tuple

import numpy as np
import pyarrow as pa

from tfx_dcai import columns, predictions
from tfx_dcai.predictions import BINARY, PER_CLASS, REGRESSION, SINGLE
from tfx_dcai.slice_error_analyzer import encoding, slice_metrics
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

MODEL = "model"
MAX_DISTINCT = 1000
MISSING_LABEL = "missing_label"
MISSING_PREDICTION = predictions.MISSING_PREDICTION
MISSING_BASELINE = "missing_baseline_prediction"
SHOWN_CLASSES = 50  # classes listed in the report
MAX_LOSS = 1e150  # a larger per-row loss counts as loss_not_finite: its square would overflow the sums


@dataclasses.dataclass(frozen=True)
class PredictionSource:
    """Where one model's predictions are: kind SINGLE / PER_CLASS (columns of the data) or MODEL (one column of
    model outputs), and the columns."""
    kind: str
    columns: Tuple[str, ...]
    column_classes: Tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == MODEL:
            return "the model's output"
        if self.kind == PER_CLASS:
            return f"columns {', '.join(self.columns[:3])}{', ...' if len(self.columns) > 3 else ''}"
        return f"column {self.columns[0]!r}"


def source_from_columns(names, prediction_column: str, source: str) -> PredictionSource:
    """The PredictionSource of `--prediction-column prediction_column` among the column `names`."""
    found = predictions.find_prediction_columns(list(names), prediction_column, source)
    return PredictionSource(found.kind, found.columns, found.column_classes)


# ----- the profile of the label and prediction columns -----

@dataclasses.dataclass
class ValueSummary:
    """A column's values over some rows (mergeable): how many are present, whether they are numbers, their range,
    and up to MAX_DISTINCT distinct values ({text: value}; `overflow` when there were more)."""
    present: int = 0
    numeric: Optional[bool] = None
    low: float = math.inf
    high: float = -math.inf
    distinct: Dict[str, object] = dataclasses.field(default_factory=dict)
    overflow: bool = False

    def merge(self, other: "ValueSummary") -> "ValueSummary":
        numeric = other.numeric if self.numeric is None else self.numeric if other.numeric is None else (
            self.numeric and other.numeric)
        distinct = dict(self.distinct)
        for text, value in other.distinct.items():
            if len(distinct) >= MAX_DISTINCT and text not in distinct:
                return ValueSummary(self.present + other.present, numeric, min(self.low, other.low),
                                    max(self.high, other.high), distinct, True)
            distinct.setdefault(text, value)
        return ValueSummary(self.present + other.present, numeric, min(self.low, other.low),
                            max(self.high, other.high), distinct, self.overflow or other.overflow)

    def values(self) -> list:
        """The distinct values, plus the range ends (what predictions.infer_task needs to see)."""
        extra = [v for v in (self.low, self.high) if self.numeric and math.isfinite(v)]
        return list(self.distinct.values()) + extra

    def texts(self) -> List[str]:
        return sorted(self.distinct, key=lambda t: predictions.label_sort_key(self.distinct[t]))


def summarize(column) -> ValueSummary:
    """The ValueSummary of one column (flat, or single-value lists) of one batch."""
    flat = columns.first_values(column, multivalent="first")
    numeric = columns.is_numeric_type(flat.type)
    if numeric:
        values = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float64)
        present = values[~np.isnan(values)]
        unique = np.unique(present)[:MAX_DISTINCT + 1]
        integral = pa.types.is_integer(flat.type)
        distinct = {predictions.label_text(v): (int(v) if integral else float(v)) for v in unique.tolist()}
        finite = present[np.isfinite(present)]
        return ValueSummary(len(present), True if len(present) else None,
                            float(finite.min()) if len(finite) else math.inf,
                            float(finite.max()) if len(finite) else -math.inf,
                            dict(list(distinct.items())[:MAX_DISTINCT]), len(distinct) > MAX_DISTINCT)
    codes, texts = encoding.text_codes(flat)
    present = int((codes >= 0).sum())
    shown = texts[:MAX_DISTINCT]
    return ValueSummary(present, False if present else None, distinct={t: t for t in shown},
                        overflow=len(texts) > MAX_DISTINCT)


@dataclasses.dataclass
class TargetProfile:
    """Rows seen, and summaries of the label and of a SINGLE prediction column, and the width of model outputs."""
    rows: int = 0
    label: ValueSummary = dataclasses.field(default_factory=ValueSummary)
    prediction: ValueSummary = dataclasses.field(default_factory=ValueSummary)
    model_width: Optional[int] = None

    def merge(self, other: "TargetProfile") -> "TargetProfile":
        widths = {w for w in (self.model_width, other.model_width) if w is not None}
        if len(widths) > 1:
            raise SliceInputError(f"the model's output has {sorted(widths)} columns in different batches")
        return TargetProfile(self.rows + other.rows, self.label.merge(other.label),
                             self.prediction.merge(other.prediction), widths.pop() if widths else None)


def _column(batch: pa.RecordBatch, name: str, source: str):
    if name not in batch.schema.names:
        raise SliceInputError(f"column {name!r} is not in {source} (columns: {', '.join(batch.schema.names)})")
    return batch.column(batch.schema.names.index(name))


def profile_targets(batch: pa.RecordBatch, label_key: str, prediction: PredictionSource,
                    source: str = "the examples") -> TargetProfile:
    """The TargetProfile of one record batch."""
    profile = TargetProfile(batch.num_rows, summarize(_column(batch, label_key, source)))
    if prediction.kind == SINGLE:
        profile.prediction = summarize(_column(batch, prediction.columns[0], source))
    elif prediction.kind == MODEL:
        outputs = _column(batch, prediction.columns[0], source)
        profile.model_width = _model_output(outputs).shape[1] if batch.num_rows else None
    return profile


def _model_output(column) -> np.ndarray:
    """(n, k) float64 model outputs from a column of equal-length float lists."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    values = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float64)
    return values.reshape(len(column), -1) if len(column) else np.zeros((0, 1))


# ----- resolution: the task, the classes, the metric -----

@dataclasses.dataclass(frozen=True)
class PredictionSpec:
    """How every batch is scored.

    Attributes:
      task: BINARY, MULTICLASS or REGRESSION.
      metric: one of slice_metrics.METRICS.
      source: the model's PredictionSource; baseline: the baseline's, or None.
      classes: the classes every batch uses (() when each batch compares predicted labels with labels as text,
        and for regression).
      recall_class: metric recall's class (label value), else None.
      label_classes: the labels' classes as text (sorted; at most MAX_DISTINCT), for the report.
      notes: remarks for the report (e.g. a label column that looks like free text).
    """
    task: str
    metric: str
    source: PredictionSource
    baseline: Optional[PredictionSource] = None
    classes: Tuple = ()
    recall_class: object = None
    label_classes: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()
    output_key: Optional[str] = None

    def report_entry(self) -> dict:
        shown = list(self.label_classes)
        return {"task": self.task, "metric": self.metric,
                "recall_class": None if self.recall_class is None else predictions.label_text(self.recall_class),
                "prediction_source": self.source.kind, "prediction_columns": list(self.source.columns),
                "output_key": self.output_key, "classes": shown[:SHOWN_CLASSES], "n_classes": len(shown)}


def _shown(texts, limit: int = 5) -> str:
    texts = list(texts)
    shown = ", ".join(repr(t[:40] + ("..." if len(t) > 40 else "")) for t in texts[:limit])
    return f"{{{shown}{', ...' if len(texts) > limit else ''}}}"


def resolve(profile: TargetProfile, label_key: str, source: PredictionSource, config,
            baseline: Optional[PredictionSource] = None, where: str = "the examples") -> PredictionSpec:
    """The PredictionSpec of the data profiled in `profile` (task, classes, metric), or a clear error.

    Args:
      profile: the merged TargetProfile of every batch.
      label_key: the label column.
      source: where the predictions are.
      config: the SliceConfig (task, class_labels, metric, recall_class, output_key).
      baseline: where the baseline's predictions are, if any.
      where: how errors name the data.

    Returns:
      The PredictionSpec.

    Raises:
      SliceInputError, tfx_dcai.errors.InputError: no rows, no labels, no predictions, disjoint predicted labels
        and labels, an undecidable task, or a metric or recall class that does not fit.
    """
    if profile.rows == 0:
        raise SliceInputError(f"{where} holds no rows: there is nothing to analyse")
    label = profile.label
    if label.present == 0:
        raise SliceInputError(f"label column {label_key!r} is empty in all {profile.rows} rows of {where}: no row "
                              "can be scored")
    notes = []
    if label.overflow:
        notes.append(f"label column {label_key!r} has more than {MAX_DISTINCT} distinct values: it looks like free "
                     "text rather than class labels")
    declared = config.task
    label_values = label.values()
    if source.kind == MODEL:
        task = predictions.infer_task(label_values, None, None, n_outputs=profile.model_width, declared=declared)
    elif source.kind == PER_CLASS:
        task = predictions.infer_task(label_values, None, predictions.PredictionColumns(
            PER_CLASS, source.columns, source.column_classes), declared=declared)
    else:
        if profile.prediction.present == 0:
            raise SliceInputError(f"prediction column {source.columns[0]!r} is empty in all {profile.rows} rows of "
                                  f"{where}: no row can be scored")
        task = predictions.infer_task(label_values, profile.prediction.values(),
                                      predictions.PredictionColumns(SINGLE, source.columns), declared=declared)
    metric = config.metric or slice_metrics.default_metric(task)
    slice_metrics.check_metric_for_task(metric, task)
    label_classes = tuple(label.texts()) if task != REGRESSION else ()
    classes = _classes(task, profile, source, config, where)
    recall_class = _recall_class(task, metric, config, classes or predictions.sorted_classes(label.values()), label)
    return PredictionSpec(task, metric, source, baseline, classes, recall_class, label_classes, tuple(notes),
                          config.output_key)


def _classes(task: str, profile: TargetProfile, source: PredictionSource, config, where: str) -> Tuple:
    if task == REGRESSION:
        return ()
    label = profile.label
    declared = tuple(config.class_labels)
    label_classes = predictions.sorted_classes(label.values()) if not label.overflow else ()
    if source.kind == MODEL:
        classes = declared or label_classes
        width = profile.model_width or 0
        expected = 2 if width == 1 else width
        if label.overflow or len(classes) != expected:
            raise SliceInputError(
                f"the model's output has {width} column(s) but the labels of {where} hold "
                f"{'more than ' + str(MAX_DISTINCT) if label.overflow else len(classes)} classes "
                f"{_shown(predictions.label_text(c) for c in classes)}: give the model's classes in output order "
                "(class_labels / --class-labels)")
        return tuple(classes)
    if source.kind == PER_CLASS:
        if declared:
            return declared
        column_classes = [predictions._number_or_text(c) for c in source.column_classes]
        return predictions.sorted_classes(list(label_classes) + column_classes)
    prediction = profile.prediction
    is_probability = task == BINARY and prediction.numeric and (
        (prediction.low >= 0 and prediction.high <= 1) or not _all_labels(prediction, label))
    if is_probability:
        classes = declared or label_classes
        if len(classes) != 2:
            raise SliceInputError(
                f"column {source.columns[0]!r} holds probabilities of the positive class, but the labels of {where} "
                f"hold {len(classes)} class(es) {_shown(predictions.label_text(c) for c in classes)}: a binary task "
                "needs two (declare them with class_labels / --class-labels)")
        return tuple(classes)
    # predicted labels: compared with the labels as text, batch by batch
    if not declared and not label.overflow and not prediction.overflow and prediction.distinct and \
            not set(label.distinct) & set(prediction.distinct):
        raise SliceInputError(
            f"the predicted labels in column {source.columns[0]!r} {_shown(prediction.texts())} never equal a label "
            f"in column of labels {_shown(label.texts())} of {where}: every prediction would count as an error; "
            "make the two columns use the same class names")
    return declared


def _all_labels(prediction: ValueSummary, label: ValueSummary) -> bool:
    return not prediction.overflow and set(prediction.distinct) <= set(label.distinct)


def _recall_class(task: str, metric: str, config, classes, label: ValueSummary):
    if metric != slice_metrics.RECALL:
        return None
    if config.recall_class is None:
        if task == BINARY:
            return predictions.positive_class(classes)
        raise SliceInputError("metric recall on a multiclass task needs recall_class (--recall-class): the class "
                              f"whose recall to analyse, one of {_shown(predictions.label_text(c) for c in classes)}")
    text = str(config.recall_class)
    if not label.overflow and text not in label.distinct:
        raise SliceInputError(f"recall_class {text!r} is not a label: the labels are {_shown(label.texts(), 10)}")
    return label.distinct.get(text, text)


# ----- scoring a batch -----

@dataclasses.dataclass
class RowCounts:
    """Rows read = used + sum(dropped.values()); loss sum and sum of squares over the used rows."""
    read: int = 0
    used: int = 0
    dropped: Dict[str, int] = dataclasses.field(default_factory=dict)
    loss_sum: float = 0.0
    loss_squares: float = 0.0

    def merge(self, other: "RowCounts") -> "RowCounts":
        dropped = collections.Counter(self.dropped)
        dropped.update(other.dropped)
        return RowCounts(self.read + other.read, self.used + other.used, dict(dropped), self.loss_sum + other.loss_sum,
                         self.loss_squares + other.loss_squares)


def _predictions(batch: pa.RecordBatch, labels: list, source: PredictionSource, spec: PredictionSpec,
                 where: str) -> predictions.Predictions:
    if source.kind == MODEL:
        output = _model_output(_column(batch, source.columns[0], where))
        return predictions.from_model_output(labels, output, spec.task, spec.classes, "output")
    data = {name: _as_labels(columns.first_values(_column(batch, name, where), name)) for name in source.columns}
    found = predictions.PredictionColumns(source.kind, source.columns, source.column_classes)
    return predictions.from_columns(labels, found, data, spec.task, spec.classes)


def _as_labels(flat: pa.Array) -> list:
    """Label (or prediction) values as Python values, NaN as None; texts longer than encoding.MAX_TEXT cut as in
    the profile, so labels and predicted labels compare the same way everywhere."""
    if pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type):
        codes, texts = encoding.text_codes(flat)
        return [None if c < 0 else texts[c] for c in codes.tolist()]
    values = flat.to_pylist()
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def score_batch(batch: pa.RecordBatch, label_key: str, spec: PredictionSpec, where: str = "the examples"):
    """Per-row losses of one batch.

    Returns:
      (rows, losses, baseline_losses, counts): the indices of the used rows in the batch, their losses (and the
      baseline's, or the same losses without a baseline), and the batch's RowCounts.
    """
    n = batch.num_rows
    labels = _as_labels(columns.first_values(_column(batch, label_key, where), label_key))
    dropped = collections.Counter()
    losses, usable = _losses(batch, labels, spec.source, spec, where, dropped)
    if spec.baseline is not None:
        baseline_dropped = collections.Counter()
        baseline_losses, baseline_usable = _losses(batch, labels, spec.baseline, spec, where, baseline_dropped)
        missing = usable & ~baseline_usable
        if missing.any():
            dropped[MISSING_BASELINE] += int(missing.sum())
        usable &= baseline_usable
    else:
        baseline_losses = losses
    rows = np.flatnonzero(usable)
    used = losses[rows]
    counts = RowCounts(n, len(rows), {k: v for k, v in dropped.items() if v}, float(used.sum()),
                       float((used * used).sum()))
    return rows, used, baseline_losses[rows], counts


def _losses(batch, labels, source, spec, where, dropped) -> Tuple[np.ndarray, np.ndarray]:
    """(losses over all batch rows, usable mask); the reasons of unusable rows counted in `dropped`."""
    n = batch.num_rows
    pred = _predictions(batch, labels, source, spec, where)
    dropped.update(pred.dropped)
    with np.errstate(over="ignore", invalid="ignore"):  # overflowing losses are counted below, not warned about
        row_losses, in_population = slice_metrics.row_losses(spec.metric, pred, spec.recall_class)
    kept = np.flatnonzero(pred.kept)
    losses = np.full(n, np.nan)
    usable = np.zeros(n, bool)
    outside = kept[~in_population]
    if len(outside):
        dropped[slice_metrics.NOT_RECALL_CLASS] += len(outside)
    inside = kept[in_population]
    values = row_losses[in_population]
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values) & (np.abs(values) <= MAX_LOSS)
    if (~finite).any():
        dropped[slice_metrics.LOSS_NOT_FINITE] += int((~finite).sum())
    losses[inside[finite]] = values[finite]
    usable[inside[finite]] = True
    return losses, usable


def dropped_legacy(counts: RowCounts) -> Dict[str, int]:
    """The report's `dropped_missing_label` / `dropped_missing_prediction` (report_version 1 keys)."""
    return {"dropped_missing_label": counts.dropped.get(MISSING_LABEL, 0),
            "dropped_missing_prediction": counts.dropped.get(MISSING_PREDICTION, 0)}
