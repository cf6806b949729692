"""Every model task through the real executor and `dcai drift`: a real 3-class penguin SavedModel (concept-drift
accuracy equal to scikit-learn's on the same rows), estimated performance without labels, NO_LABELS, and a
regression model given as a prediction column."""
import json
import os

import numpy as np
import pytest
import tensorflow_data_validation as tfdv
from sklearn import metrics as skm
from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

from tfx_dcai.artifacts import DriftBlessing, DriftReport
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.executor import Executor
from tfx_dcai.pipelines.cli import main
from tfx_dcai.reports import read_report
from tfx_dcai.tf_example import to_example


def _artifact(cls, uri, splits=None, artifact_id=1):
    artifact = cls()
    artifact.uri = uri
    artifact.id = artifact_id
    if splits:
        artifact.split_names = artifact_utils.encode_split_names(splits)
    return artifact


def _write_split(root, split, serialized):
    import tensorflow as tf

    os.makedirs(os.path.join(root, f"Split-{split}"), exist_ok=True)
    with tf.io.TFRecordWriter(os.path.join(root, f"Split-{split}", "data.gz"),
                              tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for record in serialized:
            writer.write(record)


def _statistics(root, split, serialized):
    from tfx_bsl.coders import example_coder

    batch = example_coder.ExamplesToRecordBatchDecoder().DecodeBatch(list(serialized))
    stats = generate_statistics_in_memory(batch, tfdv.StatsOptions(num_quantiles_histogram_buckets=100))
    os.makedirs(os.path.join(root, f"Split-{split}"), exist_ok=True)
    io_utils.write_bytes_file(os.path.join(root, f"Split-{split}", "FeatureStats.pb"), stats.SerializeToString())


def _run(tmp_path, inputs, config, **properties):
    outputs = {"anomalies": [_artifact(standard_artifacts.ExampleAnomalies, str(tmp_path / "anomalies"))],
               "drift_report": [_artifact(DriftReport, str(tmp_path / "report"))],
               "blessing": [_artifact(DriftBlessing, str(tmp_path / "blessing"))]}
    Executor(Executor.Context(beam_pipeline_args=list(LOCAL_BEAM_ARGS), tmp_dir=str(tmp_path / "tmp"),
                              unique_id="1")).Do(inputs, outputs, {"config": config.to_json(), **properties})
    return read_report(outputs["drift_report"][0].uri, "drift"), outputs


def _without_label(serialized, penguin):
    import tensorflow as tf

    out = []
    for record in serialized:
        example = tf.train.Example.FromString(record)
        del example.features.feature[penguin.LABEL]
        out.append(example.SerializeToString())
    return out


@pytest.fixture(scope="module")
def penguin_artifacts(tmp_path_factory, penguin):
    root = tmp_path_factory.mktemp("penguin_artifacts")
    train, evaluation = penguin.records("train"), penguin.records("eval")
    _statistics(str(root / "stats"), "train", train)
    _statistics(str(root / "stats"), "eval", evaluation)
    _write_split(str(root / "serving"), "serving", _without_label(evaluation, penguin))
    _statistics(str(root / "serving_stats"), "serving", _without_label(evaluation, penguin))
    return {
        "stats": _artifact(standard_artifacts.ExampleStatistics, str(root / "stats"), ["train", "eval"], 41),
        "examples": _artifact(standard_artifacts.Examples, penguin.PENGUIN + "/data", ["train", "eval"], 42),
        "serving": _artifact(standard_artifacts.Examples, str(root / "serving"), ["serving"], 43),
        "serving_stats": _artifact(standard_artifacts.ExampleStatistics, str(root / "serving_stats"), ["serving"],
                                   44)}


def test_three_class_model_accuracy_equals_scikit_learn_through_the_executor(tmp_path, penguin, penguin_model,
                                                                              penguin_artifacts):
    a = penguin_artifacts
    model = _artifact(standard_artifacts.Model, penguin_model, artifact_id=45)
    config = DriftConfig(label_key="species", sample_size=5000, bootstrap=200, permutations=100)
    report, outputs = _run(tmp_path, {"statistics": [a["stats"]], "baseline_statistics": [a["stats"]],
                                      "baseline_examples": [a["examples"]], "feedback_examples": [a["examples"]],
                                      "model": [model]}, config, current_split="eval", baseline_split="train",
                           evaluation_split="train", feedback_split="eval")
    concept = report["concept_drift"]
    serialized = penguin.records("eval")
    _, y = penguin.features_and_labels(serialized)
    p = penguin.probabilities(penguin_model, serialized)
    expected = skm.accuracy_score(y, p.argmax(axis=1))
    assert concept["task"] == "multiclass" and concept["classes"] == ["0", "1", "2"]
    assert concept["metric"] == "accuracy" and concept["n_current"] == len(y)
    assert concept["current"] == pytest.approx(expected) and expected > 0.9
    metrics = {m["metric"]: m for m in concept["metrics"]}
    assert metrics["macro_f1"]["current"] == pytest.approx(skm.f1_score(y, p.argmax(axis=1), average="macro"))
    assert metrics["log_loss"]["current"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1, 2]), rel=1e-5)
    assert report["prediction_drift"]["what"] == "predicted class"


