"""Which example features are categorical or numeric, read from a TFMD Schema proto instead of Arrow types.

Categorical and numeric as tfx_dcai.columns.kinds_from_schema decides (BYTES, and INT with a string domain or
`int_domain.is_categorical`, are categorical). Skipped (with the reason): features whose lifecycle stage is
DEPRECATED, and features not in the TRAINING environment (TFDV's rule: `in_environment` if listed, else
`default_environment` minus `not_in_environment`; a schema with no environments puts every feature in all).
STRUCT features are skipped (no scalar value to group on).
"""
import dataclasses

from tfx_dcai.columns import CATEGORICAL, kinds_from_schema
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
    """Kinds of the schema's features (tfx_dcai.columns.kinds_from_schema: the one rule), leaving out `exclude`
    (label, id and prediction columns), DEPRECATED features, features not in TRAINING and STRUCT features."""
    kinds = kinds_from_schema(schema)
    categorical, numeric, skipped = [], [], []
    for feature in schema.feature:
        name = feature.name
        if name in exclude:
            continue
        if is_deprecated(feature):
            skipped.append((name, "deprecated"))
        elif not in_environment(feature, schema, TRAINING):
            skipped.append((name, f"not in the {TRAINING} environment"))
        elif name not in kinds:
            skipped.append((name, "struct feature"))
        elif kinds[name] == CATEGORICAL:
            categorical.append(name)
        else:
            numeric.append(name)
    return FeatureKinds(tuple(sorted(categorical)), tuple(sorted(numeric)), tuple(sorted(skipped)))
