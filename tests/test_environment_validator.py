"""EnvironmentExampleValidator's executor on hand-built artifacts: the environment is honoured, and so is
ExampleValidator's custom_validation_config (which the earlier private-method override dropped)."""
import os

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
from google.protobuf import text_format
from tensorflow_data_validation.anomalies.proto import custom_validation_config_pb2
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

from tfx_dcai.environment_validator.executor import Executor


@pytest.fixture()
def artifacts(tmp_path):
    serving = pd.DataFrame({"fare": [3.0, 7.5, 12.0, 4.25], "payment": ["Cash", "Card", "Cash", "Card"]})
    stats = standard_artifacts.ExampleStatistics()
    stats.uri = str(tmp_path / "stats")
    stats.split_names = artifact_utils.encode_split_names(["serving"])
    split_dir = os.path.join(stats.uri, "Split-serving")
    os.makedirs(split_dir)
    io_utils.write_bytes_file(os.path.join(split_dir, "FeatureStats.pb"),
                              tfdv.generate_statistics_from_dataframe(serving).SerializeToString())
    schema = tfdv.infer_schema(tfdv.generate_statistics_from_dataframe(serving.assign(label=[0, 1, 0, 1])))
    schema.default_environment.extend(["TRAINING", "SERVING"])
    tfdv.get_feature(schema, "label").not_in_environment.append("SERVING")
    schema_artifact = standard_artifacts.Schema()
    schema_artifact.uri = str(tmp_path / "schema")
    os.makedirs(schema_artifact.uri)
    io_utils.write_pbtxt_file(os.path.join(schema_artifact.uri, "schema.pbtxt"), schema)
    return stats, schema_artifact, tmp_path


def _validate(artifacts, **properties):
    stats, schema, tmp_path = artifacts
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / f"anomalies-{len(os.listdir(tmp_path))}")
    Executor().Do({"statistics": [stats], "schema": [schema]}, {"anomalies": [anomalies]},
                  {"exclude_splits": "[]", **properties})
    with open(os.path.join(anomalies.uri, "Split-serving", "SchemaDiff.pb"), "rb") as f:
        return anomalies_pb2.Anomalies.FromString(f.read()), anomalies


def test_serving_data_without_the_label_is_clean_in_serving_and_not_in_training(artifacts):
    found, artifact = _validate(artifacts, environment="SERVING")
    assert not found.anomaly_info
    assert artifact.get_json_value_custom_property("blessed") == {"serving": 1}
    found, artifact = _validate(artifacts, environment="TRAINING")
    assert "label" in found.anomaly_info
    assert artifact.get_json_value_custom_property("blessed") == {"serving": 0}


def test_custom_validation_config_is_applied(artifacts):
    config = text_format.Parse("""
        feature_validations {
          feature_path { step: "fare" }
          validations { sql_expression: "feature.num_stats.max < 10" severity: ERROR description: "fare too high" }
        }""", custom_validation_config_pb2.CustomValidationConfig())
    found, _ = _validate(artifacts, environment="SERVING", custom_validation_config=config)
    assert "fare too high" in str(found.anomaly_info["fare"])
