"""DriftValidator: the TFX component (spec, channels and construction-time checks; the logic is in analysis.py)."""
from typing import Optional, Union

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_dcai import configs
from tfx_dcai.artifacts import DriftBlessing, DriftReport
from tfx_dcai.drift_validator import executor
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.errors import InputError


class DriftValidatorSpec(ComponentSpec):
    """DriftValidator's parameters, inputs and outputs."""
    PARAMETERS = {
        "config": ExecutionParameter(type=str),                    # DriftConfig as JSON
        "current_split": ExecutionParameter(type=str, optional=True),
        "baseline_split": ExecutionParameter(type=str, optional=True),
        "evaluation_split": ExecutionParameter(type=str, optional=True),
        "feedback_split": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {
        "statistics": ChannelParameter(type=standard_artifacts.ExampleStatistics),
        "baseline_statistics": ChannelParameter(type=standard_artifacts.ExampleStatistics, optional=True),
        "schema": ChannelParameter(type=standard_artifacts.Schema, optional=True),
        "examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "baseline_examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "model": ChannelParameter(type=standard_artifacts.Model, optional=True),
        "feedback_examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "previous_reports": ChannelParameter(type=DriftReport, optional=True),
    }
    OUTPUTS = {
        "anomalies": ChannelParameter(type=standard_artifacts.ExampleAnomalies),
        "drift_report": ChannelParameter(type=DriftReport),
        "blessing": ChannelParameter(type=DriftBlessing),
    }


def _check_split(name: str, value) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip() or "/" in value):
        raise InputError(f"DriftValidator: {name} must be a split name such as 'train', got {value!r}")


class DriftValidator(base_beam_component.BaseBeamComponent):
    """Schema anomalies, per-feature drift (BH + effect size), multivariate, concept and prediction drift, the
    estimated performance without labels, and a blessing to gate on.

    `baseline_examples` with `examples` enable multivariate drift; `feedback_examples` (labelled current data) with
    `model` (or `config.prediction_key`) enable concept drift against the `evaluation_split` of `baseline_examples`;
    `examples` with `model` (or a prediction column) and no feedback give prediction drift and the estimated
    performance. `previous_reports` (e.g. a Resolver over DriftReport) feed the history plot.

    Args:
      statistics: ExampleStatistics of the current data.
      baseline_statistics: ExampleStatistics of the baseline (without it the status is NO_BASELINE).
      schema: a Schema (schema anomalies in `config.environment`).
      examples: Examples of the current data (bounded sample).
      baseline_examples: Examples of the baseline (bounded samples of its train and evaluation splits).
      model: a Model whose serving signature takes serialized tf.Examples.
      feedback_examples: labelled current Examples (concept drift).
      previous_reports: earlier DriftReports (history).
      config: a DriftConfig, or a dict of its fields.
      current_split, baseline_split, evaluation_split, feedback_split: the splits to read (defaults: the only split,
        else serving / train / eval / feedback).

    Raises:
      InputError: a bad config value or split name, or inputs that cannot work together (named), when the
        component is constructed.
    """
    SPEC_CLASS = DriftValidatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, statistics: types.BaseChannel, baseline_statistics: Optional[types.BaseChannel] = None,
                 schema: Optional[types.BaseChannel] = None, examples: Optional[types.BaseChannel] = None,
                 baseline_examples: Optional[types.BaseChannel] = None, model: Optional[types.BaseChannel] = None,
                 feedback_examples: Optional[types.BaseChannel] = None,
                 previous_reports: Optional[types.BaseChannel] = None,
                 config: Union[DriftConfig, dict, str, None] = None, current_split: Optional[str] = None,
                 baseline_split: Optional[str] = None, evaluation_split: Optional[str] = None,
                 feedback_split: Optional[str] = None):
        config = configs.coerce(DriftConfig, config, "DriftValidator config")
        for name, value in (("current_split", current_split), ("baseline_split", baseline_split),
                            ("evaluation_split", evaluation_split), ("feedback_split", feedback_split)):
            _check_split(name, value)
        if statistics is baseline_statistics and current_split and current_split == baseline_split:
            raise InputError(f"DriftValidator: current_split and baseline_split are both {current_split!r} of the "
                             "same statistics: the data would be compared with itself")
        if examples is not None and baseline_examples is None:
            raise InputError("DriftValidator: examples need baseline_examples (multivariate drift compares samples "
                             "of both)")
        if feedback_examples is not None:
            if baseline_examples is None:
                raise InputError("DriftValidator: feedback_examples need baseline_examples (the labelled data the "
                                 "model is compared on, its evaluation_split)")
            if not config.label_key:
                raise InputError("DriftValidator: feedback_examples need config label_key (the label column)")
            if model is None and not config.prediction_key:
                raise InputError("DriftValidator: feedback_examples need a model or config prediction_key")
        if model is not None and feedback_examples is None and examples is None:
            raise InputError("DriftValidator: a model needs examples or feedback_examples to score")
        if (model is not None or config.prediction_key) and (examples is not None or feedback_examples is not None) \
                and not config.label_key:
            raise InputError("DriftValidator: a model or prediction_key needs config label_key (the labelled "
                             "baseline examples calibrate and compare the model)")
        spec = DriftValidatorSpec(
            statistics=statistics, baseline_statistics=baseline_statistics, schema=schema, examples=examples,
            baseline_examples=baseline_examples, model=model, feedback_examples=feedback_examples,
            previous_reports=previous_reports, config=config.to_json(),
            current_split=current_split, baseline_split=baseline_split, evaluation_split=evaluation_split,
            feedback_split=feedback_split,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            drift_report=types.Channel(type=DriftReport), blessing=types.Channel(type=DriftBlessing))
        super().__init__(spec=spec)
