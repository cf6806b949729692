"""Diagnosis: training shares from TFDV statistics protos, label disagreement, and the recommendation line."""
import pytest
from tensorflow_metadata.proto.v0 import statistics_pb2

from tfx_dcai.slice_error_analyzer import diagnosis
from tfx_dcai.slice_error_analyzer.encoding import encodings_from_statistics

TEXT = """
name: "fare"
num_stats {
  common_stats { num_non_missing: 90 }
  histograms { type: QUANTILES
    buckets { low_value: 0 high_value: 10 sample_count: 30 }
    buckets { low_value: 10 high_value: 20 sample_count: 30 }
    buckets { low_value: 20 high_value: 40 sample_count: 30 } }
}
"""
COMPANY = """
name: "company"
string_stats {
  common_stats { num_non_missing: 100 }
  top_values { value: "Flash Cab" frequency: 60 }
  top_values { value: "Blue Diamond" frequency: 4 }
}
"""


def _stats(text):
    from google.protobuf import text_format
    return text_format.Parse(text, statistics_pb2.FeatureNameStatistics())


def test_predicate_shares_from_histograms_and_top_values():
    fare, company = _stats(TEXT), _stats(COMPANY)
    assert diagnosis.predicate_share({"feature": "fare", "op": "in", "value": [10, 20]}, fare, 100) == \
        pytest.approx(0.9 * 30 / 90)
    assert diagnosis.predicate_share({"feature": "fare", "op": ">=", "value": 30}, fare, 100) == \
        pytest.approx(0.9 * 15 / 90)  # half of the last bucket, linear inside it
    assert diagnosis.predicate_share({"feature": "fare", "op": "is_missing", "value": None}, fare, 100) == \
        pytest.approx(0.1)
    assert diagnosis.predicate_share({"feature": "company", "op": "==", "value": "Blue Diamond"}, company,
                                     100) == pytest.approx(0.04)
    assert diagnosis.predicate_share({"feature": "company", "op": "not_in", "value": ["Flash Cab"]}, company,
                                     100) == pytest.approx(0.40)


def test_under_represented_slice_recommends_collecting_data():
    company = _stats(COMPANY)
    predicates = [{"feature": "company", "op": "==", "value": "Blue Diamond"}]
    represented = diagnosis.representation(predicates, [0.20], {"company": company}, 100)
    assert represented["under_represented"] and represented["ratio"] == pytest.approx(0.2)
    line = diagnosis.recommendation("company == Blue Diamond", "error_rate", 0.4, 0.1, represented, [])
    assert line.startswith("collect more data where company == Blue Diamond") and "4% of training" in line


def test_label_disagreement_recommends_relabelling():
    report = {"per_class": [{"label": 1, "consistent": False}, {"label": 0, "consistent": True}]}
    assert diagnosis.inconsistent_classes(report) == ["1"]
    line = diagnosis.recommendation("fare >= 30", "error_rate", 0.4, 0.1, None, ["1"])
    assert line.startswith("relabel a sample where fare >= 30")


def test_tfdv_quantiles_become_bins_only_with_the_requested_bucket_count():
    fare = _stats(TEXT)
    assert encodings_from_statistics({"fare": fare}, ["fare"], 3, 20)["fare"].edges == (10.0, 20.0)
    assert encodings_from_statistics({"fare": fare}, ["fare"], 10, 20)["fare"] is None  # computed in Beam
    assert encodings_from_statistics({"company": _stats(COMPANY)}, ["company"], 10, 1)["company"].values == (
        "Flash Cab",)
