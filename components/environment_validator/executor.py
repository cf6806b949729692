"""Executor of EnvironmentExampleValidator: TFX's ExampleValidator executor with a schema environment."""
import os

import tensorflow_data_validation as tfdv
from tfx.components.example_validator import executor as example_validator_executor
from tfx.components.example_validator import labels
from tfx.types import standard_component_specs
from tfx.utils import writer_utils

ENVIRONMENT_KEY = "environment"


class Executor(example_validator_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        self._environment = exec_properties.get(ENVIRONMENT_KEY) or None
        return super().Do(input_dict, output_dict, exec_properties)

    def _Validate(self, inputs, outputs):
        anomalies = tfdv.validate_statistics(
            statistics=inputs[standard_component_specs.STATISTICS_KEY],
            schema=inputs[standard_component_specs.SCHEMA_KEY],
            environment=self._environment)
        writer_utils.write_anomalies(
            os.path.join(outputs[labels.SCHEMA_DIFF_PATH], example_validator_executor.DEFAULT_FILE_NAME),
            anomalies)
        return anomalies
