"""DriftValidator executor on hand-built artifacts over the taxi trips that ship with TFX (real TFDV statistics,
real TFXIO reads, real Beam): a control that must pass, a planted shift that must block, concept drift
from a prediction column, and no baseline."""
import os

import numpy as np
import pytest
import tensorflow as tf
import tfx
from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory
import tensorflow_data_validation as tfdv
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

from tfx_dcai.artifacts import DriftBlessing, DriftReport
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.executor import Executor
from tfx_dcai.drift_validator.analysis import DriftInputError
from tfx_dcai.reports import read_report
from tfx_dcai.tf_example import read_gzipped, to_example
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402

TESTDATA = os.path.join(os.path.dirname(tfx.__file__), "components", "testdata")
SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "schemas", "taxi")


def _artifact(cls, uri, splits=None, artifact_id=1):
    artifact = cls()
    artifact.uri = uri
    artifact.id = artifact_id
    if splits:
        artifact.split_names = artifact_utils.encode_split_names(splits)
    return artifact


def _trips(split, limit=None):
    paths = sorted(tf.io.gfile.glob(os.path.join(TESTDATA, "csv_example_gen", f"Split-{split}", "*.gz")))
    rows = [features for _, features in read_gzipped(paths)]
    return rows[:limit] if limit else rows


def _write_examples(root, split, rows):
    os.makedirs(os.path.join(root, f"Split-{split}"), exist_ok=True)
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(os.path.join(root, f"Split-{split}", "data.gz"), options) as writer:
        for row in rows:
            writer.write(to_example(row).SerializeToString())


def _write_statistics(root, split, rows):
    """TFDV statistics of `rows`, stored the way StatisticsGen stores them."""
    from tfx_bsl.coders import example_coder
    decoder = example_coder.ExamplesToRecordBatchDecoder()
    batch = decoder.DecodeBatch([to_example(r).SerializeToString() for r in rows])
    stats = generate_statistics_in_memory(batch, tfdv.StatsOptions())
    os.makedirs(os.path.join(root, f"Split-{split}"), exist_ok=True)
    io_utils.write_bytes_file(os.path.join(root, f"Split-{split}", "FeatureStats.pb"), stats.SerializeToString())


def _outputs(tmp_path):
    return {"anomalies": [_artifact(standard_artifacts.ExampleAnomalies, str(tmp_path / "anomalies"))],
            "drift_report": [_artifact(DriftReport, str(tmp_path / "report"))],
            "blessing": [_artifact(DriftBlessing, str(tmp_path / "blessing"))]}


def _run(tmp_path, inputs, **properties):
    outputs = _outputs(tmp_path)
    config = properties.pop("config", DriftConfig(sample_size=1500, permutations=200, bootstrap=200))
    context = Executor.Context(beam_pipeline_args=list(LOCAL_BEAM_ARGS), tmp_dir=str(tmp_path / "tmp"), unique_id="1")
    Executor(context).Do(inputs, outputs, {"config": config.to_json(), **properties})
    report = read_report(outputs["drift_report"][0].uri, "drift")
    return report, outputs


@pytest.fixture(scope="module")
def baseline_statistics():
    return _artifact(standard_artifacts.ExampleStatistics, os.path.join(TESTDATA, "statistics_gen"),
                     ["train", "eval"], artifact_id=11)


@pytest.fixture(scope="module")
def baseline_examples():
    return _artifact(standard_artifacts.Examples, os.path.join(TESTDATA, "csv_example_gen"), ["train", "eval"], 12)


@pytest.fixture(scope="module")
def schema():
    return _artifact(standard_artifacts.Schema, SCHEMA, artifact_id=13)


def test_control_eval_vs_train_passes(tmp_path, baseline_statistics, baseline_examples, schema):
    report, outputs = _run(tmp_path, {"statistics": [baseline_statistics], "baseline_statistics": [baseline_statistics],
                                      "schema": [schema], "examples": [baseline_examples],
                                      "baseline_examples": [baseline_examples]},
                           current_split="eval", baseline_split="train")
    assert report["status"] == "NO_DRIFT", [f for f in report["features"] if f["drift"]]
    assert report["multivariate"]["auc"] < 0.6 and not report["multivariate"]["drift"]
    assert outputs["blessing"][0].get_int_custom_property("blessed") in (0, 1)
    names = {f["name"] for f in report["features"]}
    assert "tips" not in names and "fare" in names  # SERVING environment of the curated schema
    assert all(f["tfdv"] for f in report["features"] if f["status"] == "tested")
    assert os.path.exists(os.path.join(outputs["anomalies"][0].uri, "Split-eval", "SchemaDiff.pb"))


