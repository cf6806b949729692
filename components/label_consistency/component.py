"""LabelConsistencyGen as a TFX component: spec and channels only (the statistics live in plain modules)."""
from typing import Optional, Union

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_dcai.artifacts import LabelConsistencyBlessing, LabelConsistencyReport
from tfx_dcai.errors import InputError
from tfx_dcai.label_consistency import executor
from tfx_dcai.label_consistency.config import LabelConsistencyConfig, coerce


class LabelConsistencyGenSpec(ComponentSpec):
    """Channels and the one `config` parameter (a LabelConsistencyConfig as JSON)."""
    PARAMETERS = {
        "config": ExecutionParameter(type=str),
    }
    INPUTS = {
        "annotations": ChannelParameter(type=standard_artifacts.Examples),
        "previous_report": ChannelParameter(type=LabelConsistencyReport, optional=True),
        "examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "schema": ChannelParameter(type=standard_artifacts.Schema, optional=True),
        "model": ChannelParameter(type=standard_artifacts.Model, optional=True),
    }
    OUTPUTS = {
        "report": ChannelParameter(type=LabelConsistencyReport),
        "consensus_examples": ChannelParameter(type=standard_artifacts.Examples),
        "blessing": ChannelParameter(type=LabelConsistencyBlessing),
    }


class LabelConsistencyGen(base_beam_component.BaseBeamComponent):
    """Labeler agreement, per-class verdicts and consensus Examples (docs/label_consistency.md).

    Inputs: `annotations` (Examples in long format: one row per (item, annotator, label), optionally with the
    item's features); optional `previous_report` (the LabelConsistencyReport of an earlier run, e.g. from a
    Resolver over MLMD) for the before/after comparison of the revision loop; optional `examples`
    (single-labelled Examples) for X->y conflicts and confident learning; optional `schema` (categorical vs
    numeric features of `examples`; DEPRECATED and non-TRAINING features skipped); optional `model` (a
    SavedModel, e.g. the Trainer's, whose serving signature takes serialized tf.Examples: its probabilities on
    `examples` replace the built-in k-fold model in confident learning; they are out-of-sample only when the
    model never saw these examples).

    Outputs: `report` (LabelConsistencyReport: label_consistency_report.json/.html), `consensus_examples`
    (Examples, gzipped tf.Example TFRecords, one row per item with a consensus label), `blessing`
    (LabelConsistencyBlessing: `blessed` 1 when CONSISTENT, else 0).
    """
    SPEC_CLASS = LabelConsistencyGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, annotations: types.BaseChannel,
                 config: Union[LabelConsistencyConfig, dict, None] = None,
                 previous_report: Optional[types.BaseChannel] = None,
                 examples: Optional[types.BaseChannel] = None,
                 schema: Optional[types.BaseChannel] = None,
                 model: Optional[types.BaseChannel] = None,
                 **fields):
        """Construct a LabelConsistencyGen.

        Args:
          annotations: Examples channel of annotation rows.
          config: a LabelConsistencyConfig or a dict of its fields (default: the defaults).
          previous_report: optional LabelConsistencyReport channel of an earlier run.
          examples: optional single-labelled Examples channel.
          schema: optional Schema channel describing `examples`.
          model: optional Model channel (e.g. `trainer.outputs["model"]`) scoring `examples`.
          **fields: LabelConsistencyConfig fields by name (item_column=..., label_domain=[...],
            thresholds=Thresholds(...), ...): they override `config`'s.

        Raises:
          InputError: an unknown field, an invalid value, or inputs that do not fit together.
        """
        config = coerce(config, **fields)
        if examples is None and (config.prediction_column or schema is not None or model is not None):
            raise InputError("prediction_column, schema and model describe the `examples` input: pass examples too")
        if model is not None and config.prediction_column:
            raise InputError("give either a model or a prediction_column for confident learning, not both")
        spec = LabelConsistencyGenSpec(
            annotations=annotations, previous_report=previous_report, examples=examples, schema=schema,
            model=model, config=config.to_json(),
            report=types.Channel(type=LabelConsistencyReport),
            consensus_examples=types.Channel(type=standard_artifacts.Examples),
            blessing=types.Channel(type=LabelConsistencyBlessing))
        super().__init__(spec=spec)
