"""Which example features are categorical or numeric, read from a TFMD Schema proto instead of Arrow types.

Categorical: BYTES features, and INT features with a string domain or `int_domain.is_categorical`.
Numeric: the other INT and FLOAT features. Skipped (with the reason): features whose lifecycle stage is
DEPRECATED, and features not in the TRAINING environment (TFDV's rule: `in_environment` if listed, else
`default_environment` minus `not_in_environment`; a schema with no environments puts every feature in all).
STRUCT features are skipped (no scalar value to group on).
"""
import dataclasses

from tfx_dcai.schema_io import in_environment, is_deprecated

TRAINING = "TRAINING"


@dataclasses.dataclass(frozen=True)
class FeatureKinds:
    categorical: tuple
    numeric: tuple
    skipped: tuple = ()    # ((name, reason), ...)

    @property
    def usable(self) -> tuple:
        return tuple(sorted(self.categorical + self.numeric))

    def to_dict(self) -> dict:
        return {"source": "schema", "categorical": list(self.categorical), "numeric": list(self.numeric),
                "skipped": dict(self.skipped)}


def feature_kinds(schema, exclude=()) -> FeatureKinds:
    """Kinds of the schema's features, leaving out `exclude` (label, id and prediction columns)."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    categorical, numeric, skipped = [], [], []
    for feature in schema.feature:
        name = feature.name
        if name in exclude:
            continue
        if is_deprecated(feature):
            skipped.append((name, "deprecated"))
        elif not in_environment(feature, schema, TRAINING):
            skipped.append((name, f"not in the {TRAINING} environment"))
        elif feature.type == schema_pb2.STRUCT:
            skipped.append((name, "struct feature"))
        elif (feature.type == schema_pb2.BYTES or feature.HasField("domain") or feature.HasField("string_domain")
              or (feature.HasField("int_domain") and feature.int_domain.is_categorical)):
            categorical.append(name)
        else:
            numeric.append(name)
    return FeatureKinds(tuple(sorted(categorical)), tuple(sorted(numeric)), tuple(sorted(skipped)))