def test_planted_shift_blocks_and_names_the_features(tmp_path, baseline_statistics, baseline_examples, schema):
    rows = _trips("eval")
    for row in rows:
        if row.get("fare"):
            row["fare"] = [row["fare"][0] * 1.8 + 3.0]
        if row.get("payment_type") == [b"Cash"]:
            row["payment_type"] = [b"Mobile"]
    current_root = str(tmp_path / "current")
    _write_statistics(os.path.join(current_root, "stats"), "serving", rows)
    _write_examples(os.path.join(current_root, "examples"), "serving", rows)
    current_stats = _artifact(standard_artifacts.ExampleStatistics, os.path.join(current_root, "stats"), ["serving"],
                              21)
    current_examples = _artifact(standard_artifacts.Examples, os.path.join(current_root, "examples"), ["serving"], 22)
    report, outputs = _run(tmp_path, {"statistics": [current_stats], "baseline_statistics": [baseline_statistics],
                                      "schema": [schema], "examples": [current_examples],
                                      "baseline_examples": [baseline_examples]})
    drifted = {f["name"] for f in report["features"] if f["drift"]}
    assert {"fare", "payment_type"} <= drifted
    assert report["status"] == "DRIFT" and "feature_drift" in report["blocking"]
    assert outputs["blessing"][0].get_int_custom_property("blessed") == 0
    assert report["multivariate"]["drift"] and report["multivariate"]["top_features"][0] in ("fare", "payment_type")
    assert report["multivariate"]["rows_seen"] == {"baseline": 9909, "current": len(rows)}  # every row counted
    html = open(os.path.join(outputs["drift_report"][0].uri, "drift_report.html"), encoding="utf-8").read()
    assert "Drifted features" in html and "fare (numeric, effect " in html


def test_concept_drift_from_a_prediction_column(tmp_path, baseline_statistics):
    rng = np.random.default_rng(0)

    def labelled(n, broken):
        rows = []
        for _ in range(n):
            x = float(rng.normal())
            p = 1 / (1 + np.exp(-3 * x))
            y = int(rng.random() < (0.5 if broken else p))
            rows.append({"x": [x], "label": [y], "score": [p]})
        return rows
    root = str(tmp_path / "labelled")
    _write_examples(root, "eval", labelled(800, False))
    _write_examples(root, "feedback", labelled(800, True))
    _write_statistics(str(tmp_path / "stats_eval"), "eval", labelled(800, False))
    labelled_stats = _artifact(standard_artifacts.ExampleStatistics, str(tmp_path / "stats_eval"), ["eval"], 31)
    examples = _artifact(standard_artifacts.Examples, root, ["eval", "feedback"], 32)
    config = DriftConfig(label_key="label", prediction_key="score", sample_size=1000, bootstrap=200)
    report, _ = _run(tmp_path, {"statistics": [labelled_stats], "baseline_statistics": [labelled_stats],
                                "baseline_examples": [examples], "feedback_examples": [examples]},
                     config=config, evaluation_split="eval", feedback_split="feedback")
    concept = report["concept_drift"]
    assert concept["metric"] == "auc" and concept["drift"] and concept["difference_ci"][1] < 0
    assert report["status"] == "DRIFT" and report["blocking"] == ["concept_drift"]
    missing_label = DriftConfig(label_key="big_tipper", prediction_key="score", sample_size=100)
    with pytest.raises(DriftInputError, match="label column .big_tipper. is absent from the evaluation examples"):
        _run(tmp_path, {"statistics": [labelled_stats], "baseline_statistics": [labelled_stats],
                        "baseline_examples": [examples], "feedback_examples": [examples]},
             config=missing_label, evaluation_split="eval", feedback_split="feedback")


def test_no_baseline_is_never_a_pass(tmp_path, baseline_statistics, schema):
    report, outputs = _run(tmp_path, {"statistics": [baseline_statistics], "schema": [schema]}, current_split="eval")
    assert report["status"] == "NO_BASELINE"
    assert outputs["blessing"][0].get_int_custom_property("blessed") == 2


def test_ambiguous_split_is_a_clear_error(tmp_path, baseline_statistics):
    with pytest.raises(DriftInputError, match=r"splits \['train', 'eval'\]; name the one to use"):
        _run(tmp_path, {"statistics": [baseline_statistics], "baseline_statistics": [baseline_statistics]})


def _copy_tree_to_ram(local_dir, ram_dir):
    from tfx.dsl.io import fileio
    for root, _, files in os.walk(local_dir):
        for name in files:
            target = os.path.join(ram_dir, os.path.relpath(os.path.join(root, name), local_dir))
            fileio.makedirs(os.path.dirname(target))
            with open(os.path.join(root, name), "rb") as f:  # local
                data = f.read()
            with fileio.open(target, "wb") as f:
                f.write(data)


