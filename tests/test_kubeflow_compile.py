"""`dcai compile-kubeflow` writes a KFP v2 PipelineSpec whose every component runs the given image."""
import json

import pytest

from tests.test_taxi_pipeline_e2e import STANDARD_NODES

IMAGE = "europe-docker.pkg.dev/example/tfx/tfx-dcai:test"
DCAI_NODES = {"LabelConsistencyGen", "SimulatedLabelers", "Trainer.consensus", "SliceErrorAnalyzer",
              "DriftValidator", "DriftValidator.control"}
EXPECTED_TASKS = (STANDARD_NODES - {"latest_blessed_model_resolver"}) | DCAI_NODES


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    from tfx_dcai.pipelines.cli import main

    output = tmp_path_factory.mktemp("kfp") / "pipeline.json"
    assert main(["compile-kubeflow", "--output", str(output), "--image", IMAGE,
                 "--pipeline-root", "gs://bucket/root", "--data-root", "gs://bucket/data"]) == 0
    with open(output) as f:
        return json.load(f)


def test_json_parses_as_a_kfp_pipeline_spec(compiled):
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    spec = json_format.ParseDict(compiled["pipelineSpec"], pipeline_spec_pb2.PipelineSpec())
    assert spec.pipeline_info.name == "dcai-taxi"
    assert compiled["runtimeConfig"]["gcsOutputDirectory"] == "gs://bucket/root"
    assert set(spec.root.dag.tasks) >= EXPECTED_TASKS


def test_every_container_runs_the_given_image_with_the_tfx_entrypoint(compiled):
    executors = compiled["pipelineSpec"]["deploymentSpec"]["executors"]
    containers = {name: e["container"] for name, e in executors.items() if "container" in e}
    assert {f"{n}_executor" for n in EXPECTED_TASKS} <= set(containers)
    for name, container in containers.items():
        assert container["image"] == IMAGE, name
        assert "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor" in " ".join(
            container.get("command", []) + container.get("args", [])), name


def test_container_paths_point_into_the_image_not_this_machine(compiled):
    text = json.dumps(compiled)
    assert "/tfx-dcai/schemas/taxi/schema.pbtxt" in text
    assert "tfx_dcai.pipelines.trainer.taxi_trainer.run_fn" in text
    assert "/work/" not in text and "/tmp/" not in text


def test_custom_artifact_types_are_named_for_the_container_to_import(compiled):
    text = json.dumps(compiled)
    for type_name in ("tfx_dcai.DriftReport", "tfx_dcai.LabelConsistencyReport", "tfx_dcai.SliceReport",
                      "tfx_dcai.DriftBlessing"):
        assert type_name in text
