"""The taxi pipeline's label-review branch: noisy labels -> LabelErrorQueue -> a (simulated) reviewer ->
ApplyReviewedLabels -> a Trainer on the cleaned examples, with the lineage of each step in MLMD.

    ImportExampleGen.train -> NoisyTrainLabels -> LabelErrorQueue -> review_queue -> SimulatedReviewer
                                      |  (truth, hidden from the queue) --------------------^        |
                                      +-> noisy_examples -> ApplyReviewedLabels <- reviewed_labels --+
                                                                   -> cleaned_examples -> Trainer.cleaned

The noise and the reviewer are simulated (documented in docs/label_review.md): NoisyTrainLabels gives each example
an `example_id` (a hash of its serialized record) and flips `big_tipper` on `noise` of the train split (by a stable
hash of the id, so every runner and every run flips the same examples); SimulatedReviewer looks up the clean label of
exactly the queued examples. A real deployment replaces SimulatedReviewer with its labelling tool writing
reviewed_labels.csv (columns id, reviewed_label) into a ReviewedLabels artifact (e.g. an Importer).
"""
import os

from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils, standard_artifacts

from tfx_dcai.artifacts import LabelReviewQueue, ReviewedLabels
from tfx_dcai.label_review.component import ApplyReviewedLabels, LabelErrorQueue

ID_COLUMN = "example_id"
LABEL = "big_tipper"
TRUTH_FILE = "truth_labels.csv"


def noisy_label(label: int, ident: str, num_classes: int) -> int:
    """The label NoisyTrainLabels gives a noisy example: another class of 0 .. num_classes - 1, chosen by a stable
    hash of `ident` (binary: 1 - label).

    Args:
      label: the clean class code.
      ident: the example's id.
      num_classes: how many classes (>= 2).

    Returns:
      A class code different from `label`.
    """
    from tfx_dcai.hashing import unit_hash

    shift = 1 + min(int(unit_hash("class", ident) * (num_classes - 1)), num_classes - 2)
    return (int(label) + shift) % num_classes


@component
def NoisyTrainLabels(examples: InputArtifact[standard_artifacts.Examples],
                     noisy_examples: OutputArtifact[standard_artifacts.Examples],
                     truth: OutputArtifact[ReviewedLabels], noise: Parameter[float] = 0.12,
                     label_column: Parameter[str] = LABEL, num_classes: Parameter[int] = 2):
    """Adds `example_id` to every example and changes the int64 label `label_column` (classes 0 .. num_classes - 1)
    on a share `noise` of the train split: binary labels flip, a multi-class label moves to another class chosen by
    a stable hash of the id. The clean train labels go to `truth` (truth_labels.csv: id, reviewed_label), which only
    the simulated reviewer reads."""
    import csv
    import io

    from tensorflow.core.example import example_pb2
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2

    from tfx_dcai import artifact_io
    from tfx_dcai.hashing import stable_hash, unit_hash
    from tfx_dcai.tf_records import read_tfrecords, write_tfrecords

    noisy_examples.split_names = examples.split_names
    noisy_examples.set_string_custom_property("file_format", "tfrecords_gzip")
    examples_utils.set_payload_format(noisy_examples, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)  # readers guess
    truth_rows = io.StringIO()
    writer = csv.writer(truth_rows, lineterminator="\n")
    writer.writerow(["id", "reviewed_label"])
    for split in artifact_utils.decode_split_names(examples.split_names):
        source = artifact_utils.get_split_uri([examples], split)
        target = artifact_utils.get_split_uri([noisy_examples], split)
        artifact_io.makedirs(target)
        for name in artifact_io.list_files(source):
            out = []
            for record in read_tfrecords(os.path.join(source, name)):
                example = example_pb2.Example.FromString(record)
                ident = f"{stable_hash(record):016x}"
                example.features.feature[ID_COLUMN].bytes_list.value.append(ident.encode())
                label = example.features.feature[label_column].int64_list.value
                if split == "train" and label:
                    writer.writerow([ident, label[0]])
                    if unit_hash("noise", ident) < noise:
                        label[0] = noisy_label(label[0], ident, num_classes)
                out.append(example.SerializeToString())
            write_tfrecords(os.path.join(target, name if name.endswith(".gz") else name + ".gz"), out)
    artifact_io.write_text(os.path.join(truth.uri, TRUTH_FILE), truth_rows.getvalue())


