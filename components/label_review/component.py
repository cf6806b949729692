"""LabelErrorQueue and ApplyReviewedLabels as TFX components: spec and channels only.

    Examples -> LabelErrorQueue -> review_queue -> (reviewers) -> ReviewedLabels -> ApplyReviewedLabels
    Examples ------------------------------------------------------------------------^ -> cleaned_examples -> Trainer
"""
from typing import Optional, Sequence, Union

from tfx import types
from tfx.dsl.components.base import base_beam_component, base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_dcai import configs
from tfx_dcai.artifacts import LabelReviewQueue, ReviewedLabels
from tfx_dcai.errors import InputError
from tfx_dcai.label_review import executor
from tfx_dcai.label_review.config import LabelErrorsConfig


def _config(config, fields) -> LabelErrorsConfig:
    config = configs.coerce(LabelErrorsConfig, config, "label errors config")
    return configs.replace(config, "label errors config", **fields)


class LabelErrorQueueSpec(ComponentSpec):
    """Channels and parameters of LabelErrorQueue."""
    PARAMETERS = {
        "config": ExecutionParameter(type=str),        # LabelErrorsConfig as JSON
        "split": ExecutionParameter(type=str),
    }
    INPUTS = {
        "examples": ChannelParameter(type=standard_artifacts.Examples),
        "schema": ChannelParameter(type=standard_artifacts.Schema, optional=True),
        "model": ChannelParameter(type=standard_artifacts.Model, optional=True),
    }
    OUTPUTS = {
        "review_queue": ChannelParameter(type=LabelReviewQueue),
    }


class LabelErrorQueue(base_beam_component.BaseBeamComponent):
    """Ranks every example of one split by how likely its label is wrong (confident learning) and queues the most
    suspicious for review: output `review_queue` (LabelReviewQueue: label_errors.csv, label_errors_report.json/.html;
    custom properties `estimated_errors`, `queued`).

    Args:
      examples: Examples channel (single-labelled).
      config: a LabelErrorsConfig or a dict of its fields; `**fields` override them.
      split: the split to rank (default "train").
      schema: optional Schema channel (categorical/numeric features of the built-in model).
      model: optional Model channel whose probabilities replace the built-in k-fold model (out-of-sample only on
        examples it was not trained on).
    """
    SPEC_CLASS = LabelErrorQueueSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.QueueExecutor)

    def __init__(self, examples: types.BaseChannel, config: Union[LabelErrorsConfig, dict, None] = None,
                 split: str = "train", schema: Optional[types.BaseChannel] = None,
                 model: Optional[types.BaseChannel] = None, **fields):
        config = _config(config, fields)
        if model is not None and config.prediction_column:
            raise InputError("give either a model or a prediction_column, not both")
        super().__init__(spec=LabelErrorQueueSpec(
            examples=examples, schema=schema, model=model, config=config.to_json(), split=split,
            review_queue=types.Channel(type=LabelReviewQueue)))


class ApplyReviewedLabelsSpec(ComponentSpec):
    """Channels and parameters of ApplyReviewedLabels."""
    PARAMETERS = {
        "config": ExecutionParameter(type=str),        # LabelErrorsConfig as JSON (label and id columns)
        "splits": ExecutionParameter(type=str),        # JSON list of the splits whose labels are replaced
    }
    INPUTS = {
        "examples": ChannelParameter(type=standard_artifacts.Examples),
        "reviewed_labels": ChannelParameter(type=ReviewedLabels),
    }
    OUTPUTS = {
        "cleaned_examples": ChannelParameter(type=standard_artifacts.Examples),
    }


class ApplyReviewedLabels(base_component.BaseComponent):
    """Examples with the reviewers' labels applied: output `cleaned_examples` (Examples, the same splits and
    features; in `splits`, an example whose id was reviewed carries the reviewed label; custom properties
    `relabelled`, `reviewed`). A reviewed id that matches no example is counted (`reviewed_not_found`).

    Args:
      examples: the Examples the queue was made from.
      reviewed_labels: ReviewedLabels channel (reviewed_labels.csv: id, reviewed_label).
      config: a LabelErrorsConfig or dict (its label_column and id_column are used); `**fields` override.
      splits: the splits whose labels are replaced (default: ["train"]).
    """
    SPEC_CLASS = ApplyReviewedLabelsSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.ApplyExecutor)

    def __init__(self, examples: types.BaseChannel, reviewed_labels: types.BaseChannel,
                 config: Union[LabelErrorsConfig, dict, None] = None, splits: Sequence[str] = ("train",), **fields):
        import json

        config = _config(config, fields)
        if not config.id_column:
            raise InputError("ApplyReviewedLabels needs id_column: the reviewed labels name examples by id")
        super().__init__(spec=ApplyReviewedLabelsSpec(
            examples=examples, reviewed_labels=reviewed_labels, config=config.to_json(),
            splits=json.dumps(list(splits)), cleaned_examples=types.Channel(type=standard_artifacts.Examples)))
