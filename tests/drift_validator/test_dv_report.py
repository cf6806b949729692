"""Report contract, recommendations and HTML escaping."""
import numpy as np

from tfx_dcai import reports
from tfx_dcai.drift_validator import report as drift_report
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.feature_drift import compare_statistics
from tfx_dcai.drift_validator.synthetic_statistics import categorical_feature, dataset, numeric_feature

CONTRACT_FEATURE_KEYS = {"name", "type", "test", "statistic", "p_value", "q_value", "effect_size", "n_baseline",
                         "n_current", "drift"}


def _features():
    rng = np.random.default_rng(0)
    base = dataset([numeric_feature("fare", rng.normal(10, 2, 3000)),
                    categorical_feature("<script>alert(1)</script>", list(rng.choice(["a", "b"], 3000)))], 3000)
    cur = dataset([numeric_feature("fare", rng.normal(12, 2, 3000)),
                   categorical_feature("<script>alert(1)</script>", list(rng.choice(["a", "b"], 3000)))], 3000)
    return compare_statistics(base, cur, DriftConfig())


def test_report_contract_and_files(tmp_path):
    features = _features()
    anomalies = [{"feature": "company", "type": "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "description": "<b>x</b>"}]
    report = drift_report.build_report(DriftConfig(), features, anomalies, context={"current": "serving"})
    assert report["status"] == "DRIFT" and not report["blessed"]
    assert report["blocking"] == ["feature_drift", "schema_anomaly"]
    for entry in report["features"]:
        assert CONTRACT_FEATURE_KEYS <= set(entry)
        assert entry["type"] in ("numeric", "categorical")
    assert report["multivariate"] is None and report["concept_drift"] is None
    assert any(line.startswith("feature fare shifted by 1.") for line in report["recommendations"])
    json_path, html_path = drift_report.write(str(tmp_path), report)
    loaded = reports.read_report(str(tmp_path), "drift")
    assert loaded["report_version"] == 1 and loaded["features"][0]["name"] in ("fare", "<script>alert(1)</script>")
    html = open(html_path, encoding="utf-8").read()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert "Drifted features" in html and "fare (numeric, effect " in html


def test_warn_policy_does_not_block_but_status_still_says_drift():
    config = DriftConfig(policy={"feature_drift": "warn", "schema_anomaly": "warn"})
    report = drift_report.build_report(config, _features(), [])
    assert report["status"] == "DRIFT" and report["blessed"] and report["blocking"] == []


def test_no_baseline_is_never_a_pass():
    report = drift_report.build_report(DriftConfig(), [], [], baseline_available=False)
    assert report["status"] == "NO_BASELINE" and not report["blessed"]
    assert "NO_BASELINE" in drift_report.render_html(report)
