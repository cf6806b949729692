"""TFDV's own checks: schema anomalies in an environment, and TFDV's drift comparator values.

TFDV is imported inside the functions (it imports TensorFlow).
"""
from typing import Dict, List

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

_Measurement = anomalies_pb2.DriftSkewInfo.Measurement
_MEASUREMENT_NAMES = {_Measurement.L_INFTY: "l_infinity",
                      _Measurement.JENSEN_SHANNON_DIVERGENCE: "jensen_shannon_divergence",
                      _Measurement.NORMALIZED_ABSOLUTE_DIFFERENCE: "normalized_absolute_difference"}


def _as_list(stats: statistics_pb2.DatasetFeatureStatistics) -> statistics_pb2.DatasetFeatureStatisticsList:
    return statistics_pb2.DatasetFeatureStatisticsList(datasets=[stats])


def schema_anomalies(current: statistics_pb2.DatasetFeatureStatistics, schema: schema_pb2.Schema,
                     environment: str) -> anomalies_pb2.Anomalies:
    import tensorflow_data_validation as tfdv
    env = environment if environment in set(schema.default_environment) | {
        e for f in schema.feature for e in list(f.in_environment) + list(f.not_in_environment)} else None
    return tfdv.validate_statistics(_as_list(current), schema, environment=env)


def anomaly_rows(anomalies: anomalies_pb2.Anomalies) -> List[dict]:
    """The report's `schema_anomalies`: one row per reason."""
    rows = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        for reason in info.reason:
            rows.append({"feature": feature, "type": anomalies_pb2.AnomalyInfo.Type.Name(reason.type),
                         "description": reason.description or reason.short_description})
    for reason in anomalies.dataset_anomaly_info.reason:
        rows.append({"feature": None, "type": anomalies_pb2.AnomalyInfo.Type.Name(reason.type),
                     "description": reason.description or reason.short_description})
    return rows


def comparator_schema(baseline: statistics_pb2.DatasetFeatureStatistics, threshold: float) -> schema_pb2.Schema:
    """A schema inferred from the baseline with TFDV's JSD and L-infinity drift comparators on every feature."""
    import tensorflow_data_validation as tfdv
    schema = tfdv.infer_schema(_as_list(baseline))
    for feature in schema.feature:
        feature.drift_comparator.jensen_shannon_divergence.threshold = threshold
        if feature.type == schema_pb2.BYTES or feature.HasField("domain") or feature.HasField("int_domain"):
            feature.drift_comparator.infinity_norm.threshold = threshold
    return schema


def tfdv_drift_measurements(current: statistics_pb2.DatasetFeatureStatistics,
                            baseline: statistics_pb2.DatasetFeatureStatistics,
                            threshold: float) -> Dict[str, Dict[str, float]]:
    """feature -> {measurement name: TFDV's value}, from TFDV's own drift comparators."""
    import tensorflow_data_validation as tfdv
    anomalies = tfdv.validate_statistics(_as_list(current), comparator_schema(baseline, threshold),
                                         previous_statistics=_as_list(baseline))
    values = {}
    for info in anomalies.drift_skew_info:
        name = ".".join(info.path.step)
        values[name] = {_MEASUREMENT_NAMES.get(m.type, str(m.type)): m.value for m in info.drift_measurements}
    return values


def add_drift_findings(anomalies: anomalies_pb2.Anomalies, entries: List[dict]) -> None:
    """Record drifted features in the ExampleAnomalies proto (reason CUSTOM_VALIDATION) so TFX tools see them."""
    for entry in entries:
        if not entry["drift"]:
            continue
        info = anomalies.anomaly_info[entry["name"]]
        info.path.step[:] = [entry["name"]]
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        reason = info.reason.add(type=anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION,
                                 short_description="Distribution drift (DriftValidator)",
                                 description=drift_sentence(entry))
        # TFX's and TFDV's viewers show the top-level fields; like TFDV, several reasons read "Multiple errors".
        info.short_description = reason.short_description if len(info.reason) == 1 else "Multiple errors"
        info.description = " ".join(filter(None, [info.description, reason.description]))


def drift_sentence(entry: dict) -> str:
    if entry["status"] != "tested":
        return f"feature {entry['name']}: {entry['status'].replace('_', ' ')}"
    return (f"feature {entry['name']}: {entry['test']} statistic {entry['statistic']:.4g}, "
            f"q-value {entry['q_value']:.3g}, {entry['effect_size_measure']} {entry['effect_size']:.3g} "
            f"(n baseline {entry['n_baseline']}, n current {entry['n_current']})")
