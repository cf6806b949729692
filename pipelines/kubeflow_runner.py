"""Compiles a TFX pipeline for Kubeflow Pipelines 2.x (a PipelineSpec YAML) or Vertex AI (a PipelineJob JSON).

- `target="kfp"`: open-source Kubeflow Pipelines 2.x. The file is the YAML of a PipelineSpec with
  `schemaVersion: 2.1.0` (KubeflowV2DagRunner with `use_pipeline_spec_2_1=True`): parameters travel in
  `parameterValues`, the only field KFP's driver fills, and the pipeline root is the spec's
  `defaultPipelineRoot`. KFP has no resolver executors, so a pipeline with a Resolver node is refused
  (tfx_dcai.history reads earlier artifacts instead).
- `target="vertex"`: the PipelineJob JSON Vertex AI Pipelines takes (schema 2.0.0, runtimeConfig with the
  pipeline root).

Either runs every step in the image built from the repository's Dockerfile: TFX 1.16 and the tfx-dcai wheel,
installed from requirements/lock.txt; each container runs
`python -m tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor` (CONTAINER_COMMAND). Compiling
needs no cluster and no cloud access. The taxi pipeline's Trainer runs the image's installed
`tfx_dcai.pipelines.trainer.taxi_trainer.run_fn`, so nothing is uploaded at compile time.

Any pipeline compiles: `pipeline_function` names a `module:function` returning a `tfx.dsl.Pipeline`; it is
called with those of `pipeline_root`, `data_root`, `beam_pipeline_args` and `image` that it accepts.
"""
import importlib
import inspect
import json
import os
from typing import Callable, Dict, List, Optional, Sequence

from tfx_dcai.errors import InputError

CONTAINER_SCHEMA_DIR = "/tfx-dcai/schemas"  # the Dockerfile links the installed tfx_dcai/schemas here
CONTAINER_SCHEMA = f"{CONTAINER_SCHEMA_DIR}/taxi/schema.pbtxt"
CONTAINER_COMMAND = ["python", "-m", "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"]
DEFAULT_IMAGE = "tfx-dcai:0.2.0"
DEFAULT_PIPELINE_ROOT = "gs://YOUR_BUCKET/tfx-dcai/pipeline_root"
DEFAULT_DATA_ROOT = "gs://YOUR_BUCKET/tfx-dcai/data"
PIPELINE_NAME = "dcai-taxi"
TARGETS = ("kfp", "vertex")
SCHEMA_VERSION_KFP = "2.1.0"


class CompileError(InputError):
    """The pipeline cannot be compiled for the target (bad --pipeline, or nodes the target cannot run)."""


def taxi_pipeline(pipeline_root: str = DEFAULT_PIPELINE_ROOT, data_root: str = DEFAULT_DATA_ROOT,
                  beam_pipeline_args: Optional[Sequence[str]] = None, schema_path: str = CONTAINER_SCHEMA):
    """The taxi pipeline as the container runs it (the default `--pipeline`).

    Args:
      pipeline_root: where the artifacts (and the ledgers of earlier artifacts) go.
      data_root: where `dcai prepare-data` output is.
      beam_pipeline_args: the Beam stages' args.
      schema_path: the curated schema's path inside the container.

    Returns:
      The tfx.dsl.Pipeline.
    """
    from tfx_dcai.pipelines.taxi_pipeline import create_pipeline

    return create_pipeline(
        pipeline_name=PIPELINE_NAME, pipeline_root=pipeline_root, data_root=data_root,
        serving_model_dir=os.path.join(pipeline_root, "serving_model"),
        beam_pipeline_args=list(beam_pipeline_args or []),
        schema_path=schema_path, trainer_module_file=None)


def load_pipeline_function(spec: str) -> Callable:
    """The function named by `module:function` (e.g. `my_project.pipeline:create_pipeline`).

    Raises:
      CompileError: `spec` is not `module:function`, or the module or function cannot be found.
    """
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise CompileError(f"--pipeline {spec!r}: expected MODULE:FUNCTION, e.g. my_project.pipeline:create_pipeline")
    try:
        module = _import_from_cwd(module_name)
    except ImportError as exc:
        raise CompileError(f"--pipeline {spec!r}: cannot import {module_name!r} ({exc}); is it on PYTHONPATH?"
                           ) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise CompileError(f"--pipeline {spec!r}: {module_name} has no function {function_name!r}")
    return function


def _import_from_cwd(module_name: str):
    """import_module with the current directory importable during the import (as `python -m` makes it)."""
    import sys

    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    finally:
        if added:
            sys.path.remove(cwd)


