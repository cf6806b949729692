"""End to end: the taxi pipeline under LocalDagRunner on a small deterministic sample, read back from MLMD."""
import os

import pytest

from tfx_dcai.pipelines.run_summary import anomalies_by_split, format_summary, latest_run, pushed_model, sqlite_store

pytestmark = pytest.mark.slow

STANDARD_NODES = {
    "ImportExampleGen.train", "ImportExampleGen.serving", "ImportExampleGen.feedback", "StatisticsGen.train",
    "StatisticsGen.serving", "StatisticsGen.feedback", "SchemaGen", "ImportSchemaGen", "ExampleValidator.train",
    "ExampleValidator.serving", "Trainer", "latest_blessed_model", "Evaluator", "RecordHistory.blessed_model", "Pusher"}


@pytest.fixture(scope="module")
def pipeline_runs(tmp_path_factory, small_taxi_data):
    """Three runs of the standard pipeline in one output directory (one ML Metadata store): the second with the
    cache, the third without."""
    from tfx_dcai.pipelines.local_runner import PIPELINE_NAME, run_local

    output = str(tmp_path_factory.mktemp("taxi_run"))
    runs = []
    for enable_cache in (True, True, False):
        paths = run_local(output, data_fraction=small_taxi_data[1]["request"]["fraction"], branches=[],
                          train_steps=100, eval_steps=10, enable_cache=enable_cache)
        runs.append(latest_run(sqlite_store(paths.metadata_path), PIPELINE_NAME))
    return paths, runs


def by_node(run):
    return {node.node: node for node in run}


def test_every_standard_component_ran(pipeline_runs):
    _, (first, _, _) = pipeline_runs
    assert set(by_node(first)) == STANDARD_NODES
    assert {node.state for node in first} == {"COMPLETE"}


def test_model_was_trained_blessed_and_pushed(pipeline_runs):
    paths, (first, _, _) = pipeline_runs
    nodes = by_node(first)
    blessing = nodes["Evaluator"].outputs["blessing"][0]
    assert blessing.custom_properties["blessed"].int_value == 1
    destination = pushed_model(first)
    assert destination and destination.startswith(paths.serving_model_dir)
    assert os.path.exists(os.path.join(destination, "saved_model.pb"))


def test_pushed_model_is_the_trained_model_in_mlmd_lineage(pipeline_runs):
    paths, (first, _, _) = pipeline_runs
    store = sqlite_store(paths.metadata_path)
    trained = by_node(first)["Trainer"].outputs["model"][0]
    pusher_execution = [e for e in store.get_executions() if e.type.endswith("Pusher")][0]
    inputs = [ev.artifact_id for ev in store.get_events_by_execution_ids([pusher_execution.id])
              if ev.type == ev.INPUT]
    assert trained.id in inputs


def test_serving_data_was_validated_in_the_serving_environment(pipeline_runs):
    _, (first, _, _) = pipeline_runs
    nodes = by_node(first)
    serving = anomalies_by_split(nodes["ExampleValidator.serving"].outputs["anomalies"][0])
    assert serving == {"serving": []}  # the label is absent from serving data and that is not an anomaly
    training = anomalies_by_split(nodes["ExampleValidator.train"].outputs["anomalies"][0])
    assert training == {"train": [], "eval": []}


def test_serving_statistics_have_no_label(pipeline_runs):
    from tfx.components.statistics_gen import stats_artifact_utils
    from tfx.types import standard_artifacts

    _, (first, _, _) = pipeline_runs
    artifact = standard_artifacts.ExampleStatistics()
    artifact.set_mlmd_artifact(by_node(first)["StatisticsGen.serving"].outputs["statistics"][0])
    names = {f.path.step[0] for f in stats_artifact_utils.load_statistics(artifact, "serving").proto()
             .datasets[0].features}
    assert "big_tipper" not in names and "tips" not in names and "fare" in names


def states(run) -> dict:
    return {node.node: node.state for node in run}


def test_rerun_with_unchanged_inputs_is_served_from_the_cache(pipeline_runs):
    _, (first, second, _) = pipeline_runs
    assert states(second) == {name: "CACHED" for name in STANDARD_NODES}
    blessing = [by_node(run)["Evaluator"].outputs["blessing"][0].id for run in (first, second)]
    assert blessing[0] == blessing[1]


def _history_index(node):
    import json
    with open(os.path.join(node.outputs["history"][0].uri, "history.json")) as f:
        return json.load(f)


def test_first_run_has_no_baseline_and_records_its_blessed_model(pipeline_runs):
    _, (first, _, _) = pipeline_runs
    index = _history_index(by_node(first)["latest_blessed_model"])
    assert index["entries"] == []  # the candidate itself was copied, so the Evaluator's change threshold passes
    assert index["default_uri"] == by_node(first)["Trainer"].outputs["model"][0].uri
    assert by_node(first)["RecordHistory.blessed_model"].state == "COMPLETE"


def test_a_run_without_cache_is_evaluated_against_the_first_runs_blessed_model(pipeline_runs):
    from tfx_dcai.history import ledger_entries

    paths, (first, _, third) = pipeline_runs
    assert set(states(third).values()) == {"COMPLETE"}
    index = _history_index(by_node(third)["latest_blessed_model"])
    assert [e["source_uri"] for e in index["entries"]] == [by_node(first)["Trainer"].outputs["model"][0].uri]
    blessing = by_node(third)["Evaluator"].outputs["blessing"][0]
    assert blessing.custom_properties["blessed"].int_value == 1
    ledger = os.path.join(paths.pipeline_root, "tfx_dcai_history", "Trainer.model")
    assert len(ledger_entries(ledger)) == 2  # the third run's blessed model was recorded as well


def test_summary_names_the_pushed_model_and_the_validation(pipeline_runs):
    paths, (first, _, _) = pipeline_runs
    summary = format_summary(first, paths.metadata_path)
    assert f"Pushed model: {pushed_model(first)}" in summary
    assert "ExampleValidator.serving [serving]: no anomalies" in summary
    assert "Trainer" in summary and "COMPLETE" in summary