@component
def SimulatedReviewer(review_queue: InputArtifact[LabelReviewQueue], truth: InputArtifact[ReviewedLabels],
                      reviewed_labels: OutputArtifact[ReviewedLabels]):
    """A reviewer who gives the clean label of exactly the queued examples (and sees nothing else)."""
    import csv
    import io

    from tfx_dcai import artifact_io
    from tfx_dcai.label_review.queue import QUEUE_FILE, REVIEWED_FILE

    queue = csv.DictReader(io.StringIO(artifact_io.read_text(os.path.join(review_queue.uri, QUEUE_FILE))))
    queued = [row["id"] for row in queue if row["queued"] == "true"]
    clean = {row["id"]: row["reviewed_label"] for row in csv.DictReader(io.StringIO(
        artifact_io.read_text(os.path.join(truth.uri, TRUTH_FILE))))}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "reviewed_label"])
    for ident in queued:
        writer.writerow([ident, clean[ident]])
    artifact_io.write_text(os.path.join(reviewed_labels.uri, REVIEWED_FILE), out.getvalue())
    reviewed_labels.set_int_custom_property("reviewed", len(queued))


def review_loop(examples, schema, trainer_code: dict, label_column: str = LABEL, num_classes: int = 2,
                noise: float = 0.12, train_steps: int = 200, eval_steps: int = 20) -> list:
    """[NoisyTrainLabels, LabelErrorQueue, SimulatedReviewer, ApplyReviewedLabels, Trainer.cleaned] on `examples`.

    Args:
      examples: an Examples channel with a `train` split.
      schema: the Schema channel the cleaned Trainer reads.
      trainer_code: the cleaned Trainer's `module_file` or `run_fn` argument.
      label_column: the label NoisyTrainLabels flips and the queue ranks.
      num_classes: the number of classes of the label.
      noise: the share of train labels flipped.
      train_steps, eval_steps: the cleaned Trainer's steps.

    Returns:
      The five components.
    """
    noisy = NoisyTrainLabels(examples=examples, noise=noise, label_column=label_column, num_classes=num_classes)
    queue = LabelErrorQueue(examples=noisy.outputs["noisy_examples"], label_column=label_column,
                            id_column=ID_COLUMN, split="train")
    reviewer = SimulatedReviewer(review_queue=queue.outputs["review_queue"], truth=noisy.outputs["truth"])
    cleaned = ApplyReviewedLabels(examples=noisy.outputs["noisy_examples"],
                                  reviewed_labels=reviewer.outputs["reviewed_labels"], label_column=label_column,
                                  id_column=ID_COLUMN, splits=["train"])
    trainer = tfx.components.Trainer(
        **trainer_code, examples=cleaned.outputs["cleaned_examples"], schema=schema,
        train_args=tfx.proto.TrainArgs(num_steps=train_steps),
        eval_args=tfx.proto.EvalArgs(num_steps=eval_steps)).with_id("Trainer.cleaned")
    return [noisy, queue, reviewer, cleaned, trainer]


def add_label_review(nodes, noise: float = 0.12, train_steps: int = 200, eval_steps: int = 20) -> list:
    """The branch's components for `nodes` (a tfx_dcai.pipelines.taxi_pipeline.TaxiNodes)."""
    return review_loop(nodes.train_gen.outputs["examples"], nodes.schema.outputs["schema"],
                       nodes.trainer_code, noise=noise, train_steps=train_steps, eval_steps=eval_steps)
