"""Runs the taxi pipeline locally: LocalDagRunner, Beam (DirectRunner by default), SQLite ML Metadata.

`beam_pipeline_args` pass through unchanged, so the same pipeline runs its Beam stages on Dataflow, Flink or
Spark (docs/running.md lists the flags); without any, Beam runs in this process (tfx_dcai.beam_options).
"""
import dataclasses
import os
from typing import Optional, Sequence

PIPELINE_NAME = "dcai_taxi"


@dataclasses.dataclass(frozen=True)
class LocalPaths:
    """Where a local run keeps everything, under one output directory."""
    output_dir: str

    @property
    def data_root(self) -> str:
        return os.path.join(self.output_dir, "data")

    @property
    def pipeline_root(self) -> str:
        return os.path.join(self.output_dir, "pipeline_root")

    @property
    def metadata_path(self) -> str:
        return os.path.join(self.output_dir, "metadata.sqlite")

    @property
    def serving_model_dir(self) -> str:
        return os.path.join(self.output_dir, "serving_model")


def run_local(output_dir: str, beam_pipeline_args: Optional[Sequence[str]] = None, data_fraction: float = 1.0,
              enable_cache: bool = True, branches=None, train_steps: int = 500, eval_steps: int = 50) -> LocalPaths:
    """Prepare the taxi data (if needed) and run the whole taxi pipeline with LocalDagRunner.

    Args:
      output_dir: local directory for the data, pipeline root, ML Metadata and the pushed model.
      beam_pipeline_args: Beam args for every Beam stage (default: in-process DirectRunner).
      data_fraction: deterministic share of the trips to use, in (0, 1].
      enable_cache: reuse MLMD-cached executions when their inputs did not change.
      branches: the tfx-dcai branches (default: taxi_pipeline.default_branches()).
      train_steps, eval_steps: Trainer steps.

    Returns:
      The LocalPaths of the run.
    """
    from tfx import v1 as tfx

    from tfx_dcai.beam_options import beam_args_or_local
    from tfx_dcai.pipelines.taxi_data import prepare_taxi_data
    from tfx_dcai.pipelines.taxi_pipeline import create_pipeline

    paths = LocalPaths(os.path.abspath(output_dir))
    prepare_taxi_data(paths.data_root, fraction=data_fraction)
    pipeline = create_pipeline(
        pipeline_name=PIPELINE_NAME, pipeline_root=paths.pipeline_root, data_root=paths.data_root,
        serving_model_dir=paths.serving_model_dir,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(paths.metadata_path),
        beam_pipeline_args=beam_args_or_local(beam_pipeline_args), enable_cache=enable_cache,
        branches=branches, train_steps=train_steps, eval_steps=eval_steps)
    tfx.orchestration.LocalDagRunner().run(pipeline)
    return paths

