"""Beam transforms over single-labelled examples: X->y conflicts (by keys) and confident learning (on a
bounded sample). No TensorFlow: record batches in, one diagnostics dict out.
"""
import dataclasses
import math
from typing import Optional, Tuple

import apache_beam as beam
import numpy as np

from tfx_dcai import binning, predictions
from tfx_dcai.columns import python_values
from tfx_dcai.hashing import stable_hash
from tfx_dcai.label_consistency import confident_learning
from tfx_dcai.label_consistency.conflicts import GroupLabels, example_key, summarize_conflicts
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.schema_features import FeatureKinds, feature_kinds

MAX_LISTED = 50  # suspected label errors listed in the report (the label-errors command writes every example)


@dataclasses.dataclass(frozen=True)
class ExamplesConfig:
    """What DiagnoseExamples needs; built from a LabelConsistencyConfig by `examples_config` (the one mapping)."""
    label_column: str
    id_column: Optional[str] = None              # default: a hash of the example's values
    features: Optional[Tuple[str, ...]] = None   # default: the schema's, else every column but label/id/predictions
    n_bins: int = 10
    max_sample: int = 20_000                     # confident learning runs on at most this many examples
    n_folds: int = 5
    prediction_column: Optional[str] = None      # predictions in the examples (tfx_dcai.predictions convention)
    feature_kinds: Optional[FeatureKinds] = None  # from a Schema: categorical/numeric features; default: Arrow types
    model_dir: Optional[str] = None              # a SavedModel scoring the examples (model_scoring), instead of k-fold
    output_key: Optional[str] = None
    class_labels: Tuple = ()
    seed: int = 0


def examples_config(config, schema=None, model_dir: Optional[str] = None) -> ExamplesConfig:
    """The examples' parameters from a LabelConsistencyConfig; with a Schema proto, its feature kinds (label, id
    and prediction columns left out)."""
    label = config.example_label_column or config.label_column
    id_column = config.example_id_column
    prediction = config.prediction_column
    kinds = None
    if schema is not None:
        kinds = feature_kinds(schema, exclude=[
            f.name for f in schema.feature
            if f.name in (label, id_column) or predictions.is_prediction_column(f.name, prediction)])
    return ExamplesConfig(label_column=label, id_column=id_column, features=config.example_features,
                          n_bins=config.n_bins, max_sample=config.max_sample, n_folds=config.n_folds,
                          prediction_column=prediction, feature_kinds=kinds, model_dir=model_dir,
                          output_key=config.output_key, class_labels=tuple(config.class_labels), seed=config.seed)


def check_columns(names, config: ExamplesConfig, source: str = "examples") -> tuple:
    """The prediction columns of `names` (the data's columns); BadInputError naming a required column that is
    missing (label, id, listed features) or the prediction column when neither P nor P_<label> exists."""
    names = list(names)
    required = [config.label_column] + ([config.id_column] if config.id_column else []) + list(config.features or [])
    for column in required:
        if column not in names:
            raise BadInputError(f"{source}: no column {column!r}; columns are {sorted(names)}")
    return (predictions.find_prediction_columns(names, config.prediction_column, source).columns
            if config.prediction_column else ())


def example_rows(batch, config: ExamplesConfig, source: str = "examples"):
    """One dict per example: id (text), label, features, and its predictions or serialized record if needed."""
    from tfx_dcai.model_scoring import RAW_RECORD_COLUMN

    names = [n for n in batch.schema.names if n != RAW_RECORD_COLUMN]
    prediction_columns = check_columns(names, config, source)
    features = _feature_names(names, config, prediction_columns)
    categorical = set(config.feature_kinds.categorical) if config.feature_kinds else set()
    index = {n: i for i, n in enumerate(batch.schema.names)}
    data = {n: python_values(batch.column(index[n]), n) for n in
            {*features, config.label_column, *prediction_columns, *([config.id_column] if config.id_column else [])}}
    raw = python_values(batch.column(index[RAW_RECORD_COLUMN])) if config.model_dir else None
    if raw is not None:  # python_values decodes bytes as text: keep the serialized records as they are
        raw = batch.column(index[RAW_RECORD_COLUMN]).flatten().to_pylist()
    for i in range(batch.num_rows):
        row = {n: _as_kind(data[n][i], n in categorical) for n in features}
        label = data[config.label_column][i]
        ident = (data[config.id_column][i] if config.id_column
                 else f"{stable_hash(sorted(row.items()), label):016x}")
        out = {"id": None if ident is None else str(ident), "label": label, "features": row}
        if prediction_columns:
            out["predicted"] = {c: data[c][i] for c in prediction_columns}
        if raw is not None:
            out["raw"] = raw[i]
        yield out


