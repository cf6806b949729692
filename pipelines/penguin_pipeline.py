"""The penguin pipeline: a standard TFX pipeline for a 3-class model, with the three tfx-dcai components added and
the Pusher gated on their blessings. It is the worked example of docs/your_pipeline.md.

    ImportExampleGen (the penguin data in the tfx wheel: train 234 / eval 100 rows) -> StatisticsGen
    ImportSchemaGen (the wheel's penguin schema)
    Trainer (softmax over 3 species) -> Evaluator (accuracy >= 0.6) -> [gate] -> Pusher
    DriftValidator: the eval split vs the train split (data drift), concept drift on the labelled eval split
    SliceErrorAnalyzer: slices of the eval split where the model errs more
    SimulatedPenguinLabelers -> LabelConsistencyGen: three labelers re-label the train penguins (one often calls a
        Chinstrap an Adelie), plus confident learning on the train split with the Trainer's model

The gate: the Pusher runs only when the DriftValidator's blessing is 1 and the SliceErrorAnalyzer's is not 0
(2, no baseline model yet, passes on a first run); the Evaluator's blessing is the Pusher's own input.
"""
import os
from typing import List, Optional

from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils, standard_artifacts

from tfx_dcai import gate
from tfx_dcai.drift_validator.component import DriftValidator
from tfx_dcai.label_consistency.component import LabelConsistencyGen
from tfx_dcai.slice_error_analyzer.component import SliceErrorAnalyzer

LABEL = "species"
SPECIES = {0: "Adelie", 1: "Chinstrap", 2: "Gentoo"}
TRAINER_MODULE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "penguin_trainer", "penguin_trainer.py")
PIPELINE_NAME = "dcai_penguin"
ACCURACY_THRESHOLD = 0.6


def penguin_testdata_dir() -> str:
    """The penguin data and schema inside the installed tfx package (tfx/components/testdata/penguin)."""
    import tfx as tfx_package

    return os.path.join(os.path.dirname(tfx_package.__file__), "components", "testdata", "penguin")


@component
def SimulatedPenguinLabelers(examples: InputArtifact[standard_artifacts.Examples],
                             annotations: OutputArtifact[standard_artifacts.Examples],
                             split: Parameter[str] = "train", confusion_rate: Parameter[float] = 0.4):
    """Three simulated labelers (A, B, C) label every penguin of `split`: A and B give the recorded species, C calls a
    Chinstrap (1) an Adelie (0) on `confusion_rate` of them (chosen by a stable hash). One row per label, with the
    penguin's measurements; deterministic on every machine."""
    from apache_beam.io.filesystems import FileSystems

    from tfx_dcai import data_io
    from tfx_dcai.hashing import unit_hash
    from tfx_dcai.label_consistency.example_io import to_tf_examples
    from tfx_dcai.label_consistency.tfrecord_files import write_gzipped_tfrecords

    files = sorted(m.path for m in FileSystems.match([os.path.join(
        artifact_utils.get_split_uri([examples], split), "*")])[0].metadata_list)
    rows = []
    for path in files:
        for k, record in enumerate(data_io.read_tfrecords(path)):
            rows.append((f"penguin-{os.path.basename(path)}-{k:04d}", record))
    schema = data_io._schema_bytes(data_io.tfrecord_feature_types(files))
    decoded = [batch for path in files for batch in data_io.decode_tfrecord_file(path, schema)]
    values = [row for batch in decoded for row in batch.to_pylist()]
    out = []
    for (item, _), features in zip(rows, values):
        species = features[LABEL][0]
        for labeler in ("A", "B", "C"):
            label = 0 if labeler == "C" and species == 1 and unit_hash(item, labeler) < confusion_rate else species
            out.append({**{n: v[0] for n, v in features.items() if v and n != LABEL},
                        "item_id": item, "annotator_id": labeler, LABEL: label})
    annotations.split_names = artifact_utils.encode_split_names(["annotations"])
    write_gzipped_tfrecords(os.path.join(artifact_utils.get_split_uri([annotations], "annotations"),
                                         "annotations.gz"), to_tf_examples(out))


def eval_config():
    import tensorflow_model_analysis as tfma

    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key=LABEL, signature_name="serving_default")],
        slicing_specs=[tfma.SlicingSpec()],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="ExampleCount"),
            tfma.MetricConfig(class_name="SparseCategoricalAccuracy", threshold=tfma.MetricThreshold(
                value_threshold=tfma.GenericValueThreshold(lower_bound={"value": ACCURACY_THRESHOLD})))])])