def test_estimated_performance_on_unlabelled_serving_data(tmp_path, penguin, penguin_model, penguin_artifacts):
    a = penguin_artifacts
    model = _artifact(standard_artifacts.Model, penguin_model, artifact_id=46)
    config = DriftConfig(label_key="species", bootstrap=300, permutations=100)
    report, outputs = _run(tmp_path, {"statistics": [a["serving_stats"]], "baseline_statistics": [a["stats"]],
                                      "examples": [a["serving"]], "baseline_examples": [a["examples"]],
                                      "model": [model]}, config, baseline_split="train", evaluation_split="train")
    assert report["concept_drift"] is None
    (estimate,) = report["estimated_performance"]
    assert estimate["metric"] == "accuracy" and estimate["ci_low"] <= estimate["value"] <= estimate["ci_high"]
    serialized = penguin.records("eval")
    _, y = penguin.features_and_labels(serialized)
    realized = skm.accuracy_score(y, penguin.probabilities(penguin_model, serialized).argmax(axis=1))
    assert estimate["ci_low"] - 0.05 <= realized <= estimate["ci_high"] + 0.05
    assert set(estimate) >= {"metric", "value", "ci_low", "ci_high", "calibrated"}
    assert report["prediction_drift"] is not None


def test_labelled_feedback_without_any_label_is_no_labels_and_blocks(tmp_path, penguin, penguin_model,
                                                                     penguin_artifacts):
    import tensorflow as tf

    a = penguin_artifacts
    empty = []
    for record in penguin.records("eval"):
        example = tf.train.Example.FromString(record)
        example.features.feature[penguin.LABEL].Clear()
        empty.append(example.SerializeToString())
    root = str(tmp_path / "unlabelled")
    _write_split(root, "feedback", empty)
    feedback = _artifact(standard_artifacts.Examples, root, ["feedback"], 47)
    model = _artifact(standard_artifacts.Model, penguin_model, artifact_id=48)
    report, outputs = _run(tmp_path, {"statistics": [a["stats"]], "baseline_statistics": [a["stats"]],
                                      "baseline_examples": [a["examples"]], "feedback_examples": [feedback],
                                      "model": [model]}, DriftConfig(label_key="species", bootstrap=50),
                           current_split="eval", baseline_split="train", evaluation_split="train")
    assert report["concept_drift"]["status"] == "NO_LABELS"
    assert "concept_drift" in report["blocking"] and not report["blessed"]
    assert outputs["blessing"][0].get_int_custom_property("blessed") == 0