def _feature_names(names, config: ExamplesConfig, prediction_columns) -> list:
    """config.features, else the schema's usable features, else every column; never label, id or predictions."""
    if config.features:
        skipped = dict(config.feature_kinds.skipped) if config.feature_kinds else {}
        candidates = [n for n in config.features if n not in skipped]
    else:
        candidates = list(config.feature_kinds.usable) if config.feature_kinds else names
    excluded = {config.label_column, config.id_column, *prediction_columns}
    return [n for n in candidates if n in names and n not in excluded
            and not predictions.is_prediction_column(n, config.prediction_column)]


def _as_kind(value, categorical: bool):
    """Schema-categorical values as text (so integers are grouped and coded as categories, not binned)."""
    return str(value) if categorical and value is not None and not isinstance(value, list) else value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class GroupLabelsCombineFn(beam.CombineFn):
    def create_accumulator(self):
        return GroupLabels()

    def add_input(self, acc, pair):
        return acc.add(*pair)

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for acc in accumulators:
            merged.merge(acc)
        return merged

    def extract_output(self, acc):
        return acc


def label_error_table(sample: list, config: ExamplesConfig) -> dict:
    """Confident learning on examples: out-of-sample probabilities (supplied columns, a model, else the built-in
    k-fold model), the suspected label errors, every example's label quality and rank, and the estimated number
    of label errors with its interval.

    Args:
      sample: example_rows dicts (in a stable order: the ranking breaks ties by it).
      config: the ExamplesConfig.

    Returns:
      {"summary": the report's label_errors section, "rows": [{id, label, suggested_label, label_quality,
      suspected, rank}] for the examples used (empty when skipped)}.
    """
    labels = [r["label"] for r in sample]
    dropped = {}
    source = (f"column {config.prediction_column!r}" if config.prediction_column
              else f"model {config.model_dir}" if config.model_dir else f"{config.n_folds}-fold built-in model")
    summary = {"n_sample": 0, "probabilities": source, "dropped": dropped, "task": None, "classes": None,
               "skipped": None, "n_flagged": 0, "flagged": [], "estimated_errors": None}
    seen = predictions.sorted_classes(labels)
    if len(seen) < 2:
        return _skipped(summary, len(sample), f"needs >= 2 classes; got {[predictions.label_text(c) for c in seen]}")
    if config.prediction_column or config.model_dir:
        found = _supplied_predictions(sample, labels, config, len(seen))
        dropped.update(found.dropped)
        if found.probabilities is None:
            return _skipped(summary, len(sample), f"needs probabilities; {source} holds predicted labels")
        kept = np.flatnonzero(found.kept)
        classes, y, probs = list(found.classes), found.labels, found.probabilities
        summary["task"] = found.task
    else:
        has_label = [i for i, v in enumerate(labels) if not predictions.is_missing(v)]
        if len(has_label) < len(labels):
            dropped["missing_label"] = len(labels) - len(has_label)
        classes = list(predictions.sorted_classes([labels[i] for i in has_label]))
        codes = predictions.class_codes([labels[i] for i in has_label], classes)
        counts = np.bincount(codes, minlength=len(classes))
        if len(classes) < 2 or counts.min() < config.n_folds:
            shown = {predictions.label_text(c): int(n) for c, n in zip(classes, counts)}
            return _skipped(summary, len(has_label), f"needs >= 2 classes with >= {config.n_folds} examples each; "
                                                     f"got {shown}")
        kept, y = np.array(has_label, dtype=np.int64), codes
        rows = [sample[i] for i in has_label]
        matrix = feature_matrix(rows, sorted({n for r in rows for n in r["features"]}))
        probs = confident_learning.out_of_sample_probabilities(matrix, y, config.n_folds, config.seed)
        summary["task"] = predictions.BINARY if len(classes) == 2 else predictions.MULTICLASS
    summary.update(n_sample=int(len(kept)), classes=classes)
    flagged = confident_learning.find_label_issues(probs, y)
    quality = confident_learning.label_quality(probs, y)
    ranks = confident_learning.ranking(probs, y, flagged)
    estimate, low, high = confident_learning.estimated_errors(probs, y, seed=config.seed)
    suggested = probs.argmax(axis=1)
    table = [{"id": sample[i]["id"], "label": sample[i]["label"], "suggested_label": classes[int(suggested[j])],
              "label_quality": float(quality[j]), "suspected": bool(flagged[j]), "rank": int(ranks[j])}
             for j, i in enumerate(kept.tolist())]
    listed = sorted((r for r in table if r["suspected"]), key=lambda r: r["rank"])[:MAX_LISTED]
    summary.update(n_flagged=int(flagged.sum()), estimated_errors={"value": estimate, "ci_low": low, "ci_high": high,
                                                                   "confidence": 0.95},
                   flagged=[{"item": r["id"], "label": r["label"], "suggested": r["suggested_label"],
                             "p_label": r["label_quality"]} for r in listed])
    return {"summary": summary, "rows": table}


