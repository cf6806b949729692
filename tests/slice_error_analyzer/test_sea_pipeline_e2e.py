"""End to end: the taxi pipeline with the slice-error branch under LocalDagRunner, read back from MLMD."""
import json
import os

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("taxi_pipeline")]


@pytest.fixture(scope="module")
def run(tmp_path_factory, small_taxi_data):
    from tfx_dcai.pipelines.local_runner import PIPELINE_NAME, run_local
    from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store
    from tfx_dcai.pipelines.slice_error_analyzer_branch import add_slice_error_analyzer

    output = str(tmp_path_factory.mktemp("taxi_slices"))
    paths = run_local(output, data_fraction=small_taxi_data[1]["request"]["fraction"],
                      branches=[add_slice_error_analyzer], train_steps=100, eval_steps=10)
    store = sqlite_store(paths.metadata_path)
    return store, {node.node: node for node in latest_run(store, PIPELINE_NAME)}


def test_analyzer_ran_on_the_trainers_model_with_lineage(run):
    store, nodes = run
    analyzer = nodes["SliceErrorAnalyzer"]
    assert analyzer.state == "COMPLETE"
    execution = [e for e in store.get_executions() if e.type.endswith("SliceErrorAnalyzer")][0]
    inputs = {ev.artifact_id for ev in store.get_events_by_execution_ids([execution.id]) if ev.type == ev.INPUT}
    assert nodes["Trainer"].outputs["model"][0].id in inputs
    assert nodes["StatisticsGen.train"].outputs["statistics"][0].id in inputs


def test_report_blessing_and_slicing_specs_are_written(run):
    _, nodes = run
    outputs = nodes["SliceErrorAnalyzer"].outputs
    report_dir = outputs["slice_report"][0].uri
    with open(os.path.join(report_dir, "slice_report.json")) as f:
        report = json.load(f)
    assert report["rows"]["read"] == report["rows"]["used"] + report["rows"]["dropped_missing_label"] + \
        report["rows"]["dropped_missing_prediction"]
    assert report["overall"]["n"] > 300 and 0 < report["overall"]["value"] < 0.5
    assert "tips" not in {f["name"] for f in report["features"]}
    # training shares come from the train split of the same StatisticsGen artifact
    level_one = [s for s in report["slices"] if s["level"] == 1]
    assert not level_one or any(s["representation"] is not None for s in level_one)
    fare = [f for f in report["features"] if f["name"] == "fare"][0]
    assert len(fare["bin_edges"]) >= 5  # bins from StatisticsGen's quantiles
    assert os.path.exists(os.path.join(report_dir, "slice_report.html"))
    assert os.path.exists(os.path.join(outputs["slicing_specs"][0].uri, "slicing_specs.json"))
    # first run: the resolver has no blessed model yet, so the gate honestly reports NO_BASELINE
    assert outputs["blessing"][0].custom_properties["blessed"].int_value == 2


def test_the_report_of_the_taxi_run_in_a_browser(run, request, tmp_path):
    from tests.browser import check_reports_of_a_run

    _, nodes = run
    check_reports_of_a_run(request, [os.path.join(nodes["SliceErrorAnalyzer"].outputs["slice_report"][0].uri,
                                                  "slice_report.html")], str(tmp_path))
