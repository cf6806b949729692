"""Supplied out-of-sample probabilities and Schema feature kinds for the examples input (no TensorFlow)."""
import apache_beam as beam
import numpy as np
import pyarrow as pa
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from tensorflow_metadata.proto.v0 import schema_pb2

from tfx_dcai.label_consistency.beam_examples import DiagnoseExamples, ExamplesConfig, label_error_table
from tfx_dcai.errors import InputError
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.schema_features import feature_kinds

_OUT = {}


def _diagnose(batch, config):
    _OUT.clear()
    with beam.Pipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as p:
        _ = (p | beam.Create([batch]) | DiagnoseExamples(config)
             | beam.Map(lambda d: _OUT.setdefault("d", d)))
    return _OUT["d"]


def _planted_flips(n_classes, n=900, seed=0):
    """Labels drawn from known class probabilities, 10% flipped to another class; features are pure noise,
    so only the supplied probabilities (not a model on the features) can find the flips."""
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(n_classes, 0.3), size=n)
    truth = probs.argmax(axis=1)
    flipped = rng.random(n) < 0.10
    labels = np.where(flipped, (truth + rng.integers(1, n_classes, n)) % n_classes, truth)
    return probs, labels, flipped, rng.normal(size=n)


def _precision_recall(errors, flipped):
    flagged = ({e["item"] for e in errors["flagged"]} if "flagged" in errors
               else {r["id"] for r in errors["rows"] if r["suspected"]})
    truly = {f"e{i:03d}" for i in np.flatnonzero(flipped)}
    return len(flagged & truly) / len(flagged), len(flagged & truly) / len(truly)


def test_binary_probability_column_finds_planted_flips_on_uninformative_features():
    probs, labels, flipped, noise = _planted_flips(2)
    columns = {"ex": [f"e{i:03d}" for i in range(len(labels))], "noise": noise.tolist(), "y": labels.tolist()}
    batch = pa.RecordBatch.from_pydict({**columns, "p_yes": probs[:, 1].tolist()})
    errors = _diagnose(batch, ExamplesConfig("y", "ex", prediction_column="p_yes"))["label_errors"]
    assert errors["probabilities"] == "column 'p_yes'" and errors["dropped"] == {}
    rows = [{"id": i, "label": y, "features": {}, "predicted": {"p_yes": p}}
            for i, y, p in zip(columns["ex"], columns["y"], probs[:, 1].tolist())]
    everything = label_error_table(rows, ExamplesConfig("y", prediction_column="p_yes"))
    assert everything["summary"]["n_flagged"] == errors["n_flagged"]
    assert everything["summary"]["flagged"] == errors["flagged"]
    precision, recall = _precision_recall(everything, flipped)
    assert precision >= 0.8 and recall >= 0.8
    # the built-in model sees only noise and cannot find the flips: the result above comes from the column
    builtin = _diagnose(pa.RecordBatch.from_pydict(columns), ExamplesConfig("y", "ex", n_folds=3))["label_errors"]
    assert builtin["probabilities"] == "3-fold built-in model"
    hits = {e["item"] for e in builtin["flagged"]} & {f"e{i:03d}" for i in np.flatnonzero(flipped)}
    assert len(hits) < 0.5 * max(len(builtin["flagged"]), 1)


def test_one_probability_column_per_class_finds_planted_flips():
    probs, labels, flipped, noise = _planted_flips(3, seed=1)
    names = ["cat", "dog", "eel"]
    rows = [{"id": f"e{i:03d}", "label": names[y], "features": {"noise": float(z)},
             "predicted": {f"p_{c}": float(probs[i, k]) for k, c in enumerate(names)}}
            for i, (y, z) in enumerate(zip(labels, noise))]
    errors = label_error_table(rows, ExamplesConfig("label", prediction_column="p"))
    assert errors["summary"]["n_sample"] == len(rows) and errors["summary"]["task"] == "multiclass"
    precision, recall = _precision_recall(errors, flipped)
    assert precision >= 0.8 and recall >= 0.8


