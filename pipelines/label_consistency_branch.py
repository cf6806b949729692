"""The taxi pipeline's label-consistency branch: simulated labelers -> LabelConsistencyGen -> (if blessed) Trainer.

    ImportExampleGen.train -> SimulatedLabelers(instructions v1 or v2) -> LabelConsistencyGen
    ReadHistory(latest earlier LabelConsistencyReport) -----------------^ (before/after comparison)
    LabelConsistencyGen.report -> RecordHistory (the ledger the next run reads)
    LabelConsistencyGen.consensus_examples -> Trainer.consensus   (only when the blessing is 1)

The labelers are simulated (pipelines/label_consistency_simulation.py documents how).
"""
import os

from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import OutputArtifact, InputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils, standard_artifacts

from tfx_dcai.artifacts import LabelConsistencyReport
from tfx_dcai.history import ReadHistory, RecordHistory, ledger_path
from tfx_dcai.label_consistency.component import LabelConsistencyGen
from tfx_dcai.pipelines import label_consistency_simulation as simulation

ANNOTATION_SPLIT = "annotations"
CONSISTENCY_ID = "LabelConsistencyGen"
REPORT_HISTORY_KEEP = 10


@component
def SimulatedLabelers(examples: InputArtifact[standard_artifacts.Examples],
                      annotations: OutputArtifact[standard_artifacts.Examples],
                      instructions_version: Parameter[str] = "v1", n_items: Parameter[int] = 1000):
    """Three simulated labelers label `n_items` train trips under the named instructions (one row per label)."""
    from tfx.dsl.io import fileio

    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2

    from tfx_dcai import tf_example

    pattern = os.path.join(artifact_utils.get_split_uri([examples], "train"), "*")
    trips = simulation.choose_trips(tf_example.read_gzipped(sorted(fileio.glob(pattern))), n_items)
    annotations.split_names = artifact_utils.encode_split_names([ANNOTATION_SPLIT])
    # say what the files hold (readers warn and guess otherwise)
    examples_utils.set_payload_format(annotations, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    out_dir = artifact_utils.get_split_uri([annotations], ANNOTATION_SPLIT)
    fileio.makedirs(out_dir)
    with tf_example.writers({"rows": os.path.join(out_dir, "annotations.tfrecord.gz")}) as write:
        for row in simulation.annotation_rows(trips, instructions_version):
            write("rows", row)


def add_label_consistency(nodes, instructions_version: str = "v2", n_items: int = 1000,
                          train_steps: int = 200, eval_steps: int = 20, with_history: bool = True) -> list:
    """The branch's components for `nodes` (a tfx_dcai.pipelines.taxi_pipeline.TaxiNodes).

    `with_history` reads the latest earlier report from a ledger (for the before/after comparison) and records
    this run's report in it (tfx_dcai.history)."""
    labelers = SimulatedLabelers(examples=nodes.train_gen.outputs["examples"],
                                 instructions_version=instructions_version, n_items=n_items)
    ledger = ledger_path(nodes.history_root, CONSISTENCY_ID, "report")
    previous = ReadHistory(LabelConsistencyReport, ledger, max_entries=1, triggers=[labelers.outputs["annotations"]]
                           ).with_id("latest_label_consistency_report") if with_history else None
    consistency = LabelConsistencyGen(
        annotations=labelers.outputs["annotations"], item_column="item_id", annotator_column="annotator_id",
        label_column=simulation.LABEL, label_domain=[0, 1], instructions_version=instructions_version,
        previous_report=previous.outputs["history"] if previous else None).with_id(CONSISTENCY_ID)
    record = RecordHistory(consistency.outputs["report"], ledger, keep=REPORT_HISTORY_KEEP
                           ).with_id(f"{CONSISTENCY_ID}.record_report") if with_history else None
    with tfx.dsl.Cond(consistency.outputs["blessing"].future()[0].custom_property("blessed") == 1):
        trainer = tfx.components.Trainer(
            **nodes.trainer_code,
            examples=consistency.outputs["consensus_examples"], schema=nodes.schema.outputs["schema"],
            train_args=tfx.proto.TrainArgs(num_steps=train_steps),
            eval_args=tfx.proto.EvalArgs(num_steps=eval_steps)).with_id("Trainer.consensus")
    return [labelers] + ([previous, record] if previous else []) + [consistency, trainer]