def create_pipeline(pipeline_name: str, pipeline_root: str, serving_model_dir: str,
                    metadata_connection_config=None, beam_pipeline_args: Optional[List[str]] = None,
                    enable_cache: bool = True, train_steps: int = 100, eval_steps: int = 10) -> tfx.dsl.Pipeline:
    """The penguin pipeline (module docstring).

    Args:
      pipeline_name: the pipeline's name in ML Metadata.
      pipeline_root: where artifacts go (any filesystem TFX supports).
      serving_model_dir: where the Pusher pushes the model.
      metadata_connection_config: ML Metadata connection (None lets the runner choose).
      beam_pipeline_args: Beam args of every Beam stage.
      enable_cache: reuse cached executions.
      train_steps, eval_steps: Trainer steps.

    Returns:
      The tfx.dsl.Pipeline.
    """
    data = penguin_testdata_dir()
    # --- the standard pipeline ---
    example_gen = tfx.components.ImportExampleGen(
        input_base=os.path.join(data, "data"),
        input_config=tfx.proto.Input(splits=[tfx.proto.Input.Split(name="train", pattern="Split-train/*"),
                                             tfx.proto.Input.Split(name="eval", pattern="Split-eval/*")]))
    statistics = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema = tfx.components.ImportSchemaGen(schema_file=os.path.join(data, "schema", "schema.pbtxt"))
    trainer = tfx.components.Trainer(
        module_file=TRAINER_MODULE, examples=example_gen.outputs["examples"], schema=schema.outputs["schema"],
        train_args=tfx.proto.TrainArgs(num_steps=train_steps), eval_args=tfx.proto.EvalArgs(num_steps=eval_steps))
    evaluator = tfx.components.Evaluator(examples=example_gen.outputs["examples"], model=trainer.outputs["model"],
                                         eval_config=eval_config())
    # --- tfx-dcai: data drift and concept drift, slices, labels ---
    drift = DriftValidator(
        statistics=statistics.outputs["statistics"], baseline_statistics=statistics.outputs["statistics"],
        schema=schema.outputs["schema"], examples=example_gen.outputs["examples"],
        baseline_examples=example_gen.outputs["examples"], model=trainer.outputs["model"],
        feedback_examples=example_gen.outputs["examples"],
        config={"label_key": LABEL, "environment": "TRAINING", "sample_size": 1000, "bootstrap": 500,
                "permutations": 500},
        current_split="eval", baseline_split="train", evaluation_split="train", feedback_split="eval")
    slices = SliceErrorAnalyzer(examples=example_gen.outputs["examples"], schema=schema.outputs["schema"],
                                model=trainer.outputs["model"], statistics=statistics.outputs["statistics"],
                                label_key=LABEL, split="eval", max_level=2)
    labelers = SimulatedPenguinLabelers(examples=example_gen.outputs["examples"])
    labels = LabelConsistencyGen(annotations=labelers.outputs["annotations"], item_column="item_id",
                                 annotator_column="annotator_id", label_column=LABEL, label_domain=[0, 1, 2],
                                 examples=example_gen.outputs["examples"], n_bootstrap=200)
    # --- the gate: push only what the validators let through ---
    with tfx.dsl.Cond(gate.all_of(gate.blessed(drift.outputs["blessing"]),
                                  gate.blessed(slices.outputs["blessing"], allow_no_baseline=True))):
        pusher = tfx.components.Pusher(
            model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_model_dir)))
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name, pipeline_root=pipeline_root,
        components=[example_gen, statistics, schema, trainer, evaluator, drift, slices, labelers, labels, pusher],
        enable_cache=enable_cache, metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [])


def run_local(output_dir: str, beam_pipeline_args: Optional[List[str]] = None, enable_cache: bool = True,
              train_steps: int = 100) -> str:
    """Run the penguin pipeline with LocalDagRunner and SQLite ML Metadata under `output_dir`; returns the path of
    the metadata store."""
    from tfx_dcai.beam_options import beam_args_or_local

    output_dir = os.path.abspath(output_dir)
    metadata = os.path.join(output_dir, "metadata.sqlite")
    pipeline = create_pipeline(
        PIPELINE_NAME, os.path.join(output_dir, "pipeline_root"), os.path.join(output_dir, "serving_model"),
        tfx.orchestration.metadata.sqlite_metadata_connection_config(metadata),
        beam_args_or_local(beam_pipeline_args), enable_cache, train_steps)
    tfx.orchestration.LocalDagRunner().run(pipeline)
    return metadata
