"""Execute a compiled Kubeflow Pipelines 2.x PipelineSpec on this machine, task by task, as KFP's v2 launcher does.

For each task of the root DAG, in topological order (ties by name):
- its condition (`triggerPolicy.condition`, the CEL subset TFX's `tfx.dsl.Cond` compiles to) is evaluated on the
  upstream artifacts' metadata; a false condition skips the task, and every task that depends on a skipped
  task is skipped too;
- the ExecutorInput is built from the spec: parameters from `runtimeValue.constant` into `parameterValues` (the
  only field KFP's driver fills), input artifacts from the producers' outputs (URI and the `metadata` their
  `executor_output.json` recorded), output artifacts with URIs `<root>/<pipeline>/<run>/<task>/<key>` and the
  output file `<root>/<pipeline>/<run>/<task>/executor_output.json`;
- the container's `command` + `args` run with `{{$}}` replaced by that ExecutorInput's JSON.

Open-source KFP's launcher does not run TFX's `lifecycle.preCacheCheck` hook (Vertex AI does); neither does this
runner unless `lifecycle_hooks=True`. Not emulated: caching, retries, importer and resolver nodes (refused), sub-DAGs
(refused), pipeline-level input parameters other than their defaults.

`mode="subprocess"` runs the exact command (the container's `python` is the first on PATH, e.g. a venv's).
`mode="fork"` runs the same module with the same argv (`runpy`, as `python -m` does) in a child forked from one
interpreter that imported TFX once: the same code path without ~20 s of imports per task.
"""
import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

PLACEHOLDER = "{{$}}"


class SpecError(ValueError):
    """The spec uses a feature this runner does not emulate."""


class TaskFailed(RuntimeError):
    """A task's container exited non-zero."""


@dataclasses.dataclass
class TaskResult:
    """What one task did: state COMPLETE or SKIPPED, its output artifacts (RuntimeArtifact dicts), its log."""
    name: str
    state: str
    outputs: Dict[str, dict] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    log: Optional[str] = None


