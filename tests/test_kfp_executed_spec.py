"""The compiled KFP 2.x spec of the whole taxi pipeline, executed task by task as KFP's v2 launcher does
(tfx_dcai.pipelines.kfp_local), gives the same reports as a LocalDagRunner run of the same pipeline on the same data.

The containers run the Dockerfile's ENTRYPOINT with its ENV (read from the Dockerfile), in `fork` mode: the same
`python -m tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor ARGS` in a pre-imported interpreter.
The annotation sample is the v1 one, so LabelConsistencyGen blocks and Trainer.consensus is skipped by its
condition, while RecordHistory.blessed_model runs by its condition on the Evaluator's blessing.
"""
import glob
import json
import os

import pytest

from tests.paths import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(5400)]  # two whole pipeline runs in its fixtures

TRAIN_STEPS, EVAL_STEPS = 100, 10
REPORTS = {  # task -> (output key, report name)
    "DriftValidator": ("drift_report", "drift"), "DriftValidator.control": ("drift_report", "drift"),
    "SliceErrorAnalyzer": ("slice_report", "slice"), "LabelConsistencyGen": ("report", "label_consistency")}


def _dockerfile_lines():
    with open(os.path.join(REPO_ROOT, "Dockerfile"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def dockerfile_entrypoint() -> list:
    """The image's ENTRYPOINT (exec form), which every compiled container command must equal."""
    entry = [line for line in _dockerfile_lines() if line.startswith("ENTRYPOINT ")]
    assert len(entry) == 1
    return json.loads(entry[0][len("ENTRYPOINT "):])


def dockerfile_env() -> dict:
    env = {}
    for line in _dockerfile_lines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def _pipeline(root, data_root, metadata=None):
    from tfx_dcai.beam_options import LOCAL_BEAM_ARGS
    from tfx_dcai.pipelines.taxi_pipeline import create_pipeline, default_branches
    from tfx_dcai.schemas import schema_path

    return create_pipeline(
        pipeline_name="dcai-taxi", pipeline_root=root, data_root=data_root,
        serving_model_dir=os.path.join(root, "serving_model"), metadata_connection_config=metadata,
        beam_pipeline_args=list(LOCAL_BEAM_ARGS), branches=default_branches("v1"), schema_path=schema_path("taxi"),
        train_steps=TRAIN_STEPS, eval_steps=EVAL_STEPS, trainer_module_file=None)


@pytest.fixture(scope="module")
def kfp_run(tmp_path_factory, small_taxi_data):
    from tfx_dcai.pipelines.kfp_local import SpecRunner
    from tfx_dcai.pipelines.kubeflow_runner import compile_pipeline

    root = str(tmp_path_factory.mktemp("kfp_root"))
    spec_file = os.path.join(root, "dcai_taxi.yaml")
    compile_pipeline(_pipeline(root, small_taxi_data[0]), spec_file, target="kfp", image="tfx-dcai:test")
    runner = SpecRunner(spec_file, env=dockerfile_env(), mode="fork")
    return root, runner.run(), runner


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, small_taxi_data):
    from tfx import v1 as tfx

    root = str(tmp_path_factory.mktemp("local_root"))
    metadata = tfx.orchestration.metadata.sqlite_metadata_connection_config(os.path.join(root, "metadata.sqlite"))
    tfx.orchestration.LocalDagRunner().run(_pipeline(root, small_taxi_data[0], metadata))
    return root


def normalized(report: dict) -> dict:
    """A report without what names the run: the context (artifact ids, run time) and history run labels."""
    report = dict(report)
    report.pop("context", None)
    if isinstance(report.get("history"), dict):
        report["history"] = {**report["history"], "runs": len(report["history"].get("runs", []))}
    return report


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_every_task_ran_and_conditions_decided_the_rest(kfp_run):
    _, results, runner = kfp_run
    states = {name: r.state for name, r in results.items()}
    assert set(states) == set(runner.spec["root"]["dag"]["tasks"])
    blessing = results["LabelConsistencyGen"].outputs["blessing"]["metadata"]["blessed"]
    assert blessing == 0 and states.pop("Trainer.consensus") == "SKIPPED"  # v1 blocks: the condition is false
    assert results["Evaluator"].outputs["blessing"]["metadata"]["blessed"] == 1
    drift = results["DriftValidator"].outputs["blessing"]["metadata"]["blessed"]
    assert drift == 0 and states.pop("Pusher") == "SKIPPED"  # serving 2015-16 drifted: the push gate is false
    assert set(states.values()) == {"COMPLETE"}  # RecordHistory.blessed_model among them: its condition held


def test_containers_run_the_dockerfile_entrypoint(kfp_run):
    _, _, runner = kfp_run
    for executor in runner.spec["deploymentSpec"]["executors"].values():
        assert executor["container"]["command"] == dockerfile_entrypoint()


def test_reports_equal_those_of_the_local_dag_runner(kfp_run, local_run):
    from tests.parity import FLOAT_TOLERANCE, differences

    _, results, _ = kfp_run
    for task, (key, name) in REPORTS.items():
        kfp_report = _read(os.path.join(results[task].outputs[key]["uri"], f"{name}_report.json"))
        local_files = glob.glob(os.path.join(local_run, task, key, "*", f"{name}_report.json"))
        assert len(local_files) == 1, task
        found = differences(normalized(kfp_report), normalized(_read(local_files[0])), FLOAT_TOLERANCE)
        assert found == [], (task, found[:10])


def test_blessings_equal_those_of_the_local_dag_runner(kfp_run, local_run):
    from ml_metadata import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    _, results, _ = kfp_run
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = os.path.join(local_run, "metadata.sqlite")
    store = metadata_store.MetadataStore(config)
    local = {}
    for artifact in store.get_artifacts():
        node, key = os.path.relpath(artifact.uri, local_run).split(os.sep)[:2]
        if key == "blessing":  # (ExampleValidator's anomalies carry a per-split `blessed` struct instead)
            local[node] = artifact.custom_properties["blessed"].int_value
    kfp = {task: int(r.outputs["blessing"]["metadata"]["blessed"]) for task, r in results.items()
           if "blessing" in r.outputs}
    assert kfp == local and set(kfp) >= {"DriftValidator", "DriftValidator.control", "Evaluator",
                                         "LabelConsistencyGen", "SliceErrorAnalyzer"}


def test_the_model_ledger_holds_the_blessed_model_for_the_next_run(kfp_run):
    from tfx_dcai.history import ledger_entries

    root, results, _ = kfp_run
    entries = ledger_entries(os.path.join(root, "tfx_dcai_history", "Trainer.model"))
    assert len(entries) == 1
    assert os.path.exists(os.path.join(root, "tfx_dcai_history", "Trainer.model", entries[0], "Format-Serving",
                                       "saved_model.pb"))
