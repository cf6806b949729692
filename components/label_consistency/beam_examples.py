"""Beam transforms over single-labelled examples: X->y conflicts (by keys) and confident learning (on a
bounded sample). No TensorFlow: record batches in, one diagnostics dict out.
"""
import dataclasses
import json
import math

import apache_beam as beam
import numpy as np

from tfx_dcai.label_consistency import confident_learning, predictions
from tfx_dcai.label_consistency.conflicts import GroupLabels, bin_edges, example_key, summarize_conflicts
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.schema_features import FeatureKinds, feature_kinds
from tfx_dcai.hashing import stable_hash
from tfx_dcai.label_consistency.values import column_values, scalar


@dataclasses.dataclass(frozen=True)
class ExamplesConfig:
    label_column: str
    id_column: str = None              # default: a hash of the example's values
    features: tuple = None             # default: the schema's features, else every column but label/id/probabilities
    n_bins: int = 10
    max_sample: int = 20_000           # confident learning runs on at most this many examples
    n_folds: int = 5
    prediction_column: str = None      # user's out-of-sample probabilities (see predictions.py) instead of k-fold
    feature_kinds: FeatureKinds = None  # from a Schema: categorical/numeric features; default: Arrow types


def examples_config(exec_properties: dict, schema=None) -> ExamplesConfig:
    """The examples' parameters; with a Schema proto, its feature kinds (label, id, probabilities left out)."""
    features = exec_properties.get("example_features")
    label = exec_properties.get("example_label_column") or exec_properties["label_column"]
    id_column = exec_properties.get("example_id_column") or None
    prediction = exec_properties.get("prediction_column") or None
    kinds = None
    if schema is not None:
        kinds = feature_kinds(schema, exclude=[
            f.name for f in schema.feature
            if f.name in (label, id_column) or predictions.is_probability_column(f.name, prediction)])
    return ExamplesConfig(label_column=label, id_column=id_column,
                          features=tuple(json.loads(features)) if features else None,
                          prediction_column=prediction, feature_kinds=kinds)


def example_rows(batch, config: ExamplesConfig, source: str = "examples"):
    names = batch.schema.names
    required = [config.label_column] + ([config.id_column] if config.id_column else []) + list(config.features or [])
    for column in required:
        if column not in names:
            raise BadInputError(f"{source}: no column {column!r}; columns are {sorted(names)}")
    probability_columns = (predictions.prediction_columns(names, config.prediction_column, source)
                           if config.prediction_column else [])
    features = _feature_names(names, config, probability_columns)
    categorical = set(config.feature_kinds.categorical) if config.feature_kinds else set()
    data = {n: column_values(batch.column(i)) for i, n in enumerate(names)}
    absent = [None] * batch.num_rows
    for i in range(batch.num_rows):
        row = {n: _as_kind(scalar(data.get(n, absent)[i]), n in categorical) for n in features}
        label = scalar(data[config.label_column][i])
        ident = (scalar(data[config.id_column][i]) if config.id_column
                 else f"{stable_hash(sorted(row.items()), label):016x}")
        out = {"id": str(ident), "label": label, "features": row}
        if probability_columns:
            out["predicted"] = {c: scalar(data[c][i]) for c in probability_columns}
        yield out


def _feature_names(names, config: ExamplesConfig, probability_columns) -> list:
    """config.features, else the schema's usable features, else every column; never label, id or probabilities."""
    if config.features:
        skipped = dict(config.feature_kinds.skipped) if config.feature_kinds else {}
        candidates = [n for n in config.features if n not in skipped]
    else:
        candidates = list(config.feature_kinds.usable) if config.feature_kinds else names
    excluded = {config.label_column, config.id_column, *probability_columns}
    return [n for n in candidates if n not in excluded and not predictions.is_probability_column(
        n, config.prediction_column)]


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


def label_error_summary(sample: list, n_folds: int, max_listed: int = 50, prediction_column: str = None) -> dict:
    """Confident learning on the sampled examples (supplied probabilities, else k-fold ones of the built-in
    model); a documented skip when it cannot run. Examples left out are counted under `dropped` by reason."""
    labelled = [r for r in sample if r["label"] is not None]
    dropped = {"missing_label": len(sample) - len(labelled)} if len(labelled) < len(sample) else {}
    classes = sorted({r["label"] for r in labelled}, key=str)
    source = f"column {prediction_column!r}" if prediction_column else f"{n_folds}-fold built-in model"
    probs = None
    if prediction_column and len(classes) >= 2:
        probs, kept, prediction_drops = predictions.probability_matrix(
            [r["predicted"] for r in labelled], classes, prediction_column)
        labelled, probs = [r for r, k in zip(labelled, kept) if k], probs[kept]
        dropped.update(prediction_drops)
    counts = {c: sum(r["label"] == c for r in labelled) for c in classes}
    needed = 1 if prediction_column else n_folds
    summary = {"n_sample": len(labelled), "probabilities": source, "dropped": dropped}
    if len(classes) < 2 or min(counts.values()) < needed:
        return {**summary, "skipped": f"needs >= 2 classes with >= {needed} examples each; got {counts}",
                "n_flagged": 0, "flagged": []}
    index = {c: k for k, c in enumerate(classes)}
    y = np.array([index[r["label"]] for r in labelled])
    if probs is None:
        matrix = feature_matrix(labelled, sorted({n for r in labelled for n in r["features"]}))
        probs = confident_learning.out_of_sample_probabilities(matrix, y, n_folds)
    flagged = np.flatnonzero(confident_learning.find_label_issues(probs, y))
    margin = probs[flagged].max(axis=1) - probs[flagged, y[flagged]]
    order = flagged[np.argsort(-margin, kind="stable")]
    return {**summary, "skipped": None, "n_flagged": int(flagged.size),
            "flagged": [{"item": labelled[i]["id"], "label": labelled[i]["label"],
                         "suggested": classes[int(probs[i].argmax())],
                         "p_label": float(probs[i, y[i]])} for i in order[:max_listed]]}


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
                 | "Edges" >> beam.MapTuple(lambda name, q: (name, bin_edges(q)))
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
                  | "ConfidentLearning" >> beam.Map(lambda sample: label_error_summary(
                      sample, config.n_folds, prediction_column=config.prediction_column)))
        return (conflicts
                | "Combine" >> beam.Map(lambda c, e: {"xy_conflicts": c, "label_errors": e},
                                        beam.pvalue.AsSingleton(errors)))
