"""TFMD Schema protos: reading them (through fileio) and TFDV's schema-environment rule, in one place."""
from typing import List

from tfx_dcai.errors import InputError


def read_schema_file(path: str):
    """A Schema proto from a text-format `schema.pbtxt` at `path` (local, gs://, ...).

    Args:
      path: the schema file.

    Returns:
      tensorflow_metadata.proto.v0.schema_pb2.Schema.

    Raises:
      InputError: the file cannot be read or is not a text-format Schema (the message names it).
    """
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfx_dcai import artifact_io

    try:
        return text_format.Parse(artifact_io.read_text(path), schema_pb2.Schema())
    except (OSError, UnicodeDecodeError, text_format.ParseError) as exc:
        raise InputError(f"schema {path}: not a readable text-format Schema ({exc}); pass a schema.pbtxt "
                         "such as the one SchemaGen writes") from None
    except Exception as exc:  # fileio raises tf.errors.NotFoundError, which is not an OSError
        raise InputError(f"schema {path}: cannot be read ({type(exc).__name__}: {exc})") from None


def read_schema_artifact(uri: str):
    """The Schema proto of a TFX Schema artifact (the one file in directory `uri`)."""
    from tfx.utils import io_utils

    return io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(uri))


def in_environment(feature, schema, environment: str) -> bool:
    """TFDV's rule: a feature listing `in_environment` is in those only; otherwise it is in the schema's
    `default_environment` (every environment when there is none) minus its `not_in_environment`.

    Args:
      feature: a schema_pb2.Feature of `schema`.
      schema: the schema_pb2.Schema.
      environment: e.g. "TRAINING" or "SERVING".

    Returns:
      Whether TFDV expects the feature in `environment`.
    """
    if feature.in_environment:
        return environment in feature.in_environment
    if environment in feature.not_in_environment:
        return False
    return not schema.default_environment or environment in schema.default_environment


def is_deprecated(feature) -> bool:
    from tensorflow_metadata.proto.v0 import schema_pb2

    return feature.lifecycle_stage == schema_pb2.DEPRECATED


def features_in_environment(schema, environment: str) -> List[str]:
    """Names of the features the schema expects in `environment`; like TFDV, DEPRECATED features are left out."""
    return [f.name for f in schema.feature if not is_deprecated(f) and in_environment(f, schema, environment)]
