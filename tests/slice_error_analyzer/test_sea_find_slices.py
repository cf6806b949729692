"""find_slices end to end on Beam (in-process DirectRunner): planted slices, parity, drops, empty results, bad input."""
import os

import numpy as np
import pandas as pd
import pytest

from tfx_dcai.slice_error_analyzer import SliceInputError, find_slices, sliceline
from tfx_dcai.slice_error_analyzer.encoding import encode_batch, FeatureEncoding
from tfx_dcai.slice_error_analyzer.api import to_record_batches


def _data(n=6000, seed=0, planted_rate=0.45):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"city": rng.choice(["north", "south", "east", "west"], n),
                       "fare": rng.gamma(2.0, 6.0, n), "hour": rng.integers(0, 24, n),
                       "payment": rng.choice(["cash", "card", "<script>alert(1)</script>"], n)})
    planted = ((df.city == "south") & (df.fare >= 18)).to_numpy()
    wrong = rng.random(n) < np.where(planted, planted_rate, 0.08)
    df["label"] = rng.integers(0, 2, n)
    df["prediction"] = np.where(wrong, 1 - df.label, df.label).astype(float)
    return df, planted


def test_planted_slice_is_found_first_and_report_files_are_written(tmp_path):
    df, planted = _data()
    report = find_slices(df, "label", output_dir=str(tmp_path))
    assert report["status"] == "SIGNIFICANT_SLICES" and report["report_version"] == 1
    assert report["slices"][0]["description"] == "city == south"  # most excess errors
    best = max(report["slices"], key=lambda s: s["score"])
    assert {p["feature"] for p in best["predicates"]} == {"city", "fare"}
    assert best["predicates"][1]["value"][0] >= 17  # a fare bin inside the planted fare >= 18
    assert best["significant"] and best["q_value"] <= 0.05 and best["ci_low"] > report["overall"]["value"]
    html = (tmp_path / "slice_report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert os.path.exists(tmp_path / "slice_report.json")
    for entry in report["slices"]:  # contract keys
        assert {"predicates", "size", "metric_value", "score", "p_value", "q_value", "ci_low", "ci_high",
                "significant", "recommendation"} <= set(entry)


def test_sliceline_ranking_equals_the_in_memory_search():
    df, _ = _data(seed=1)
    report = find_slices(df, "label", ranking="sliceline", k=4, alpha=0.95, min_support=40)
    encodings = []
    for f in report["features"]:
        if f["kind"] == "numeric":
            encodings.append(FeatureEncoding(f["name"], "numeric", edges=tuple(f["bin_edges"])))
        else:
            encodings.append(FeatureEncoding(f["name"], "categorical", values=tuple(f["top_values"])))
    batch = to_record_batches(df, batch_rows=len(df))[0]
    codes = encode_batch(batch, encodings)
    errors = (df.prediction != df.label).to_numpy(float)
    state = sliceline.search_in_memory(codes, errors, [e.domain for e in encodings],
                                       sliceline.SliceLineParams(0.95, 4, 3, 40))
    assert [s["score"] for s in report["slices"]] == pytest.approx(list(state.top_stats[:, 0]))
    assert [s["score"] for s in report["sliceline_top_k"]] == pytest.approx(list(state.top_stats[:, 0]))


def test_rows_without_label_or_prediction_are_dropped_and_counted():
    df, _ = _data(n=2000)
    df["label"] = df.label.astype(float)
    df.loc[:9, "label"] = np.nan
    df.loc[10:14, "prediction"] = np.nan
    report = find_slices(df, "label")
    rows = report["rows"]
    assert rows == {"read": 2000, "used": 1985, "dropped_missing_label": 10, "dropped_missing_prediction": 5}


def test_no_error_and_too_few_rows_give_a_documented_empty_result():
    df, _ = _data(n=500)
    df["prediction"] = df.label.astype(float)
    report = find_slices(df, "label")
    assert report["status"] == "NO_SIGNIFICANT_SLICE" and report["slices"] == []
    assert "makes no error" in report["notes"][0]
    small = _data(n=20)[0]
    report = find_slices(small, "label")
    assert "fewer than min_support" in report["notes"][0]


def test_a_feature_with_one_value_is_noted_not_fatal():
    df, _ = _data(n=3000)
    df["constant"] = "same"
    report = find_slices(df, "label")
    assert any("constant" in note for note in report["notes"])


def test_losses_use_welch_and_find_the_planted_slice():
    rng = np.random.default_rng(3)
    df, planted = _data(n=4000, seed=3)
    df["label"] = rng.normal(10, 1, len(df))
    df["prediction"] = df.label + rng.normal(0, np.where(planted, 3.0, 1.0))
    report = find_slices(df, "label", metric="abs_error")
    children = [s for s in report["slices"] if {p["feature"] for p in s["predicates"]} == {"city", "fare"}]
    assert children and all(s["significant"] and s["metric_value"] > 2 for s in children)


def test_baseline_gate_blocks_a_regression_and_passes_otherwise():
    df, planted = _data(n=4000, seed=4)
    df["baseline"] = df.label.astype(float)  # a baseline that is never wrong
    assert find_slices(df, "label", baseline_prediction="baseline")["blessing"]["verdict"] == "BLOCKED"
    df["baseline"] = 1.0 - df.label  # a baseline that is always wrong
    assert find_slices(df, "label", baseline_prediction="baseline")["blessing"]["verdict"] == "PASS"
    assert find_slices(df, "label")["blessing"]["verdict"] == "NO_BASELINE"


def test_bad_input_names_the_column():
    df, _ = _data(n=300)
    with pytest.raises(SliceInputError, match="'score' is not in the data"):
        find_slices(df, "label", prediction="score")
    df["prediction"] = df.prediction * 3
    with pytest.raises(Exception, match="outside the label's domain"):
        find_slices(df, "label", metric="log_loss")
