"""Executor of EnvironmentExampleValidator: ExampleValidator's contract, validating in a schema environment.

It reproduces TFX 1.16's ExampleValidator executor on public APIs only (no override of TFX's private methods):
per split not excluded, `tfdv.validate_statistics(statistics, schema, environment, custom_validation_config)`,
anomalies written to `Split-<split>/SchemaDiff.pb`, and the ExampleAnomalies artifact's `blessed` custom
property ({split: 1 or 0}) and span set as TFX sets them.
"""
import os
from typing import Any, Dict, List

import tensorflow_data_validation as tfdv
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.proto.orchestration import execution_result_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import json_utils, writer_utils

from tfx_dcai.schema_io import read_schema_artifact

ENVIRONMENT_KEY = "environment"
SCHEMA_DIFF_FILE = "SchemaDiff.pb"
BLESSED_PROPERTY = "blessed"


class Executor(base_executor.BaseExecutor):
    """Validates each split's statistics against the schema in one environment."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> execution_result_pb2.ExecutorOutput:
        """Args and outputs as TFX's ExampleValidator, plus exec property `environment` (None: every feature)."""
        self._log_startup(input_dict, output_dict, exec_properties)
        environment = exec_properties.get(ENVIRONMENT_KEY) or None
        custom = exec_properties.get(standard_component_specs.CUSTOM_VALIDATION_CONFIG_KEY)
        exclude = json_utils.loads(exec_properties.get(standard_component_specs.EXCLUDE_SPLITS_KEY) or "null") or []
        if not isinstance(exclude, list):
            raise ValueError(f"exclude_splits must be a list, got {type(exclude).__name__}")
        stats_artifact = artifact_utils.get_single_instance(input_dict[standard_component_specs.STATISTICS_KEY])
        splits = [s for s in artifact_utils.decode_split_names(stats_artifact.split_names) if s not in exclude]
        anomalies_artifact = artifact_utils.get_single_instance(output_dict[standard_component_specs.ANOMALIES_KEY])
        anomalies_artifact.split_names = artifact_utils.encode_split_names(splits)
        anomalies_artifact.span = stats_artifact.span
        schema = read_schema_artifact(artifact_utils.get_single_uri(input_dict[standard_component_specs.SCHEMA_KEY]))
        blessed = {}
        for split in splits:
            statistics = stats_artifact_utils.load_statistics(stats_artifact, split).proto()
            anomalies = tfdv.validate_statistics(statistics=statistics, schema=schema, environment=environment,
                                                 custom_validation_config=custom or None)
            writer_utils.write_anomalies(os.path.join(artifact_utils.get_split_uri(
                output_dict[standard_component_specs.ANOMALIES_KEY], split), SCHEMA_DIFF_FILE), anomalies)
            blessed[split] = int(not (anomalies.anomaly_info or anomalies.HasField("dataset_anomaly_info")))
        anomalies_artifact.set_json_value_custom_property(BLESSED_PROPERTY, blessed)
        output = execution_result_pb2.ExecutorOutput()
        output.output_artifacts[standard_component_specs.ANOMALIES_KEY].artifacts.append(
            anomalies_artifact.mlmd_artifact)
        return output
