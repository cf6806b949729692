"""EnvironmentExampleValidator: TFX's ExampleValidator plus the schema `environment` to validate in.

TFX 1.16's ExampleValidator validates every feature of the schema, so serving data (which has no label)
fails with "column dropped" for the label. This component passes `environment` to TFDV, so features marked
`not_in_environment: "SERVING"` are not expected there. Output: the standard ExampleAnomalies artifact.
"""
from typing import List, Optional

from tensorflow_data_validation.anomalies.proto import custom_validation_config_pb2
from tfx import types
from tfx.components.example_validator.component import ExampleValidator
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ExecutionParameter
from tfx.utils import json_utils

from tfx_dcai.environment_validator import executor

ENVIRONMENT_KEY = executor.ENVIRONMENT_KEY


class EnvironmentExampleValidatorSpec(standard_component_specs.ExampleValidatorSpec):
    PARAMETERS = {**standard_component_specs.ExampleValidatorSpec.PARAMETERS,
                  ENVIRONMENT_KEY: ExecutionParameter(type=str, optional=True)}


class EnvironmentExampleValidator(ExampleValidator):
    SPEC_CLASS = EnvironmentExampleValidatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, statistics: types.BaseChannel, schema: types.BaseChannel,
                 environment: Optional[str] = None, exclude_splits: Optional[List[str]] = None,
                 custom_validation_config: Optional[custom_validation_config_pb2.CustomValidationConfig] = None):
        """Args as TFX's ExampleValidator, plus `environment`: the schema environment to validate in (e.g.
        "SERVING"; None validates every feature, as ExampleValidator does)."""
        spec = EnvironmentExampleValidatorSpec(
            statistics=statistics, schema=schema, environment=environment,
            exclude_splits=json_utils.dumps(exclude_splits or []), custom_validation_config=custom_validation_config,
            anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies))
        base_component.BaseComponent.__init__(self, spec=spec)
