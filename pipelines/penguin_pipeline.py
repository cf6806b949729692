"""The penguin pipeline: a standard TFX pipeline for a 3-class model, with the three tfx-dcai components added and
the Pusher gated on their blessings. It is the worked example of docs/your_pipeline.md.

    ImportExampleGen (the penguin data in the tfx wheel: train 234 / eval 100 rows) -> StatisticsGen
    ImportSchemaGen (the wheel's penguin schema)
    Trainer (softmax over 3 species) -> Evaluator (accuracy >= 0.6) -> [gate] -> Pusher
    DriftValidator: the eval split vs the train split (data drift), concept drift on the labelled eval split
    SliceErrorAnalyzer: slices of the eval split where the model errs more
    SimulatedPenguinLabelers -> LabelConsistencyGen: three labelers re-label the train penguins (one often calls a
        Chinstrap an Adelie), plus confident learning on the examples with the built-in k-fold model
    NoisyTrainLabels -> LabelErrorQueue -> SimulatedReviewer -> ApplyReviewedLabels -> Trainer.cleaned: the review
        loop (tfx_dcai.pipelines.label_review_branch): 12% of the train species changed to another species, the
        suspects queued, a simulated reviewer restores the recorded species of exactly the queued penguins, and a
        Trainer trains on the cleaned examples (lineage in MLMD)

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
LABELERS = ("A", "B", "C")
ANNOTATION_SPLIT = "annotations"
LABEL_NOISE = 0.12


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
    penguin's measurements; item ids `penguin-<file>-<row>`; deterministic on every machine."""
    from tfx.components.util import examples_utils
    from tfx.dsl.io import fileio
    from tfx.proto import example_gen_pb2

    from tfx_dcai import tf_example
    from tfx_dcai.hashing import unit_hash

    annotations.split_names = artifact_utils.encode_split_names([ANNOTATION_SPLIT])
    examples_utils.set_payload_format(annotations, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    out_dir = artifact_utils.get_split_uri([annotations], ANNOTATION_SPLIT)
    fileio.makedirs(out_dir)
    with tf_example.writers({"rows": os.path.join(out_dir, "annotations.tfrecord.gz")}) as write:
        for path in sorted(fileio.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*"))):
            for k, (_, features) in enumerate(tf_example.read_gzipped([path])):
                item = f"penguin-{os.path.basename(path)}-{k:04d}"
                species = features[LABEL][0]
                for labeler in LABELERS:
                    confused = labeler == "C" and species == 1 and unit_hash(item, labeler) < confusion_rate
                    row = {name: values for name, values in features.items() if name != LABEL}
                    row.update(item_id=[item], annotator_id=[labeler], **{LABEL: [0 if confused else species]})
                    write("rows", row)


def eval_config():
    import tensorflow_model_analysis as tfma

    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key=LABEL, signature_name="serving_default")],
        slicing_specs=[tfma.SlicingSpec()],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="ExampleCount"),
            tfma.MetricConfig(class_name="SparseCategoricalAccuracy", threshold=tfma.MetricThreshold(
                value_threshold=tfma.GenericValueThreshold(lower_bound={"value": ACCURACY_THRESHOLD})))])])


def review_loop(example_gen, schema, train_steps: int, eval_steps: int) -> list:
    """The label-review loop on the penguins: [NoisyTrainLabels, LabelErrorQueue, SimulatedReviewer,
    ApplyReviewedLabels, Trainer.cleaned] (the taxi branch's simulated ends, tfx_dcai.pipelines.label_review_branch,
    with 3 classes)."""
    from tfx_dcai.pipelines import label_review_branch

    return label_review_branch.review_loop(
        example_gen.outputs["examples"], schema.outputs["schema"], {"module_file": TRAINER_MODULE},
        label_column=LABEL, num_classes=len(SPECIES), noise=LABEL_NOISE, train_steps=train_steps,
        eval_steps=eval_steps)


def create_pipeline(pipeline_name: str, pipeline_root: str, serving_model_dir: str,
                    metadata_connection_config=None, beam_pipeline_args: Optional[List[str]] = None,
                    enable_cache: bool = True, train_steps: int = 100, eval_steps: int = 10,
                    with_label_review: bool = True) -> tfx.dsl.Pipeline:
    """The penguin pipeline (module docstring).

    Args:
      pipeline_name: the pipeline's name in ML Metadata.
      pipeline_root: where artifacts go (any filesystem TFX supports).
      serving_model_dir: where the Pusher pushes the model.
      metadata_connection_config: ML Metadata connection (None lets the runner choose).
      beam_pipeline_args: Beam args of every Beam stage.
      enable_cache: reuse cached executions.
      train_steps, eval_steps: Trainer steps (the cleaned-data Trainer's too).
      with_label_review: add the review loop (NoisyTrainLabels ... Trainer.cleaned).

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
    review = review_loop(example_gen, schema, train_steps, eval_steps) if with_label_review else []
    # --- the gate: push only what the validators let through ---
    with tfx.dsl.Cond(gate.all_of(gate.blessed(drift.outputs["blessing"]),
                                  gate.blessed(slices.outputs["blessing"], allow_no_baseline=True))):
        pusher = tfx.components.Pusher(
            model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_model_dir)))
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name, pipeline_root=pipeline_root,
        components=[example_gen, statistics, schema, trainer, evaluator, drift, slices, labelers, labels, *review,
                    pusher],
        enable_cache=enable_cache, metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [])


def run_local(output_dir: str, beam_pipeline_args: Optional[List[str]] = None, enable_cache: bool = True,
              train_steps: int = 100, eval_steps: int = 10, with_label_review: bool = True) -> str:
    """Run the penguin pipeline with LocalDagRunner and SQLite ML Metadata under `output_dir`.

    Args:
      output_dir: local directory of the pipeline root, the metadata store and the pushed model.
      beam_pipeline_args: Beam args (default: in-process DirectRunner, tfx_dcai.beam_options).
      enable_cache: reuse cached executions.
      train_steps, eval_steps: Trainer steps.
      with_label_review: add the review loop.

    Returns:
      The path of the SQLite metadata store.
    """
    from tfx_dcai.beam_options import beam_args_or_local

    output_dir = os.path.abspath(output_dir)
    metadata = os.path.join(output_dir, "metadata.sqlite")
    pipeline = create_pipeline(
        PIPELINE_NAME, os.path.join(output_dir, "pipeline_root"), os.path.join(output_dir, "serving_model"),
        tfx.orchestration.metadata.sqlite_metadata_connection_config(metadata),
        beam_args_or_local(beam_pipeline_args), enable_cache, train_steps, eval_steps, with_label_review)
    tfx.orchestration.LocalDagRunner().run(pipeline)
    return metadata