def test_outputs_and_inputs_on_a_non_local_filesystem(tmp_path, monkeypatch, baseline_examples):
    """Statistics, schema and every output on TF's ram:// filesystem (through fileio); the examples (read by Beam,
    which has no ram:// filesystem) stay local. The outputs are there, nothing was written locally, and the
    executor's scratch samples are gone."""
    from tfx.dsl.io import fileio
    monkeypatch.chdir(tmp_path)
    ram = f"ram://dv-test-{os.getpid()}"
    _copy_tree_to_ram(os.path.join(TESTDATA, "statistics_gen"), f"{ram}/stats")
    _copy_tree_to_ram(SCHEMA, f"{ram}/schema")
    stats = _artifact(standard_artifacts.ExampleStatistics, f"{ram}/stats", ["train", "eval"], 61)
    schema = _artifact(standard_artifacts.Schema, f"{ram}/schema", artifact_id=62)
    outputs = {"anomalies": [_artifact(standard_artifacts.ExampleAnomalies, f"{ram}/out/anomalies")],
               "drift_report": [_artifact(DriftReport, f"{ram}/out/report")],
               "blessing": [_artifact(DriftBlessing, f"{ram}/out/blessing")]}
    scratch = tmp_path / "executor_tmp"
    before = set(os.listdir(tmp_path))
    config = DriftConfig(sample_size=500, permutations=50, bootstrap=50)
    Executor(Executor.Context(beam_pipeline_args=list(LOCAL_BEAM_ARGS), tmp_dir=str(scratch), unique_id="7")).Do(
        {"statistics": [stats], "baseline_statistics": [stats], "schema": [schema], "examples": [baseline_examples],
         "baseline_examples": [baseline_examples]}, outputs,
        {"config": config.to_json(), "current_split": "eval", "baseline_split": "train"})
    assert fileio.exists(f"{ram}/out/report/drift_report.json") and fileio.exists(f"{ram}/out/report/drift_report.html")
    assert fileio.exists(f"{ram}/out/anomalies/Split-eval/SchemaDiff.pb")
    report = read_report(f"{ram}/out/report", "drift")
    assert report["multivariate"]["rows_seen"]["current"] > 0
    assert set(os.listdir(tmp_path)) - before <= {"executor_tmp"}  # no local "ram:" folder
    leftovers = [os.path.join(r, f) for r, _, fs in os.walk(scratch) for f in fs]
    assert not leftovers, leftovers
    assert not os.path.exists(os.path.join(str(tmp_path), "ram:"))
    # the statistics-only path with even the executor's tmp dir on ram://
    outputs["drift_report"] = [_artifact(DriftReport, f"{ram}/out2/report")]
    Executor(Executor.Context(beam_pipeline_args=list(LOCAL_BEAM_ARGS), tmp_dir=f"{ram}/tmp", unique_id="8")).Do(
        {"statistics": [stats], "baseline_statistics": [stats], "schema": [schema]}, outputs,
        {"config": config.to_json(), "current_split": "eval", "baseline_split": "train"})
    assert fileio.exists(f"{ram}/out2/report/drift_report.json")
    assert set(os.listdir(tmp_path)) - before <= {"executor_tmp"}


def test_the_component_rejects_bad_config_and_inputs_that_cannot_work_together():
    from tfx.types import channel_utils

    from tfx_dcai.drift_validator.component import DriftValidator
    from tfx_dcai.errors import InputError

    stats = channel_utils.as_channel([standard_artifacts.ExampleStatistics()])
    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    model = channel_utils.as_channel([standard_artifacts.Model()])
    for bad in ({"q": 2}, {"min_auc": 0.2}, {"sample_size": 0}, {"policy": {"nope": "block"}}, {"task": "ranking"},
                {"feature_overrides": {"x": {"min_effect": -1}}}, {"unknown": 1}, {"label_key": "y",
                                                                                  "prediction_key": "y"}):
        with pytest.raises(InputError):
            DriftValidator(statistics=stats, baseline_statistics=stats, config=bad)
    with pytest.raises(InputError, match="current_split must be a split name"):
        DriftValidator(statistics=stats, current_split="")
    with pytest.raises(InputError, match="compared with itself"):
        DriftValidator(statistics=stats, baseline_statistics=stats, current_split="train", baseline_split="train")
    with pytest.raises(InputError, match="feedback_examples need config label_key"):
        DriftValidator(statistics=stats, baseline_statistics=stats, baseline_examples=examples,
                       feedback_examples=examples, model=model)
    with pytest.raises(InputError, match="need a model or config prediction_key"):
        DriftValidator(statistics=stats, baseline_examples=examples, feedback_examples=examples,
                       config={"label_key": "y"})
    with pytest.raises(InputError, match="examples need baseline_examples"):
        DriftValidator(statistics=stats, examples=examples)
    ok = DriftValidator(statistics=stats, baseline_statistics=stats, baseline_examples=examples,
                        feedback_examples=examples, model=model,
                        config={"label_key": "y", "class_labels": ["a", "b", "c"], "task": "multiclass"})
    assert DriftConfig.from_json(ok.exec_properties["config"]).class_labels == ("a", "b", "c")
