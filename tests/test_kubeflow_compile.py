"""`dcai compile-kubeflow`: a KFP 2.x PipelineSpec YAML (schema 2.1.0, no resolvers) or a Vertex PipelineJob JSON."""
import json

import pytest
import yaml

from tests.test_taxi_pipeline_e2e import STANDARD_NODES

IMAGE = "europe-docker.pkg.dev/example/tfx/tfx-dcai:test"
DCAI_NODES = {"LabelConsistencyGen", "SimulatedLabelers", "Trainer.consensus", "SliceErrorAnalyzer",
              "DriftValidator", "DriftValidator.control", "DriftValidator.history", "DriftValidator.record_report",
              "latest_label_consistency_report", "LabelConsistencyGen.record_report",
              "ImportExampleGen.feedback_retraining", "FeedbackTrainingData", "Trainer.retrained",
              "Evaluator.retrained",
              "Pusher.retrained"}
EXPECTED_TASKS = STANDARD_NODES | DCAI_NODES


def _compile(tmp_path_factory, target, suffix, *extra):
    from tfx_dcai.pipelines.cli import main

    output = tmp_path_factory.mktemp(target) / f"pipeline.{suffix}"
    assert main(["compile-kubeflow", "--target", target, "--output", str(output), "--image", IMAGE,
                 "--pipeline-root", "gs://bucket/root", "--data-root", "gs://bucket/data", *extra]) == 0
    return output


@pytest.fixture(scope="module")
def kfp_file(tmp_path_factory):
    return _compile(tmp_path_factory, "kfp", "yaml")


@pytest.fixture(scope="module")
def kfp_spec(kfp_file):
    with open(kfp_file) as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def vertex_job(tmp_path_factory):
    with open(_compile(tmp_path_factory, "vertex", "json")) as f:
        return json.load(f)


def test_kfp_package_is_a_pipeline_spec_2_1_that_the_kfp_sdk_loads(kfp_file, kfp_spec):
    import kfp
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    assert kfp_spec["schemaVersion"] == "2.1.0" and "displayName" not in kfp_spec
    assert kfp_spec["defaultPipelineRoot"] == "gs://bucket/root"
    spec = json_format.ParseDict(kfp_spec, pipeline_spec_pb2.PipelineSpec())
    assert spec.pipeline_info.name == "dcai-taxi" and set(spec.root.dag.tasks) == EXPECTED_TASKS
    component = kfp.components.load_component_from_file(str(kfp_file))
    assert component.pipeline_spec.schema_version == "2.1.0"
    assert set(component.pipeline_spec.root.dag.tasks) == EXPECTED_TASKS


def test_kfp_package_has_no_resolvers_and_parameters_only_as_constants(kfp_spec):
    executors = kfp_spec["deploymentSpec"]["executors"]
    assert all(set(e) == {"container"} for e in executors.values()), "only container executors"
    for task in kfp_spec["root"]["dag"]["tasks"].values():
        for name, source in task.get("inputs", {}).get("parameters", {}).items():
            assert set(source) == {"runtimeValue"} and set(source["runtimeValue"]) == {"constant"}, name


def test_conditions_are_on_blessings(kfp_spec):
    tasks = kfp_spec["root"]["dag"]["tasks"]
    conditions = {name: t["triggerPolicy"]["condition"] for name, t in tasks.items() if "triggerPolicy" in t}
    assert conditions["Trainer.consensus"] == \
        "(inputs.artifacts['_LabelConsistencyGen.blessing'].artifacts[0].metadata['blessed'] == 1.0)"
    assert "_Evaluator.blessing" in conditions["RecordHistory.blessed_model"]
    retraining = "(inputs.artifacts['_DriftValidator.blessing'].artifacts[0].metadata['blessed'] == 0.0)"
    for task in ("FeedbackTrainingData", "Trainer.retrained", "Evaluator.retrained", "Pusher.retrained"):
        assert conditions[task] == retraining, task


def test_every_container_runs_the_image_with_the_dockerfile_entrypoint(kfp_spec):
    from tests.test_kfp_executed_spec import dockerfile_entrypoint

    for name, executor in kfp_spec["deploymentSpec"]["executors"].items():
        container = executor["container"]
        assert container["image"] == IMAGE, name
        assert container["command"] == dockerfile_entrypoint(), name


def test_container_paths_point_into_the_image_not_this_machine(kfp_spec):
    text = json.dumps(kfp_spec)
    assert "/tfx-dcai/schemas/taxi/schema.pbtxt" in text
    assert "tfx_dcai.pipelines.trainer.taxi_trainer.run_fn" in text
    assert "gs://bucket/root/tfx_dcai_history/DriftValidator.drift_report" in text
    assert "/work/" not in text and "/tmp/" not in text


def test_custom_artifact_types_are_named_for_the_container_to_import(kfp_spec):
    text = json.dumps(kfp_spec)
    for type_name in ("tfx_dcai.DriftReport", "tfx_dcai.LabelConsistencyReport", "tfx_dcai.SliceReport",
                      "tfx_dcai.DriftBlessing"):
        assert type_name in text


def test_vertex_target_keeps_the_pipeline_job_json(vertex_job):
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    assert vertex_job["runtimeConfig"]["gcsOutputDirectory"] == "gs://bucket/root"
    assert vertex_job["pipelineSpec"]["schemaVersion"] == "2.0.0"
    spec = json_format.ParseDict(vertex_job["pipelineSpec"], pipeline_spec_pb2.PipelineSpec())
    assert set(spec.root.dag.tasks) == EXPECTED_TASKS


def test_any_pipeline_function_compiles(tmp_path_factory):
    output = _compile(tmp_path_factory, "kfp", "yaml", "--pipeline", "tests.kfp_example_pipeline:create_pipeline")
    spec = yaml.safe_load(output.read_text())
    assert spec["pipelineInfo"]["name"] == "user-pipeline"
    assert set(spec["root"]["dag"]["tasks"]) == {"ImportExampleGen", "StatisticsGen"}
    assert spec["root"]["dag"]["tasks"]["ImportExampleGen"]["inputs"]["parameters"]["input_base"] == \
        {"runtimeValue": {"constant": "gs://bucket/data"}}


@pytest.mark.parametrize("pipeline, message", [
    ("tests.kfp_example_pipeline:with_resolver", "cannot run Resolver nodes (latest_model)"),
    ("tests.kfp_example_pipeline:not_a_pipeline", "returned int, not a tfx.dsl.Pipeline"),
    ("tests.kfp_example_pipeline:absent", "has no function 'absent'"),
    ("no_such_module:f", "cannot import 'no_such_module'"),
    ("no-colon", "expected MODULE:FUNCTION"),
])
def test_bad_pipelines_are_bad_input_with_one_line(tmp_path, capsys, pipeline, message):
    from tfx_dcai.pipelines.cli import main

    assert main(["compile-kubeflow", "--output", str(tmp_path / "p.yaml"), "--pipeline", pipeline]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
