"""End to end: the penguin pipeline (3 classes) under LocalDagRunner with SQLite MLMD, run once, its reports checked
against scikit-learn on the Trainer's own SavedModel, scored here through its serving signature (not through
tfx_dcai.model_scoring)."""
import json
import os

import numpy as np
import pytest

from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("penguin_pipeline")]

LABEL = "species"
ALWAYS = {"ImportExampleGen", "StatisticsGen", "ImportSchemaGen", "Trainer", "Evaluator", "DriftValidator",
          "SliceErrorAnalyzer", "SimulatedPenguinLabelers", "LabelConsistencyGen", "NoisyTrainLabels",
          "LabelErrorQueue", "SimulatedReviewer", "ApplyReviewedLabels", "Trainer.cleaned"}
GATED = "Pusher"


@pytest.fixture(scope="module")
def penguin_run(tmp_path_factory):
    """One run of the whole penguin pipeline (few Trainer steps): (metadata path, {node: NodeRun})."""
    from tfx_dcai.pipelines.penguin_pipeline import PIPELINE_NAME, run_local

    metadata = run_local(str(tmp_path_factory.mktemp("penguin_run")), train_steps=50, eval_steps=5)
    return metadata, {node.node: node for node in latest_run(sqlite_store(metadata), PIPELINE_NAME)}


def _json(artifact, name):
    with open(os.path.join(artifact.uri, name)) as f:  # local: the test's own pipeline root
        return json.load(f)


def _blessed(node):
    return node.outputs["blessing"][0].custom_properties["blessed"].int_value


def _records(examples_uri, split):
    import tensorflow as tf

    files = sorted(tf.io.gfile.glob(os.path.join(examples_uri, f"Split-{split}", "*")))
    return list(tf.data.TFRecordDataset(files, compression_type="GZIP").as_numpy_iterator())


def _labels(records):
    import tensorflow as tf

    return np.array([tf.train.Example.FromString(r).features.feature[LABEL].int64_list.value[0] for r in records])


