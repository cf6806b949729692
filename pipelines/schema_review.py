"""How a curated schema differs from a fresh inference: one readable line per difference."""
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2


def _domain(schema: schema_pb2.Schema, feature: schema_pb2.Feature):
    kind = feature.WhichOneof("domain_info")
    if kind == "domain":  # a named, schema-level string domain
        return next((sorted(d.value) for d in schema.string_domain if d.name == feature.domain), None)
    if kind == "string_domain":
        return sorted(feature.string_domain.value)
    if kind is None:
        return None
    return f"{kind} " + text_format.MessageToString(getattr(feature, kind), as_one_line=True, float_format=".6g")


def schema_differences(curated: schema_pb2.Schema, inferred: schema_pb2.Schema) -> list:
    """Lines such as 'tips: not_in_environment [] -> ['SERVING']' for every reviewed change."""
    lines = []
    if list(curated.default_environment) != list(inferred.default_environment):
        lines.append(f"default_environment: {list(inferred.default_environment)} -> "
                     f"{list(curated.default_environment)}")
    inferred_features = {f.name: f for f in inferred.feature}
    curated_features = {f.name: f for f in curated.feature}
    for name in sorted(set(inferred_features) | set(curated_features)):
        if name not in curated_features or name not in inferred_features:
            lines.append(f"{name}: only in the {'curated' if name in curated_features else 'inferred'} schema")
            continue
        new, old = curated_features[name], inferred_features[name]
        checks = {
            "type": (schema_pb2.FeatureType.Name(old.type), schema_pb2.FeatureType.Name(new.type)),
            "not_in_environment": (list(old.not_in_environment), list(new.not_in_environment)),
            "lifecycle_stage": (schema_pb2.LifecycleStage.Name(old.lifecycle_stage),
                                schema_pb2.LifecycleStage.Name(new.lifecycle_stage)),
            "domain": (_domain(inferred, old), _domain(curated, new)),
            "presence": (str(old.presence).strip(), str(new.presence).strip()),
        }
        lines += [f"{name}: {what} {before} -> {after}" for what, (before, after) in checks.items() if before != after]
    return lines
