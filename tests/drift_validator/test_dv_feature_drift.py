"""Feature-level decisions: BH plus effect floor, and every bad-input status."""
import numpy as np
import pytest

from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.feature_drift import compare_statistics
from tfx_dcai.drift_validator.synthetic_statistics import categorical_feature, dataset, numeric_feature


def _by_name(entries):
    return {e["name"]: e for e in entries}


def test_real_shift_drifts_and_noise_does_not():
    rng = np.random.default_rng(0)
    base = dataset([numeric_feature("shifted", rng.normal(0, 1, 5000)),
                    numeric_feature("stable", rng.normal(0, 1, 5000)),
                    categorical_feature("colour", list(rng.choice(["r", "g", "b"], 5000)))], 5000)
    cur = dataset([numeric_feature("shifted", rng.normal(0.5, 1, 5000)),
                   numeric_feature("stable", rng.normal(0, 1, 5000)),
                   categorical_feature("colour", list(rng.choice(["r", "g", "b"], 5000, p=[.5, .3, .2])))], 5000)
    entries = _by_name(compare_statistics(base, cur, DriftConfig()))
    assert entries["shifted"]["drift"] and entries["colour"]["drift"]
    assert not entries["stable"]["drift"]
    assert entries["shifted"]["q_value"] >= entries["shifted"]["p_value"]
    assert entries["colour"]["test"] == "chi_square" and entries["shifted"]["test"] == "ks"


def test_tiny_shift_at_huge_n_is_significant_but_below_the_effect_floor():
    rng = np.random.default_rng(1)
    base = dataset([numeric_feature("x", rng.normal(0, 1, 400_000), 100)], 400_000)
    cur = dataset([numeric_feature("x", rng.normal(0.05, 1, 400_000), 100)], 400_000)
    entry = compare_statistics(base, cur, DriftConfig())[0]
    assert entry["q_value"] < 0.05
    assert entry["effect_size"] < 0.1 and not entry["drift"]
    lowered = compare_statistics(base, cur, DriftConfig(feature_overrides={"x": {"min_effect": 0.01}}))[0]
    assert lowered["drift"]


def test_untestable_features_get_a_status_and_never_silently_pass():
    rng = np.random.default_rng(2)
    base = dataset([numeric_feature("gone", rng.normal(size=100)), numeric_feature("retyped", rng.normal(size=100)),
                    numeric_feature("nulled", rng.normal(size=100))], 100)
    cur = dataset([numeric_feature("new", rng.normal(size=100)),
                   categorical_feature("retyped", list("ab" * 50)),
                   numeric_feature("nulled", np.full(100, np.nan))], 100)
    entries = _by_name(compare_statistics(base, cur, DriftConfig()))
    assert entries["gone"]["status"] == "missing_in_current" and entries["gone"]["drift"]
    assert entries["new"]["status"] == "missing_in_baseline" and entries["new"]["drift"]
    assert entries["retyped"]["status"] == "type_changed" and entries["retyped"]["drift"]
    assert entries["nulled"]["status"] == "all_null_current" and entries["nulled"]["drift"]
    assert entries["nulled"]["test"] == "presence" and entries["nulled"]["effect_size"] == 1.0


def test_one_stray_value_in_an_empty_feature_is_not_drift():
    base = dataset([numeric_feature("tract", [], missing=5000)], 5000)
    cur = dataset([numeric_feature("tract", [3.0], missing=4999)], 5000)
    entry = compare_statistics(base, cur, DriftConfig())[0]
    assert entry["status"] == "all_null_baseline" and not entry["drift"]


def test_a_side_without_values_is_a_presence_test_not_a_type_change():
    # TFDV writes string stats for a feature with no value at all (seen on the taxi eval split).
    base = dataset([numeric_feature("tract", [17031081401.0], missing=7000)], 7001)
    cur = dataset([categorical_feature("tract", [])], 2500)
    entry = compare_statistics(base, cur, DriftConfig())[0]
    assert entry["status"] == "all_null_current" and entry["test"] == "presence" and not entry["drift"]
    assert entry["type"] == "numeric"


def test_constant_feature_same_value_passes_and_changed_value_drifts():
    base = dataset([numeric_feature("same", np.ones(500)), numeric_feature("moved", np.ones(500))], 500)
    cur = dataset([numeric_feature("same", np.ones(500)), numeric_feature("moved", np.full(500, 2.0))], 500)
    entries = _by_name(compare_statistics(base, cur, DriftConfig()))
    assert not entries["same"]["drift"] and entries["same"]["statistic"] == 0.0
    assert entries["moved"]["drift"]


def test_skip_override_and_feature_restriction():
    rng = np.random.default_rng(3)
    base = dataset([numeric_feature("a", rng.normal(size=300)), numeric_feature("label", rng.normal(size=300))], 300)
    entries = compare_statistics(base, base, DriftConfig(feature_overrides={"a": {"skip": True}}))
    assert [e["name"] for e in entries] == ["label"]
    assert compare_statistics(base, base, DriftConfig(), features={"a"})[0]["name"] == "a"


def test_config_rejects_unknown_keys_and_bad_policy():
    with pytest.raises(ValueError, match=r"DriftValidator config: unknown key\(s\) \[.qq.\]"):
        DriftConfig.from_json('{"qq": 0.1}')
    with pytest.raises(ValueError, match="policy"):
        DriftConfig(policy={"feature_drift": "maybe"})
    assert DriftConfig.from_json(DriftConfig(q=0.1).to_json()).q == 0.1


def test_environment_features_follow_tfdv_and_leave_out_deprecated_ones():
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfx_dcai.schema_io import features_in_environment

    schema = schema_pb2.Schema(default_environment=["TRAINING", "SERVING"])
    for name in ("fare", "tips", "tract", "only_serving"):
        schema.feature.add(name=name)
    features = {f.name: f for f in schema.feature}
    features["tips"].not_in_environment.append("SERVING")
    features["tract"].lifecycle_stage = schema_pb2.DEPRECATED
    features["only_serving"].in_environment.append("SERVING")
    assert features_in_environment(schema, "SERVING") == ["fare", "only_serving"]
    assert features_in_environment(schema, "TRAINING") == ["fare", "tips"]
