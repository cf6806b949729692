"""tfx_dcai.pipelines.kfp_local: the local KFP launcher emulation (conditions, inputs, outputs, skipping)."""
import json
import os
import sys

import pytest

from tfx_dcai.pipelines.kfp_local import SpecError, SpecRunner, evaluate_condition, topological_order

BLESSING = {"_G.blessing": [{"metadata": {"blessed": 1.0, "name": "x"}}]}


@pytest.mark.parametrize("condition, expected", [
    ("(inputs.artifacts['_G.blessing'].artifacts[0].metadata['blessed'] == 1.0)", True),
    ("(inputs.artifacts['_G.blessing'].artifacts[0].metadata['blessed'] == 0.0)", False),
    ("!(inputs.artifacts['_G.blessing'].artifacts[0].metadata['blessed'] != 1.0)", True),
    ("inputs.artifacts['_G.blessing'].artifacts[0].metadata['blessed'] == 1.0 && "
     "inputs.parameter_values['n'] > 2", True),
    ("inputs.parameter_values['n'] < 2 || string(inputs.artifacts['_G.blessing'].artifacts[0].metadata['name'])"
     " == 'y'", False),
    ("int(inputs.artifacts['_G.blessing'].artifacts[0].metadata['blessed']) == 1 && true", True),
])
def test_conditions(condition, expected):
    assert evaluate_condition(condition, BLESSING, {"n": 3}) is expected


def test_topological_order_breaks_ties_by_name_and_refuses_cycles():
    tasks = {"c": {"dependentTasks": ["a"]}, "b": {}, "a": {}, "d": {"dependentTasks": ["c", "b"]}}
    assert topological_order(tasks) == ["a", "b", "c", "d"]
    with pytest.raises(SpecError, match="cycle"):
        topological_order({"a": {"dependentTasks": ["b"]}, "b": {"dependentTasks": ["a"]}})


# A container that records its ExecutorInput and writes an executor_output.json with metadata blessed=<n>.
_TASK = r'''
import json, os, sys
invocation = json.loads(sys.argv[sys.argv.index("--json_serialized_invocation_args") + 1])
outputs = invocation["outputs"]
for key, listed in outputs["artifacts"].items():
    os.makedirs(listed["artifacts"][0]["uri"], exist_ok=True)
with open(os.path.join(os.path.dirname(outputs["outputFile"]), "invocation.json"), "w") as f:
    json.dump(invocation, f)
blessed = invocation["inputs"]["parameterValues"].get("blessed", 1)
os.makedirs(os.path.dirname(outputs["outputFile"]), exist_ok=True)
with open(outputs["outputFile"], "w") as f:
    json.dump({"artifacts": {k: {"artifacts": [{"uri": v["artifacts"][0]["uri"], "metadata": {"blessed": blessed}}]}
                             for k, v in outputs["artifacts"].items()}}, f)
'''


def _spec(root, blessed):
    def component(inputs, outputs):
        return {"executorLabel": "e",
                "inputDefinitions": {"artifacts": {k: {"artifactType": {"schemaTitle": "tfx.Examples"}}
                                                   for k in inputs}},
                "outputDefinitions": {"artifacts": {k: {"artifactType": {"schemaTitle": "tfx.Examples"}}
                                                    for k in outputs}}}
    container = {"image": "x", "command": [sys.executable, "-c", _TASK],
                 "args": ["--json_serialized_invocation_args", "{{$}}"]}
    gate = "(inputs.artifacts['_gen.blessing'].artifacts[0].metadata['blessed'] == 1.0)"
    return {
        "schemaVersion": "2.1.0", "pipelineInfo": {"name": "toy"}, "defaultPipelineRoot": root,
        "deploymentSpec": {"executors": {"e": {"container": container}}},
        "components": {"gen": component([], ["blessing"]), "use": component(["data"], ["out"]),
                       "after": component(["data"], ["out"])},
        "root": {"dag": {"tasks": {
            "gen": {"componentRef": {"name": "gen"}, "taskInfo": {"name": "gen"},
                    "inputs": {"parameters": {"blessed": {"runtimeValue": {"constant": blessed}}}}},
            "use": {"componentRef": {"name": "use"}, "dependentTasks": ["gen"], "triggerPolicy": {"condition": gate},
                    "inputs": {"artifacts": {
                        "data": {"taskOutputArtifact": {"producerTask": "gen", "outputArtifactKey": "blessing"}},
                        "_gen.blessing": {"taskOutputArtifact": {"producerTask": "gen",
                                                                 "outputArtifactKey": "blessing"}}}}},
            "after": {"componentRef": {"name": "after"}, "dependentTasks": ["use"],
                      "inputs": {"artifacts": {
                          "data": {"taskOutputArtifact": {"producerTask": "use", "outputArtifactKey": "out"}}}}}}}},
    }


def test_a_true_condition_runs_the_task_with_inputs_built_from_the_spec_and_upstream_outputs(tmp_path):
    results = SpecRunner(_spec(str(tmp_path), 1)).run()
    assert {n: r.state for n, r in results.items()} == {"gen": "COMPLETE", "use": "COMPLETE", "after": "COMPLETE"}
    run_dir = tmp_path / "toy" / "run-1"
    invocation = json.loads((run_dir / "use" / "invocation.json").read_text())
    data = invocation["inputs"]["artifacts"]["data"]["artifacts"][0]
    assert data["uri"] == str(run_dir / "gen" / "blessing") and data["metadata"] == {"blessed": 1}
    assert invocation["outputs"]["artifacts"]["out"]["artifacts"][0]["uri"] == str(run_dir / "use" / "out")
    assert invocation["outputs"]["outputFile"] == str(run_dir / "use" / "executor_output.json")
    gen = json.loads((run_dir / "gen" / "invocation.json").read_text())
    assert gen["inputs"]["parameterValues"] == {"blessed": 1}


def test_a_false_condition_skips_the_task_and_everything_downstream(tmp_path):
    results = SpecRunner(_spec(str(tmp_path), 0)).run()
    assert {n: r.state for n, r in results.items()} == {"gen": "COMPLETE", "use": "SKIPPED", "after": "SKIPPED"}
    assert not os.path.exists(tmp_path / "toy" / "run-1" / "use")


def test_a_failing_task_names_itself_and_shows_its_log(tmp_path):
    spec = _spec(str(tmp_path), 1)
    container = spec["deploymentSpec"]["executors"]["e"]["container"]
    container["command"] = [sys.executable, "-c", "raise SystemExit('boom')"]
    with pytest.raises(RuntimeError, match="(?s)task gen exited 1.*boom"):
        SpecRunner(spec).run()


def test_only_kfp_2_1_specs(tmp_path):
    with pytest.raises(SpecError, match="2.1.0"):
        SpecRunner({**_spec(str(tmp_path), 1), "schemaVersion": "2.0.0"})
