"""DriftValidator: the TFX component (spec and channels only; the logic is in validation.py)."""
import json
from typing import Optional, Union

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_dcai.artifacts import DriftBlessing, DriftReport
from tfx_dcai.drift_validator import executor
from tfx_dcai.drift_validator.config import DriftConfig


class DriftValidatorSpec(ComponentSpec):
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


class DriftValidator(base_beam_component.BaseBeamComponent):
    """Schema anomalies, per-feature drift (BH + effect size), multivariate and concept drift, and a blessing.

    `baseline_examples`/`examples` enable multivariate drift; `feedback_examples` (labelled current data) with
    `model` (or a prediction column in the config) enable concept drift against the `evaluation_split` of
    `baseline_examples`. `previous_reports` (e.g. from a Resolver over DriftReport) feed the history plot.
    """
    SPEC_CLASS = DriftValidatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, statistics: types.BaseChannel, baseline_statistics: Optional[types.BaseChannel] = None,
                 schema: Optional[types.BaseChannel] = None, examples: Optional[types.BaseChannel] = None,
                 baseline_examples: Optional[types.BaseChannel] = None, model: Optional[types.BaseChannel] = None,
                 feedback_examples: Optional[types.BaseChannel] = None,
                 previous_reports: Optional[types.BaseChannel] = None,
                 config: Union[DriftConfig, dict, None] = None, current_split: Optional[str] = None,
                 baseline_split: Optional[str] = None, evaluation_split: Optional[str] = None,
                 feedback_split: Optional[str] = None):
        if isinstance(config, dict):
            config = DriftConfig.from_json(json.dumps(config))
        spec = DriftValidatorSpec(
            statistics=statistics, baseline_statistics=baseline_statistics, schema=schema, examples=examples,
            baseline_examples=baseline_examples, model=model, feedback_examples=feedback_examples,
            previous_reports=previous_reports, config=(config or DriftConfig()).to_json(),
            current_split=current_split, baseline_split=baseline_split, evaluation_split=evaluation_split,
            feedback_split=feedback_split,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            drift_report=types.Channel(type=DriftReport), blessing=types.Channel(type=DriftBlessing))
        super().__init__(spec=spec)