def _skipped(summary: dict, n: int, why: str) -> dict:
    return {"summary": {**summary, "n_sample": n, "skipped": why}, "rows": []}


def _supplied_predictions(sample, labels, config, n_classes: int):
    """predictions.Predictions from the examples' prediction columns or from the model's scores; the task is
    classification (binary with one column P = p(positive class), else one column P_<label> per class)."""
    if config.prediction_column:
        names = sorted({c for r in sample for c in r.get("predicted", {})})
        columns = predictions.find_prediction_columns(names, config.prediction_column, "examples")
        if columns.kind == predictions.SINGLE and n_classes != 2:
            raise BadInputError(f"examples: column {config.prediction_column!r} holds one probability per row "
                                f"(binary), but the labels have {n_classes} classes: supply one probability column "
                                f"'{config.prediction_column}_<label>' per class")
        data = {c: [r["predicted"].get(c) for r in sample] for c in columns.columns}
        task = predictions.BINARY if columns.kind == predictions.SINGLE else None
        return predictions.from_columns(labels, columns, data, task=task)
    from tfx_dcai.model_scoring import ServingModel

    model = ServingModel(config.model_dir, config.output_key)
    output = model.predict([r["raw"] for r in sample])
    return predictions.from_model_output(labels, output, class_labels=_matching(config.class_labels, labels),
                                         output_name=model.output_key)


def _matching(class_labels, labels) -> tuple:
    """The declared classes as the label values they name (by text), so that "1" names the integer label 1."""
    by_text = {predictions.label_text(v): v for v in labels if not predictions.is_missing(v)}
    return tuple(by_text.get(str(c), c) for c in class_labels)


def label_error_summary(sample: list, config: ExamplesConfig) -> dict:
    """The report's label_errors section of label_error_table."""
    return label_error_table(sample, config)["summary"]


def feature_matrix(rows: list, names: list) -> np.ndarray:
    """Numbers as they are (missing -> NaN, which the model handles); text as the rank of its value."""
    codes = {n: {v: k for k, v in enumerate(sorted({str(r["features"].get(n)) for r in rows
                                                      if not _is_number(r["features"].get(n))}))} for n in names}
    def encode(value, name):
        if value is None:
            return math.nan
        return float(value) if _is_number(value) else float(codes[name][str(value)])
    return np.array([[encode(r["features"].get(n), n) for n in names] for r in rows], float).reshape(len(rows), -1)


def _conflict_summary(groups, edges, n_examples, kinds):
    """The conflicts, with the features' kinds (`feature_kinds`: from the schema, or null when inferred)."""
    return {**summarize_conflicts(groups, edges, n_examples), "feature_kinds": kinds.to_dict() if kinds else None}


class DiagnoseExamples(beam.PTransform):
    """Record batches of single-labelled examples -> one dict {"xy_conflicts": ..., "label_errors": ...}."""

    def __init__(self, config: ExamplesConfig, source: str = "examples"):
        super().__init__()
        self._config = config
        self._source = source

    def expand(self, record_batches):
        config = self._config
        rows = record_batches | "ExampleRows" >> beam.FlatMap(example_rows, config, self._source)
        edges = (rows
                 | "NumericValues" >> beam.FlatMap(
                     lambda r: [(n, float(v)) for n, v in r["features"].items() if _is_number(v) and v == v])
                 | "Quantiles" >> beam.ApproximateQuantiles.PerKey(config.n_bins + 1)
                 | "Edges" >> beam.MapTuple(lambda name, q: (name, binning.edges_from_quantiles(q)))
                 | "EdgeDict" >> beam.combiners.ToDict())
        edges_side = beam.pvalue.AsSingleton(edges)
        n_examples = rows | "CountExamples" >> beam.combiners.Count.Globally()
        conflicts = (rows
                     | "Key" >> beam.Map(lambda r, e: (example_key(r["features"], e, sorted(r["features"])),
                                                       (r["label"], r["id"])), edges_side)
                     | "GroupLabels" >> beam.CombinePerKey(GroupLabelsCombineFn())
                     | "Conflicting" >> beam.Filter(lambda kv: len(kv[1].labels) > 1)
                     | "ConflictList" >> beam.combiners.ToList()
                     | "SummarizeConflicts" >> beam.Map(_conflict_summary, edges_side,
                                                        beam.pvalue.AsSingleton(n_examples), config.feature_kinds))
        errors = (rows
                  | "BoundedSample" >> beam.combiners.Top.Of(config.max_sample, key=lambda r: stable_hash(r["id"]))
                  | "ConfidentLearning" >> beam.Map(
                      lambda sample: label_error_summary(sorted(sample, key=lambda r: (r["id"] is None, r["id"])),
                                                         config)))
        return (conflicts
                | "Combine" >> beam.Map(lambda c, e: {"xy_conflicts": c, "label_errors": e},
                                        beam.pvalue.AsSingleton(errors)))
