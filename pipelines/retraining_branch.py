"""The taxi pipeline's retraining branch: when the DriftValidator blocks, retrain on the feedback and push the
retrained model only if it beats the current one on held-out recent feedback.

    ImportExampleGen.feedback_retraining (the labelled 2015-16 trips, hash-split: window 2/3, holdout 1/3)
    ImportExampleGen.train (split train) --+--> FeedbackTrainingData --> examples {train: baseline train + window,
    window ---------------------------------+                                      eval: holdout}
        --> Trainer.retrained (the Trainer's own code) --> Evaluator.retrained (holdout: retrained vs current model)
        --> Pusher.retrained (only a blessed, i.e. better, retrained model is pushed)
    all of it inside tfx.dsl.Cond(DriftValidator's blessing == 0): nothing retrains while the monitor passes.

The window is documented, not tuned: a stable 2/3 hash share of the labelled feedback joins the baseline's train
split; the other 1/3 (the holdout) is never trained on and is where both models are compared. The taxi feedback
spans the same period as the serving data (2015-16), so the "recent" holdout is that period's trips, not a later
one. The Evaluator blesses the retrained model when its AUC on the holdout exceeds the current model's (change
threshold) and its accuracy reaches the pipeline's minimum; the main Pusher stays gated on the DriftValidator
passing, so the current model is never re-pushed while drift blocks, and the retrained one only when it is better.

FeedbackTrainingData copies files, never rows: each split of its output holds the TFRecord files of its sources
(ExampleGen writes gzipped tf.Examples; every Examples consumer reads all files of a split), through fileio.
"""
from typing import Dict, List

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact
from tfx.dsl.component.experimental.decorators import component
from tfx.types import standard_artifacts

from tfx_dcai.artifacts import NOT_BLESSED
from tfx_dcai.pipelines.taxi_data import LABEL

WINDOW_BUCKETS, HOLDOUT_BUCKETS = 2, 1  # the feedback's hash split: 2/3 window, 1/3 holdout
MIN_AUC_GAIN = 1e-4                     # the retrained model must beat the current one's holdout AUC by more


@component
def FeedbackTrainingData(baseline: InputArtifact[standard_artifacts.Examples],
                         feedback: InputArtifact[standard_artifacts.Examples],
                         examples: OutputArtifact[standard_artifacts.Examples]):
    """Examples with split `train` = the baseline's train split + the feedback's window split, and split `eval` =
    the feedback's holdout split (files copied through fileio; the payload format of the baseline)."""
    import posixpath

    from tfx.dsl.io import fileio
    from tfx.types import artifact_utils

    def copy(source, split, target_split, prefix):
        source_dir = artifact_utils.get_split_uri([source], split)
        target_dir = artifact_utils.get_split_uri([examples], target_split)
        fileio.makedirs(target_dir)
        for name in sorted(fileio.listdir(source_dir)):
            fileio.copy(posixpath.join(source_dir, name), posixpath.join(target_dir, f"{prefix}-{name}"),
                        overwrite=True)

    examples.split_names = artifact_utils.encode_split_names(["train", "eval"])
    for key in ("payload_format", "file_format"):
        if baseline.has_custom_property(key):
            examples.set_string_custom_property(key, baseline.get_string_custom_property(key))
    copy(baseline, "train", "train", "baseline")
    copy(feedback, "window", "train", "feedback")
    copy(feedback, "holdout", "eval", "feedback")


def retraining_eval_config(min_accuracy: float) -> tfma.EvalConfig:
    """Holdout AUC must beat the current model's by more than MIN_AUC_GAIN; accuracy must reach `min_accuracy`."""
    auc_gate = tfma.PerSliceMetricThreshold(
        slicing_specs=[tfma.SlicingSpec()],
        threshold=tfma.MetricThreshold(change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": MIN_AUC_GAIN})))
    accuracy_gate = tfma.PerSliceMetricThreshold(
        slicing_specs=[tfma.SlicingSpec()],
        threshold=tfma.MetricThreshold(value_threshold=tfma.GenericValueThreshold(
            lower_bound={"value": min_accuracy})))
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key=LABEL, signature_name="serving_default")],
        slicing_specs=[tfma.SlicingSpec()],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="ExampleCount"),
            tfma.MetricConfig(class_name="AUC", per_slice_thresholds=[auc_gate]),
            tfma.MetricConfig(class_name="BinaryAccuracy", per_slice_thresholds=[accuracy_gate])])])


def holdout_metrics(evaluation_uri: str) -> Dict[str, Dict[str, float]]:
    """The overall metrics of Evaluator.retrained's output: {"candidate": the retrained model's, "baseline": the
    current model's}, each {metric name: value} (e.g. "auc", "binary_accuracy", "example_count")."""
    out: Dict[str, Dict[str, float]] = {}
    for record in tfma.load_metrics(evaluation_uri):
        if record.slice_key.single_slice_keys:
            continue
        for key_and_value in record.metric_keys_and_values:
            key, value = key_and_value.key, key_and_value.value
            if not key.is_diff and not key.HasField("sub_key") and value.HasField("double_value"):
                out.setdefault(key.model_name or "candidate", {})[key.name] = value.double_value.value
    return out


def add_feedback_retraining(nodes, monitor=None) -> List:
    """The retraining branch (module docstring), gated on `monitor` (a DriftValidator) blocking.

    Args:
      nodes: the taxi pipeline's TaxiNodes.
      monitor: the DriftValidator whose blessing 0 triggers retraining (default: `nodes.drift_monitor`, which
        add_drift_validator sets, so this branch comes after the drift branch).

    Returns:
      [feedback ExampleGen, FeedbackTrainingData, Trainer.retrained, Evaluator.retrained, Pusher.retrained].
    """
    from tfx_dcai.pipelines.taxi_pipeline import ACCURACY_THRESHOLD, _example_gen

    monitor = monitor or nodes.drift_monitor
    if monitor is None:
        raise ValueError("the retraining branch needs a DriftValidator: add the drift branch (add_drift_validator) "
                         "before it, or pass monitor=")
    data_root = nodes.feedback_gen.exec_properties["input_base"]
    feedback = _example_gen(data_root, "feedback", {"window": WINDOW_BUCKETS, "holdout": HOLDOUT_BUCKETS}
                            ).with_id("ImportExampleGen.feedback_retraining")
    with tfx.dsl.Cond(monitor.outputs["blessing"].future()[0].custom_property("blessed") == NOT_BLESSED):
        data = FeedbackTrainingData(baseline=nodes.train_gen.outputs["examples"],
                                    feedback=feedback.outputs["examples"]).with_id("FeedbackTrainingData")
        trainer = tfx.components.Trainer(
            **nodes.trainer_code, examples=data.outputs["examples"], schema=nodes.schema.outputs["schema"],
            train_args=nodes.trainer.exec_properties["train_args"],
            eval_args=nodes.trainer.exec_properties["eval_args"]).with_id("Trainer.retrained")
        evaluator = tfx.components.Evaluator(
            examples=data.outputs["examples"], model=trainer.outputs["model"],
            baseline_model=nodes.trainer.outputs["model"], eval_config=retraining_eval_config(ACCURACY_THRESHOLD)
        ).with_id("Evaluator.retrained")
        pusher = tfx.components.Pusher(
            model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(base_directory=nodes.serving_model_dir))
        ).with_id("Pusher.retrained")
    return [feedback, data, trainer, evaluator, pusher]

