"""A small user pipeline for `dcai compile-kubeflow --pipeline tests.kfp_example_pipeline:create_pipeline`."""
from tfx import v1 as tfx


def create_pipeline(pipeline_root: str, data_root: str):
    gen = tfx.components.ImportExampleGen(input_base=data_root)
    stats = tfx.components.StatisticsGen(examples=gen.outputs["examples"])
    return tfx.dsl.Pipeline(pipeline_name="user-pipeline", pipeline_root=pipeline_root, components=[gen, stats])


def with_resolver(pipeline_root: str):
    resolver = tfx.dsl.Resolver(strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
                                model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model)).with_id("latest_model")
    return tfx.dsl.Pipeline(pipeline_name="with-resolver", pipeline_root=pipeline_root, components=[resolver])


def not_a_pipeline():
    return 42
