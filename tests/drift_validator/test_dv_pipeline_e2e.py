"""End to end: the taxi pipeline with the drift branch under LocalDagRunner, twice (history from MLMD)."""
import json
import os
import shutil

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("taxi_pipeline")]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, small_taxi_data):
    """(store, nodes of the first run, nodes of the second run). The first run has the retraining branch (drift
    blocks, so it retrains); the second gets new serving data and only the drift branch, to test the history."""
    from tfx_dcai.pipelines.drift_validator_branch import add_drift_validator
    from tfx_dcai.pipelines.local_runner import PIPELINE_NAME, run_local
    from tfx_dcai.pipelines.retraining_branch import add_feedback_retraining
    from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store

    output = str(tmp_path_factory.mktemp("taxi_drift"))
    fraction = small_taxi_data[1]["request"]["fraction"]
    first = run_local(output, data_fraction=fraction, branches=[add_drift_validator, add_feedback_retraining],
                      train_steps=100, eval_steps=10)
    first_nodes = {node.node: node for node in latest_run(sqlite_store(first.metadata_path), PIPELINE_NAME)}
    # New serving data arrives (a second file: the first week again): the serving branch re-runs, so the history
    # reader re-reads the ledger (with unchanged inputs every node would be cached, history and all).
    serving = os.path.join(first.data_root, "serving")
    shutil.copy(os.path.join(serving, "trips.tfrecord.gz"), os.path.join(serving, "trips-next.tfrecord.gz"))
    paths = run_local(output, data_fraction=fraction, branches=[add_drift_validator], train_steps=100, eval_steps=10)
    store = sqlite_store(paths.metadata_path)
    return store, first_nodes, {node.node: node for node in latest_run(store, PIPELINE_NAME)}


@pytest.fixture(scope="module")
def runs(pipeline):
    store, _, nodes = pipeline
    return store, nodes


def _report(node):
    with open(os.path.join(node.outputs["drift_report"][0].uri, "drift_report.json")) as f:
        return json.load(f)


def test_serving_2015_16_drifts_from_training_2013_14_with_lineage(runs):
    store, nodes = runs
    monitor = nodes["DriftValidator"]
    assert monitor.state == "COMPLETE"
    report = _report(monitor)
    assert report["status"] == "DRIFT"
    names = {f["name"] for f in report["features"]}
    assert "tips" not in names and "big_tipper" not in names  # SERVING environment
    assert "trip_start_timestamp" in {f["name"] for f in report["features"] if f["drift"]}
    assert report["multivariate"]["auc"] > 0.7 and report["multivariate"]["drift"]
    concept = report["concept_drift"]
    assert concept["metric"] == "auc" and concept["n_current"] > 100 and len(concept["difference_ci"]) == 2
    assert monitor.outputs["blessing"][0].custom_properties["blessed"].int_value == 0
    report_id = monitor.outputs["drift_report"][0].id
    execution_id = [ev.execution_id for ev in store.get_events_by_artifact_ids([report_id]) if ev.type == ev.OUTPUT][0]
    inputs = {ev.artifact_id for ev in store.get_events_by_execution_ids([execution_id]) if ev.type == ev.INPUT}
    assert nodes["Trainer"].outputs["model"][0].id in inputs
    assert nodes["StatisticsGen.serving"].outputs["statistics"][0].id in inputs


def test_history_comes_from_the_previous_run_in_mlmd(runs):
    _, nodes = runs
    history = _report(nodes["DriftValidator"])["history"]
    assert len(history["runs"]) == 2 and history["runs"][-1] == "this run"
    assert history["features"]["fare"][0] is not None


def test_control_two_random_halves_of_training_data_pass(runs):
    _, nodes = runs
    control = nodes["DriftValidator.control"]
    report = _report(control)
    assert report["status"] == "NO_DRIFT", [f["name"] for f in report["features"] if f["drift"]]
    assert not report["multivariate"]["drift"]
    assert control.outputs["blessing"][0].custom_properties["blessed"].int_value == 1


def test_the_reports_of_the_taxi_run_in_a_browser(runs, request, tmp_path):
    from tests.browser import check_reports_of_a_run

    _, nodes = runs
    check_reports_of_a_run(request, [os.path.join(node.outputs["drift_report"][0].uri, "drift_report.html")
                                     for name, node in sorted(nodes.items()) if "drift_report" in node.outputs],
                           str(tmp_path))


def test_drift_blocks_so_the_model_is_retrained_on_feedback_and_pushed_only_if_better(pipeline):
    from tfx_dcai.pipelines.retraining_branch import MIN_AUC_GAIN, holdout_metrics
    from tfx_dcai.pipelines.taxi_pipeline import ACCURACY_THRESHOLD

    store, nodes, _ = pipeline
    assert nodes["DriftValidator"].outputs["blessing"][0].custom_properties["blessed"].int_value == 0
    for name in ("FeedbackTrainingData", "Trainer.retrained", "Evaluator.retrained", "Pusher.retrained"):
        assert nodes[name].state == "COMPLETE", name  # the condition (drift blocks) held
    assert nodes.get("Pusher") is None or nodes["Pusher"].state != "COMPLETE"  # not pushed while drift blocks
    evaluator = nodes["Evaluator.retrained"]
    metrics = holdout_metrics(evaluator.outputs["evaluation"][0].uri)
    retrained, current = metrics["candidate"], metrics["baseline"]
    assert retrained["example_count"] == current["example_count"] > 50  # both on the same held-out feedback
    better = retrained["auc"] - current["auc"] > MIN_AUC_GAIN and retrained["binary_accuracy"] >= ACCURACY_THRESHOLD
    blessed = evaluator.outputs["blessing"][0].custom_properties["blessed"].int_value
    assert blessed == int(better), (retrained, current)
    pushed = nodes["Pusher.retrained"].outputs["pushed_model"][0].custom_properties["pushed"].int_value
    assert pushed == blessed
    report_id = evaluator.outputs["evaluation"][0].id
    execution = [ev.execution_id for ev in store.get_events_by_artifact_ids([report_id]) if ev.type == ev.OUTPUT][0]
    inputs = {ev.artifact_id for ev in store.get_events_by_execution_ids([execution]) if ev.type == ev.INPUT}
    assert {nodes["Trainer.retrained"].outputs["model"][0].id, nodes["Trainer"].outputs["model"][0].id} <= inputs