def build_pipeline(function: Callable, **available):
    """Call `function` with the keyword arguments of `available` that its signature names; check the result."""
    from tfx import v1 as tfx

    parameters = inspect.signature(function).parameters
    takes_all = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    pipeline = function(**{k: v for k, v in available.items() if takes_all or k in parameters})
    if not isinstance(pipeline, tfx.dsl.Pipeline):
        raise CompileError(f"{function.__module__}.{function.__name__} returned {type(pipeline).__name__}, "
                           "not a tfx.dsl.Pipeline")
    return pipeline


def resolver_nodes(pipeline) -> List[str]:
    """The ids of the pipeline's Resolver nodes (Kubeflow Pipelines cannot run them)."""
    from tfx.dsl.components.common import resolver

    return sorted(node.id for node in pipeline.components if isinstance(node, resolver.Resolver))


def compile_pipeline(pipeline, output_file: str, target: str = "kfp", image: str = DEFAULT_IMAGE) -> Dict:
    """Compile `pipeline` for `target` and write it to `output_file`.

    Args:
      pipeline: a tfx.dsl.Pipeline.
      output_file: the file to write (any filesystem TFX's fileio supports).
      target: "kfp" (PipelineSpec YAML, schema 2.1.0) or "vertex" (PipelineJob JSON).
      image: the container image of every step.

    Returns:
      The written document as a dict (the PipelineSpec for kfp, the PipelineJob for vertex).

    Raises:
      CompileError: an unknown target, or Resolver nodes for kfp.
    """
    from tfx import v1 as tfx
    from tfx.dsl.io import fileio

    if target not in TARGETS:
        raise CompileError(f"--target {target!r}: choose one of {', '.join(TARGETS)}")
    if target == "kfp" and resolver_nodes(pipeline):
        raise CompileError(f"Kubeflow Pipelines cannot run Resolver nodes ({', '.join(resolver_nodes(pipeline))}): "
                           "read earlier artifacts with tfx_dcai.history.ReadHistory instead, or use --target vertex")
    runner = tfx.orchestration.experimental.KubeflowV2DagRunner(
        config=tfx.orchestration.experimental.KubeflowV2DagRunnerConfig(
            default_image=image, default_commands=list(CONTAINER_COMMAND), use_pipeline_spec_2_1=target == "kfp"),
        output_dir=os.path.dirname(output_file) or ".", output_filename=os.path.basename(output_file))
    job = runner.run(pipeline, write_out=False)
    directory = os.path.dirname(output_file)
    if directory and not fileio.exists(directory):
        fileio.makedirs(directory)
    if target == "vertex":
        with fileio.open(output_file, "w") as f:
            f.write(json.dumps(job, sort_keys=True, indent=1))
        return job
    import yaml

    spec = dict(job["pipelineSpec"])
    spec["defaultPipelineRoot"] = pipeline.pipeline_info.pipeline_root
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    unsupported = sorted(name for name, e in executors.items() if "resolver" in e)
    if unsupported:  # a Resolver-like node that is not a tfx Resolver class
        raise CompileError(f"Kubeflow Pipelines has no resolver executors: {', '.join(unsupported)}")
    with fileio.open(output_file, "w") as f:
        f.write(f"# PipelineSpec {spec['schemaVersion']} for Kubeflow Pipelines 2.x, compiled by tfx-dcai "
                f"({spec.get('sdkVersion', '')}).\n")
        f.write(yaml.safe_dump(spec, sort_keys=True))
    return spec


def compile_kubeflow(output_file: str, target: str = "kfp", pipeline_function: Optional[str] = None,
                     image: str = DEFAULT_IMAGE, pipeline_root: str = DEFAULT_PIPELINE_ROOT,
                     data_root: str = DEFAULT_DATA_ROOT, beam_pipeline_args: Optional[Sequence[str]] = None) -> str:
    """Compile the taxi pipeline, or the one `pipeline_function` (`module:function`) returns, to `output_file`.

    Args:
      output_file: the YAML (kfp) or JSON (vertex) file to write.
      target: "kfp" or "vertex".
      pipeline_function: `module:function` returning a tfx.dsl.Pipeline; None compiles the taxi pipeline.
      image: the container image of every step.
      pipeline_root: passed to the function if it takes `pipeline_root`.
      data_root: passed to the function if it takes `data_root`.
      beam_pipeline_args: passed to the function if it takes `beam_pipeline_args`.

    Returns:
      The path written.
    """
    function = load_pipeline_function(pipeline_function) if pipeline_function else taxi_pipeline
    pipeline = build_pipeline(function, pipeline_root=pipeline_root, data_root=data_root,
                              beam_pipeline_args=list(beam_pipeline_args or []), image=image)
    compile_pipeline(pipeline, output_file, target=target, image=image)
    return output_file
