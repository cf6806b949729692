"""End to end on the real stack: LocalDagRunner, SQLite MLMD, prepared taxi data, simulated labelers v1 then v2."""
import glob
import os

import pytest
from tfx import v1 as tfx

from tests.browser import check_reports_of_a_run
from tfx_dcai.label_consistency.report import read_report
from tfx_dcai.pipelines.label_consistency_branch import add_label_consistency
from tfx_dcai.pipelines.run_summary import latest_run, sqlite_store
from tfx_dcai.pipelines.taxi_data import prepare_taxi_data
from tfx_dcai.pipelines.taxi_pipeline import create_nodes
from tfx_dcai.beam_options import LOCAL_BEAM_ARGS  # noqa: E402

BEAM_ARGS = list(LOCAL_BEAM_ARGS)


def _run(root, version):
    data_root = os.path.join(root, "data")
    prepare_taxi_data(data_root, fraction=0.15)
    nodes = create_nodes(data_root, os.path.join(root, "serving_model"))
    branch = add_label_consistency(nodes, instructions_version=version, n_items=400, train_steps=20, eval_steps=5)
    pipeline = tfx.dsl.Pipeline(
        pipeline_name="lc_e2e", pipeline_root=os.path.join(root, "pipeline_root"),
        components=[nodes.train_gen, nodes.schema] + branch, enable_cache=True,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, "metadata.sqlite")),
        beam_pipeline_args=BEAM_ARGS)
    tfx.orchestration.LocalDagRunner().run(pipeline)
    return {run.node: run for run in latest_run(sqlite_store(os.path.join(root, "metadata.sqlite")), "lc_e2e")}


@pytest.mark.slow
def test_v1_blocks_naming_the_class_then_v2_passes_and_feeds_the_trainer(tmp_path, request):
    root = str(tmp_path)
    v1 = _run(root, "v1")
    gen = v1["LabelConsistencyGen"]
    report = read_report(gen.outputs["report"][0].uri)
    assert report["status"] == "INCONSISTENT" and report["n_items"] == 400
    assert any(f.startswith("revise the instructions for class 1: labelers split 1/0") for f in report["findings"])
    assert gen.outputs["blessing"][0].custom_properties["blessed"].int_value == 0
    assert v1.get("Trainer.consensus") is None or v1["Trainer.consensus"].state != "COMPLETE"

    v2 = _run(root, "v2")
    report2 = read_report(v2["LabelConsistencyGen"].outputs["report"][0].uri)
    assert report2["status"] == "CONSISTENT"
    assert report2["revision"]["previous_instructions_version"] == "v1"
    positive = next(r for r in report2["revision"]["per_class"] if r["label"] == 1)
    assert positive["agreement_before"] < 0.8 <= positive["agreement_after"]
    assert v2["Trainer.consensus"].state == "COMPLETE"
    model_uri = v2["Trainer.consensus"].outputs["model"][0].uri
    assert glob.glob(os.path.join(model_uri, "**", "saved_model.pb"), recursive=True)
    check_reports_of_a_run(request, [os.path.join(run["LabelConsistencyGen"].outputs["report"][0].uri,
                                                  "label_consistency_report.html") for run in (v1, v2)],
                           str(tmp_path / "screenshots"))