class _Namespace(dict):
    """A dict whose keys are also attributes, for evaluating CEL paths like `inputs.artifacts['x'].metadata`."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _wrap(value):
    if isinstance(value, dict):
        return _Namespace({k: _wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def evaluate_condition(condition: str, artifacts: Dict[str, List[dict]], parameters: Dict[str, object]) -> bool:
    """Evaluate a KFP trigger condition (CEL: comparisons, &&, ||, !, int(), double(), string()).

    Args:
      condition: e.g. "(inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata['blessed'] == 1.0)".
      artifacts: the task's input artifacts, key -> [RuntimeArtifact dict with "metadata"].
      parameters: the task's input parameter values.

    Returns:
      The condition's truth value.
    """
    expression = condition.replace("&&", " and ").replace("||", " or ")
    expression = re.sub(r"!(?!=)", " not ", expression)
    expression = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", expression))
    inputs = _wrap({"artifacts": {k: {"artifacts": v} for k, v in artifacts.items()},
                    "parameter_values": parameters, "parameterValues": parameters})
    names = {"inputs": inputs, "int": int, "double": float, "string": str}
    return bool(eval(expression, {"__builtins__": {}}, names))  # noqa: S307 - a spec we compiled ourselves


def topological_order(tasks: Dict[str, dict]) -> List[str]:
    """Task names in dependency order (dependentTasks), ties broken by name."""
    remaining = {name: set(task.get("dependentTasks", [])) for name, task in tasks.items()}
    order = []
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps - set(order))
        if not ready:
            raise SpecError(f"dependency cycle among {sorted(remaining)}")
        order.append(ready[0])
        del remaining[ready[0]]
    return order


class _ForkServer:
    """One interpreter that imported `warm_modules`; runs `python -m MODULE ARGS` jobs in forked children."""

    _CODE = r'''
import importlib, json, os, runpy, sys, traceback
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1); os.dup2(fd, 2)
            os.chdir(job["cwd"]); os.environ.update(job["env"])
            sys.argv = [job["module"]] + job["args"]
            runpy.run_module(job["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush(); sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
'''

    def __init__(self, python: str, warm_modules: Sequence[str], env: Dict[str, str]):
        self._process = subprocess.Popen([python, "-c", self._CODE, *warm_modules], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, env=env)
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the fork server could not import {list(warm_modules)}")

    def run(self, module: str, args: List[str], env: Dict[str, str], cwd: str, log: str) -> int:
        self._process.stdin.write(json.dumps({"module": module, "args": args, "env": env, "cwd": cwd,
                                              "log": log}) + "\n")
        self._process.stdin.flush()
        return json.loads(self._process.stdout.readline())["code"]

    def close(self):
        self._process.stdin.close()
        self._process.wait(timeout=60)


WARM_MODULES = ("tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor", "tensorflow_data_validation",
                "tfx.components", "tfx_dcai.drift_validator.executor", "tfx_dcai.slice_error_analyzer.executor",
                "tfx_dcai.label_consistency.executor")


class SpecRunner:
    """Runs a PipelineSpec (dict or YAML file) on a local pipeline root; see the module docstring.

    Args:
      spec: the PipelineSpec dict, or the path of the YAML `dcai compile-kubeflow --target kfp` writes.
      pipeline_root: the root for the run's artifacts (default: the spec's defaultPipelineRoot).
      run_id: the run's folder name under `<root>/<pipeline name>/`.
      env: extra environment variables for the containers (e.g. the image's ENV lines).
      python_bin_dir: a directory put first on PATH, so the command's `python` is that interpreter.
      mode: "subprocess" or "fork".
      lifecycle_hooks: run `lifecycle.preCacheCheck` before a task's container (Vertex AI does; KFP does not).
    """

    def __init__(self, spec, pipeline_root: Optional[str] = None, run_id: str = "run-1",
                 env: Optional[Dict[str, str]] = None, python_bin_dir: Optional[str] = None,
                 mode: str = "subprocess", lifecycle_hooks: bool = False):
        if isinstance(spec, str):
            import yaml
            with open(spec, encoding="utf-8") as f:  # local
                spec = yaml.safe_load(f)
        if spec.get("schemaVersion") != "2.1.0":
            raise SpecError(f"schemaVersion {spec.get('schemaVersion')!r}: this runner takes KFP's 2.1.0 "
                            "(dcai compile-kubeflow --target kfp)")
        if mode not in ("subprocess", "fork"):
            raise ValueError(f"mode must be subprocess or fork, got {mode!r}")
        self.spec = spec
        self.root = pipeline_root or spec["defaultPipelineRoot"]
        self.run_dir = os.path.join(self.root, spec["pipelineInfo"]["name"], run_id)
        self.env = dict(env or {})
        self.python_bin_dir = python_bin_dir or os.path.dirname(sys.executable)
        self.mode = mode
        self.lifecycle_hooks = lifecycle_hooks
        self.results: Dict[str, TaskResult] = {}
        self._server = None

    def _process_env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["PATH"] = self.python_bin_dir + os.pathsep + env.get("PATH", "")
        return env

    def _parameters(self, task: dict) -> Dict[str, object]:
        values = {}
        for key, source in task.get("inputs", {}).get("parameters", {}).items():
            if "runtimeValue" in source and "constant" in source["runtimeValue"]:
                values[key] = source["runtimeValue"]["constant"]
            elif "componentInputParameter" in source:
                definition = self.spec["root"].get("inputDefinitions", {}).get("parameters", {})
                values[key] = definition[source["componentInputParameter"]]["defaultValue"]
            elif "taskOutputParameter" in source:
                raise SpecError(f"task output parameters are not emulated ({key})")
            else:
                raise SpecError(f"parameter {key}: unsupported source {sorted(source)}")
        return values

    def _input_artifacts(self, name: str, task: dict) -> Optional[Dict[str, List[dict]]]:
        artifacts = {}
        for key, source in task.get("inputs", {}).get("artifacts", {}).items():
            if "taskOutputArtifact" not in source:
                raise SpecError(f"task {name} input {key}: only taskOutputArtifact inputs are emulated")
            producer = source["taskOutputArtifact"]["producerTask"]
            result = self.results[producer]
            if result.state != "COMPLETE":
                return None
            artifacts[key] = [result.outputs[source["taskOutputArtifact"]["outputArtifactKey"]]]
        return artifacts

    def _output_artifacts(self, name: str, component: dict) -> Dict[str, List[dict]]:
        outputs = {}
        for key, definition in component.get("outputDefinitions", {}).get("artifacts", {}).items():
            uri = os.path.join(self.run_dir, name, key)
            outputs[key] = [{"name": f"{self.run_dir}/{name}/{key}", "uri": uri, "metadata": {},
                             "type": definition["artifactType"]}]
        return outputs

    def _run_container(self, name: str, container: dict, invocation: str, log: str) -> int:
        args = [invocation if a == PLACEHOLDER else a for a in container.get("args", [])]
        leftover = [a for a in args if "{{$" in a]
        if leftover:
            raise SpecError(f"task {name}: placeholders other than {PLACEHOLDER} are not emulated: {leftover}")
        command = list(container.get("command", []))
        cwd = os.path.join(self.run_dir, name)
        os.makedirs(cwd, exist_ok=True)
        if self.mode == "fork":
            if command[:2] != ["python", "-m"] or len(command) != 3:
                raise SpecError(f"task {name}: fork mode runs `python -m MODULE` commands, not {command}")
            if self._server is None:
                self._server = _ForkServer(os.path.join(self.python_bin_dir, "python"), WARM_MODULES,
                                           self._process_env())
            return self._server.run(command[2], args, self.env, cwd, log)
        with open(log, "w", encoding="utf-8") as out:  # local
            return subprocess.run(command + args, env=self._process_env(), cwd=cwd, stdout=out,
                                  stderr=subprocess.STDOUT, check=False).returncode

    def run_task(self, name: str) -> TaskResult:
        """Run (or skip) one task whose upstream tasks have run."""
        task = self.spec["root"]["dag"]["tasks"][name]
        component = self.spec["components"][task["componentRef"]["name"]]
        if "dag" in component:
            raise SpecError(f"task {name}: sub-DAGs are not emulated")
        executor = self.spec["deploymentSpec"]["executors"][component["executorLabel"]]
        if "container" not in executor:
            raise SpecError(f"task {name}: only container executors run on KFP; got {sorted(executor)}")
        if any(self.results[d].state != "COMPLETE" for d in task.get("dependentTasks", [])):
            return TaskResult(name, "SKIPPED")
        artifacts = self._input_artifacts(name, task)
        parameters = self._parameters(task)
        condition = task.get("triggerPolicy", {}).get("condition")
        if artifacts is None or (condition and not evaluate_condition(condition, artifacts, parameters)):
            return TaskResult(name, "SKIPPED")
        outputs = self._output_artifacts(name, component)
        output_file = os.path.join(self.run_dir, name, "executor_output.json")
        invocation = json.dumps({
            "inputs": {"parameterValues": parameters, "artifacts": {k: {"artifacts": v} for k, v in artifacts.items()}},
            "outputs": {"artifacts": {k: {"artifacts": v} for k, v in outputs.items()}, "outputFile": output_file}})
        log = os.path.join(self.run_dir, name, "task.log")
        start = time.monotonic()
        hooks = [executor["container"]["lifecycle"]["preCacheCheck"]] if (
            self.lifecycle_hooks and "preCacheCheck" in executor["container"].get("lifecycle", {})) else []
        for container in hooks + [executor["container"]]:
            code = self._run_container(name, container, invocation, log)
            if code != 0:
                with open(log, encoding="utf-8", errors="replace") as f:  # local
                    tail = "".join(f.readlines()[-30:])
                raise TaskFailed(f"task {name} exited {code}; last lines of {log}:\n{tail}")
        with open(output_file, encoding="utf-8") as f:  # local
            executed = json.load(f)
        for key, listed in executed.get("artifacts", {}).items():
            for artifact in listed.get("artifacts", []):
                outputs[key][0]["metadata"] = artifact.get("metadata", {})
        return TaskResult(name, "COMPLETE", {k: v[0] for k, v in outputs.items()}, time.monotonic() - start, log)

    def run(self, tasks: Optional[Sequence[str]] = None) -> Dict[str, TaskResult]:
        """Run every task (or those named, in dependency order; their upstream tasks must have run).

        Returns:
          name -> TaskResult for the tasks run so far.
        """
        names = topological_order(self.spec["root"]["dag"]["tasks"])
        try:
            for name in names if tasks is None else [n for n in names if n in set(tasks)]:
                self.results[name] = self.run_task(name)
        finally:
            if self._server is not None:
                self._server.close()
                self._server = None
        return self.results