def test_unusable_probabilities_are_counted_not_lost():
    predicted = [{"p": 0.9}, {"p": None}, {"p": float("nan")}, {"p": 1.5}, {"p": -0.1}, {"p": 0.7}, {"p": 0.2},
                 {"p": 0.6}, {"p": 0.1}]
    rows = [{"id": str(i), "label": i % 2, "features": {}, "predicted": p} for i, p in enumerate(predicted)]
    rows.append({"id": "nolabel", "label": None, "features": {}, "predicted": {"p": 0.5}})
    table = label_error_table(rows, ExamplesConfig("y", prediction_column="p"))
    summary = table["summary"]
    assert summary["n_sample"] + sum(summary["dropped"].values()) == len(rows) == len(table["rows"]) + 5
    assert summary["dropped"] == {"missing_label": 1, "missing_prediction": 2, "prediction_out_of_range": 2}
    assert {r["id"] for r in table["rows"]} == {"0", "5", "6", "7", "8"}
    assert next(r for r in table["rows"] if r["id"] == "0")["label_quality"] == pytest.approx(0.1)


def test_absent_or_mismatched_prediction_columns_name_the_column():
    batch = pa.RecordBatch.from_pydict({"y": [0, 1], "x": [1.0, 2.0]})
    with pytest.raises(Exception, match="no prediction column 'score'"):
        _diagnose(batch, ExamplesConfig("y", prediction_column="score"))
    three = [{"id": str(i), "label": i % 3, "features": {}, "predicted": {"p": 0.5}} for i in range(9)]
    with pytest.raises(BadInputError, match="one probability per row .binary.*3 classes.*'p_<label>'"):
        label_error_table(three, ExamplesConfig("y", prediction_column="p"))
    partial = [{"id": str(i), "label": i % 3, "features": {}, "predicted": {"p_0": 0.5, "p_1": 0.5}}
               for i in range(9)]
    with pytest.raises(InputError, match=r"no probability column for class\(es\) \['2'\]: expected \['p_2'\]"):
        label_error_table(partial, ExamplesConfig("y", prediction_column="p"))


def _schema():
    schema = schema_pb2.Schema()
    schema.default_environment.extend(["TRAINING", "SERVING"])
    for name, kind in (("area", schema_pb2.INT), ("fare", schema_pb2.FLOAT), ("company", schema_pb2.BYTES),
                       ("old", schema_pb2.FLOAT), ("serving_only", schema_pb2.INT), ("y", schema_pb2.INT),
                       ("hour", schema_pb2.INT)):
        schema.feature.add(name=name, type=kind)
    features = {f.name: f for f in schema.feature}
    features["area"].int_domain.is_categorical = True
    features["old"].lifecycle_stage = schema_pb2.DEPRECATED
    features["serving_only"].in_environment.append("SERVING")
    features["y"].not_in_environment.append("SERVING")
    return schema


def test_feature_kinds_from_schema():
    kinds = feature_kinds(_schema(), exclude=["y"])
    assert kinds.categorical == ("area", "company") and kinds.numeric == ("fare", "hour")
    assert dict(kinds.skipped) == {"old": "deprecated", "serving_only": "not in the TRAINING environment"}
    no_environments = schema_pb2.Schema()
    no_environments.feature.add(name="a", type=schema_pb2.INT).not_in_environment.append("TRAINING")
    no_environments.feature.add(name="b", type=schema_pb2.INT)
    assert feature_kinds(no_environments).numeric == ("b",)


def test_schema_categorical_integers_are_grouped_as_categories_not_quantile_bins():
    # 40 community areas, each with one consistent label: as numbers they share quantile bins and conflict
    areas = list(range(40)) * 5
    batch = pa.RecordBatch.from_pydict({"area": areas, "y": [a % 2 for a in areas], "old": [1.0] * len(areas),
                                        "serving_only": [7] * len(areas)})
    inferred = _diagnose(batch, ExamplesConfig("y", n_bins=4, n_folds=3))["xy_conflicts"]
    assert inferred["n_conflicting_groups"] > 0 and inferred["feature_kinds"] is None
    kinds = feature_kinds(_schema(), exclude=["y"])
    with_schema = _diagnose(batch, ExamplesConfig("y", n_bins=4, n_folds=3, feature_kinds=kinds))["xy_conflicts"]
    assert with_schema["n_conflicting_groups"] == 0
    assert with_schema["feature_kinds"]["skipped"] == {"old": "deprecated",
                                                      "serving_only": "not in the TRAINING environment"}