def test_three_class_model_through_dcai_drift(tmp_path, penguin, penguin_model, capsys):
    out = str(tmp_path / "out")
    code = main(["drift", "--baseline", penguin.split_dir("train"), "--current", penguin.split_dir("eval"),
                 "--label-column", "species", "--model", penguin_model, "--bootstrap", "200",
                 "--permutations", "100", "--output-dir", out, "--json"])
    assert code in (0, 1), capsys.readouterr().err
    with open(os.path.join(out, "drift_report.json")) as f:
        concept = json.load(f)["concept_drift"]
    serialized = penguin.records("eval")
    _, y = penguin.features_and_labels(serialized)
    expected = skm.accuracy_score(y, penguin.probabilities(penguin_model, serialized).argmax(axis=1))
    assert concept["metric"] == "accuracy" and concept["current"] == pytest.approx(expected)
    assert concept["n_current"] == len(y)


def _taxi_regression_rows(n, seed, noisy):
    rng = np.random.default_rng(seed)
    miles = rng.lognormal(0.5, 0.6, n)
    seconds = 120 + 180 * miles + rng.normal(0, 60 if not noisy else 240, n)
    prediction = 120 + 180 * miles
    return [{"trip_miles": [float(m)], "trip_seconds": [float(s)], "prediction": [float(p)]}
            for m, s, p in zip(miles, seconds, prediction)]


def test_regression_through_the_executor_and_dcai_drift(tmp_path):
    base = [to_example(r).SerializeToString() for r in _taxi_regression_rows(1500, 1, False)]
    cur = [to_example(r).SerializeToString() for r in _taxi_regression_rows(1500, 2, True)]
    root = str(tmp_path / "examples")
    _write_split(root, "eval", base)
    _write_split(root, "feedback", cur)
    _statistics(str(tmp_path / "stats"), "eval", base)
    _statistics(str(tmp_path / "stats"), "feedback", cur)
    stats = _artifact(standard_artifacts.ExampleStatistics, str(tmp_path / "stats"), ["eval", "feedback"], 51)
    examples = _artifact(standard_artifacts.Examples, root, ["eval", "feedback"], 52)
    config = DriftConfig(label_key="trip_seconds", prediction_key="prediction", bootstrap=200)
    report, _ = _run(tmp_path, {"statistics": [stats], "baseline_statistics": [stats],
                                "baseline_examples": [examples], "feedback_examples": [examples]}, config,
                     current_split="feedback", baseline_split="eval", evaluation_split="eval",
                     feedback_split="feedback")
    concept = report["concept_drift"]
    assert concept["task"] == "regression" and concept["metric"] == "mae" and concept["drift"]
    assert {m["metric"] for m in concept["metrics"]} == {"mae", "rmse"}
    assert "trip_seconds" not in {f["name"] for f in report["features"]}
    # the same rows as CSV through dcai drift
    import csv
    paths = {}
    for name, rows in (("base", _taxi_regression_rows(1500, 1, False)), ("cur", _taxi_regression_rows(1500, 2, True))):
        paths[name] = str(tmp_path / f"{name}.csv")
        with open(paths[name], "w", newline="") as f:  # local
            writer = csv.writer(f)
            writer.writerow(["trip_miles", "trip_seconds", "prediction"])
            writer.writerows([[repr(r["trip_miles"][0]), repr(r["trip_seconds"][0]), repr(r["prediction"][0])]
                              for r in rows])
    out = str(tmp_path / "cli")
    assert main(["drift", "--baseline", paths["base"], "--current", paths["cur"], "--label-column", "trip_seconds",
                 "--prediction-column", "prediction", "--bootstrap", "200", "--output-dir", out]) == 1
    with open(os.path.join(out, "drift_report.json")) as f:
        cli_concept = json.load(f)["concept_drift"]
    assert cli_concept["metric"] == "mae" and cli_concept["drift"]
    assert cli_concept["current"] == pytest.approx(concept["current"], rel=1e-6)
    assert cli_concept["baseline"] == pytest.approx(concept["baseline"], rel=1e-6)
