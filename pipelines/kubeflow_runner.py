"""Compiles the taxi pipeline to a Kubeflow Pipelines v2 pipeline JSON (KubeflowV2DagRunner).

The JSON runs on Kubeflow Pipelines 2.x or Vertex AI Pipelines with the image built from the repository's
Dockerfile (TFX 1.16 + this package at /tfx-dcai). Compiling needs no cluster and no cloud access: the
Trainer uses the image's installed `tfx_dcai.pipelines.trainer.taxi_trainer.run_fn`, so nothing is uploaded at compile time.
"""
import os

CONTAINER_SOURCE_ROOT = "/tfx-dcai"
CONTAINER_SCHEMA = f"{CONTAINER_SOURCE_ROOT}/schemas/taxi/schema.pbtxt"
DEFAULT_IMAGE = "tfx-dcai:0.1.0"
DEFAULT_PIPELINE_ROOT = "gs://YOUR_BUCKET/tfx-dcai/pipeline_root"
DEFAULT_DATA_ROOT = "gs://YOUR_BUCKET/tfx-dcai/data"
PIPELINE_NAME = "dcai-taxi"


def compile_kubeflow(output_file: str, image: str = DEFAULT_IMAGE, pipeline_root: str = DEFAULT_PIPELINE_ROOT,
                     data_root: str = DEFAULT_DATA_ROOT, beam_pipeline_args=None) -> str:
    """Write the KFP v2 pipeline JSON to `output_file`; returns its path."""
    from tfx import v1 as tfx

    from tfx_dcai.pipelines.taxi_pipeline import create_pipeline, default_branches

    pipeline = create_pipeline(
        pipeline_name=PIPELINE_NAME, pipeline_root=pipeline_root, data_root=data_root,
        serving_model_dir=os.path.join(pipeline_root, "serving_model"), beam_pipeline_args=beam_pipeline_args,
        schema_path=CONTAINER_SCHEMA, trainer_module_file=None, branches=default_branches(history=False))
    output_dir, filename = os.path.split(os.path.abspath(output_file))
    runner = tfx.orchestration.experimental.KubeflowV2DagRunner(
        config=tfx.orchestration.experimental.KubeflowV2DagRunnerConfig(default_image=image),
        output_dir=output_dir, output_filename=filename)
    runner.run(pipeline, write_out=True)
    return os.path.join(output_dir, filename)