def _predicted(model_uri, records):
    """argmax of the Trainer's serving signature (serialized tf.Examples in, softmax out) on `records`."""
    import tensorflow as tf

    loaded = tf.saved_model.load(os.path.join(model_uri, "Format-Serving"))
    outputs = loaded.signatures["serving_default"](examples=tf.constant(records))
    assert list(outputs) == ["probabilities"]
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (len(records), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    return probabilities.argmax(axis=1)


@pytest.fixture(scope="module")
def scored(penguin_run):
    """{split: (labels, the model's predicted classes)} for the train and eval splits."""
    _, nodes = penguin_run
    examples = nodes["ImportExampleGen"].outputs["examples"][0].uri
    model = nodes["Trainer"].outputs["model"][0].uri
    out = {}
    for split in ("train", "eval"):
        records = _records(examples, split)
        out[split] = (_labels(records), _predicted(model, records))
    return out


def test_every_node_ran_and_the_pusher_followed_the_gate(penguin_run):
    _, nodes = penguin_run
    assert ALWAYS <= set(nodes), f"missing: {sorted(ALWAYS - set(nodes))}"
    assert {name: nodes[name].state for name in ALWAYS} == {name: "COMPLETE" for name in ALWAYS}
    drift, slices = _blessed(nodes["DriftValidator"]), _blessed(nodes["SliceErrorAnalyzer"])
    assert _blessed(nodes["Evaluator"]) == 1  # about 97% accurate; the threshold is 60%
    if drift == 1 and slices != 0:
        assert nodes[GATED].state == "COMPLETE"
        assert nodes[GATED].outputs["pushed_model"][0].custom_properties["pushed"].int_value == 1
    else:  # the gate (DriftValidator == 1 and SliceErrorAnalyzer != 0) is closed: the Pusher is skipped
        assert GATED not in nodes or nodes[GATED].state != "COMPLETE", \
            f"gate closed (drift blessing {drift}, slice blessing {slices}) but the Pusher ran"


def test_concept_drift_accuracy_equals_scikit_learn_on_the_same_rows(penguin_run, scored):
    from sklearn.metrics import accuracy_score, f1_score

    _, nodes = penguin_run
    concept = _json(nodes["DriftValidator"].outputs["drift_report"][0], "drift_report.json")["concept_drift"]
    assert concept["task"] == "multiclass" and concept["classes"] == ["0", "1", "2"]
    assert concept["metric"] == "accuracy"
    # baseline: the train split (evaluation_split), current: the eval split (feedback_split), every row of each
    y_train, p_train = scored["train"]
    y_eval, p_eval = scored["eval"]
    assert (concept["n_baseline"], concept["n_current"]) == (len(y_train), len(y_eval)) == (234, 100)
    assert concept["baseline"] == pytest.approx(accuracy_score(y_train, p_train), abs=1e-12)
    assert concept["current"] == pytest.approx(accuracy_score(y_eval, p_eval), abs=1e-12)
    assert concept["current"] > 0.8  # not the 0.0 of a last-softmax-column score (issue 11)
    macro_f1 = next(m for m in concept["metrics"] if m["metric"] == "macro_f1")
    assert macro_f1["current"] == pytest.approx(f1_score(y_eval, p_eval, average="macro"), abs=1e-9)


def test_slice_error_analyzer_is_multiclass_and_its_error_rate_is_one_minus_accuracy(penguin_run, scored):
    from sklearn.metrics import accuracy_score

    _, nodes = penguin_run
    report = _json(nodes["SliceErrorAnalyzer"].outputs["slice_report"][0], "slice_report.json")
    assert report["task"] == "multiclass" and report["prediction"]["n_classes"] == 3
    assert report["rows"]["used"] == report["overall"]["n"] == 100  # the eval split
    y_eval, p_eval = scored["eval"]
    assert report["overall"]["metric"] == "error_rate"
    assert report["overall"]["value"] == pytest.approx(1 - accuracy_score(y_eval, p_eval), abs=1e-12)
    assert report["overall"]["ci_low"] <= report["overall"]["value"] <= report["overall"]["ci_high"]
    assert _blessed(nodes["SliceErrorAnalyzer"]) == 2  # no baseline model in this pipeline: passes the gate


def test_label_consistency_report_is_for_three_classes_and_finds_the_confusion(penguin_run):
    _, nodes = penguin_run
    report = _json(nodes["LabelConsistencyGen"].outputs["report"][0], "label_consistency_report.json")
    assert report["labels"]["n_distinct"] == 3 and not report["labels"]["free_text"]
    assert sorted(c["label"] for c in report["per_class"]) == [0, 1, 2]
    assert report["coincidence_matrix"]["labels"] == [0, 1, 2]
    assert np.array(report["coincidence_matrix"]["matrix"]).shape == (3, 3)
    assert report["n_items"] == 234 and report["n_annotators"] == 3
    # labeler C calls some Chinstraps (1) Adelies (0): that is the only confusion
    assert [sorted(c["labels"]) for c in report["confusions"]] == [[0, 1]]
    by_class = {c["label"]: c for c in report["per_class"]}
    assert by_class[2]["agreement"] == 1.0 and by_class[1]["agreement"] < by_class[0]["agreement"]
    assert report["label_errors"]["task"] == "multiclass" and report["label_errors"]["classes"] == [0, 1, 2]


def test_the_review_loop_relabels_queued_penguins_and_trains_on_them(penguin_run):
    from tfx_dcai.label_review.queue import read_report_artifact

    _, nodes = penguin_run
    report = read_report_artifact(nodes["LabelErrorQueue"].outputs["review_queue"][0].uri)
    assert report["estimated_errors"]["value"] > 0 and report["review_budget"] > 0
    cleaned = nodes["ApplyReviewedLabels"].outputs["cleaned_examples"][0]
    relabelled = cleaned.custom_properties["relabelled"].int_value
    assert 0.5 * report["review_budget"] < relabelled <= report["review_budget"]
    labels = _labels(_records(cleaned.uri, "train"))
    assert set(labels.tolist()) == {0, 1, 2}


def _input_ids(store, node_type_suffix, key):
    execution = [e for e in store.get_executions() if e.type.endswith(node_type_suffix)]
    assert len(execution) == 1, node_type_suffix
    return {ev.artifact_id for ev in store.get_events_by_execution_ids([execution[0].id])
            if ev.type == ev.INPUT and ev.path.steps[0].key == key}


def test_mlmd_lineage_the_analyzers_model_is_the_trainers(penguin_run):
    metadata, nodes = penguin_run
    store = sqlite_store(metadata)
    model = nodes["Trainer"].outputs["model"][0].id
    assert _input_ids(store, "SliceErrorAnalyzer", "model") == {model}
    assert _input_ids(store, "DriftValidator", "model") == {model}
    cleaned = nodes["ApplyReviewedLabels"].outputs["cleaned_examples"][0].id
    trainer_inputs = [ev.artifact_id for ev in store.get_events_by_execution_ids(
        [e.id for e in store.get_executions() if e.type.endswith("Trainer")]) if ev.type == ev.INPUT]
    assert cleaned in trainer_inputs  # Trainer.cleaned read the cleaned Examples


def test_the_reports_of_the_penguin_run_in_a_browser(penguin_run, request, tmp_path):
    from tests.browser import check_reports_of_a_run

    _, nodes = penguin_run
    pages = [(nodes["DriftValidator"], "drift_report", "drift_report.html"),
             (nodes["SliceErrorAnalyzer"], "slice_report", "slice_report.html"),
             (nodes["LabelConsistencyGen"], "report", "label_consistency_report.html"),
             (nodes["LabelErrorQueue"], "review_queue", "label_errors_report.html")]
    paths = [os.path.join(node.outputs[key][0].uri, page) for node, key, page in pages]
    assert all(os.path.exists(path) for path in paths), paths
    check_reports_of_a_run(request, paths, str(tmp_path))
