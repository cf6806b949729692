"""find_slices (the in-memory passes, no Beam): planted slices, every task, drops, empty results, bad input."""
import os

import numpy as np
import pandas as pd
import pytest

from tfx_dcai.slice_error_analyzer import SliceInputError, find_slices, sliceline
from tfx_dcai.slice_error_analyzer.api import to_record_batches
from tfx_dcai.slice_error_analyzer.encoding import encode_batch, from_entry


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
    assert report["status"] == "SIGNIFICANT_SLICES" and report["report_version"] == 2
    assert report["task"] == "binary" and report["prediction"]["classes"] == ["0", "1"]
    assert report["slices"][0]["description"] == "city == south"  # most excess errors
    best = max(report["slices"], key=lambda s: s["score"])
    assert {p["feature"] for p in best["predicates"]} == {"city", "fare"}
    assert best["predicates"][1]["value"][0] >= 17  # a fare bin inside the planted fare >= 18
    assert best["significant"] and best["q_value"] <= 0.05 and best["ci_low"] > report["overall"]["value"]
    html = (tmp_path / "slice_report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert os.path.exists(tmp_path / "slice_report.json") and os.path.exists(tmp_path / "slicing_specs.json")
    for entry in report["slices"]:  # contract keys
        assert {"predicates", "size", "metric_value", "score", "p_value", "q_value", "ci_low", "ci_high",
                "significant", "recommendation", "tested"} <= set(entry)


def test_sliceline_ranking_equals_the_in_memory_search():
    df, _ = _data(seed=1)
    report = find_slices(df, "label", ranking="sliceline", k=4, alpha=0.95, min_support=40)
    encodings = [from_entry(f) for f in report["features"]]
    codes = encode_batch(to_record_batches(df, batch_rows=len(df))[0], encodings)
    errors = (df.prediction != df.label).to_numpy(float)
    state = sliceline.search_in_memory(codes, errors, [e.domain for e in encodings],
                                       sliceline.SliceLineParams(0.95, 4, 3, 40))
    assert [s["score"] for s in report["slices"]] == pytest.approx(list(state.top_stats[:, 0]))
    assert [s["score"] for s in report["sliceline_top_k"]] == pytest.approx(list(state.top_stats[:, 0]))


def test_batches_and_row_order_do_not_change_the_report():
    df, _ = _data(n=5000, seed=2)
    whole = find_slices(df, "label")
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    import tfx_dcai.slice_error_analyzer.api as api
    original = api.BATCH_ROWS
    try:
        api.BATCH_ROWS = 700
        parts = find_slices(shuffled, "label")
    finally:
        api.BATCH_ROWS = original
    assert parts["features"] == whole["features"]  # the bins do not depend on row order or batching
    assert [(s["description"], s["size"]) for s in parts["slices"]] == \
        [(s["description"], s["size"]) for s in whole["slices"]]
    assert [s["p_value"] for s in parts["slices"]] == pytest.approx([s["p_value"] for s in whole["slices"]])


def test_rows_without_label_or_prediction_are_dropped_and_counted():
    df, _ = _data(n=2000)
    df["label"] = df.label.astype(float)
    df.loc[:9, "label"] = np.nan
    df.loc[10:14, "prediction"] = np.nan
    rows = find_slices(df, "label")["rows"]
    assert rows == {"read": 2000, "used": 1985, "dropped_missing_label": 10, "dropped_missing_prediction": 5,
                    "dropped": {"missing_label": 10, "missing_prediction": 5}}


def test_a_model_without_errors_is_a_documented_pass():
    df, _ = _data(n=500)
    df["prediction"] = df.label.astype(float)
    report = find_slices(df, "label")
    assert report["status"] == "NO_SIGNIFICANT_SLICE" and report["slices"] == []
    assert any("makes no error" in note for note in report["notes"])


@pytest.mark.parametrize("change,message", [
    (lambda df: df.iloc[:0], "holds no rows"),
    (lambda df: df.assign(label=np.nan), "label column 'label' is empty"),
    (lambda df: df.iloc[:20], "fewer than min_support=32"),
    (lambda df: df.assign(label=np.where(df.label == 1, "yes", "no"),
                          prediction=np.where(df.prediction == 1, "Y", "N")), "never equal a label"),
    (lambda df: df.assign(prediction=df.prediction * 3 + 5), "regression"),
])
def test_no_usable_data_is_bad_input_never_a_pass(change, message):
    df = change(_data(n=400)[0])
    with pytest.raises(SliceInputError, match=message):
        find_slices(df, "label", **({"metric": "log_loss"} if "regression" in message else {}))


def test_a_feature_with_one_value_is_noted_not_fatal():
    df, _ = _data(n=3000)
    df["constant"] = "same"
    report = find_slices(df, "label")
    assert any("constant" in note for note in report["notes"])


def test_multivalent_features_are_left_out_with_a_note():
    df, _ = _data(n=3000)
    df["tags"] = [["a", "b"] if i % 2 else ["a"] for i in range(len(df))]
    report = find_slices(df, "label")
    assert "tags" not in {f["name"] for f in report["features"]}
    assert any("tags (up to 2)" in note for note in report["notes"])


def test_losses_use_welch_and_find_the_planted_slice():
    rng = np.random.default_rng(3)
    df, planted = _data(n=4000, seed=3)
    df["label"] = rng.normal(10, 1, len(df))
    df["prediction"] = df.label + rng.normal(0, np.where(planted, 3.0, 1.0))
    report = find_slices(df, "label")
    assert report["task"] == "regression" and report["overall"]["metric"] == "abs_error"
    children = [s for s in report["slices"] if {p["feature"] for p in s["predicates"]} == {"city", "fare"}]
    assert children and all(s["significant"] and s["metric_value"] > 2 and s["tested"] for s in children)
    squared = find_slices(df, "label", metric="squared_error")
    assert squared["overall"]["value"] == pytest.approx(((df.prediction - df.label) ** 2).mean())


def test_multiclass_probability_columns_error_rate_log_loss_and_recall():
    rng = np.random.default_rng(4)
    n = 4000
    df = pd.DataFrame({"island": rng.choice(["Biscoe", "Dream", "Torgersen"], n), "mass": rng.normal(4000, 500, n)})
    df["species"] = rng.choice(["Adelie", "Chinstrap", "Gentoo"], n)
    hard = (df.island == "Dream").to_numpy()
    truth = pd.get_dummies(df.species).reindex(columns=["Adelie", "Chinstrap", "Gentoo"]).to_numpy(float)
    noise = rng.dirichlet([1, 1, 1], n)
    probabilities = np.where(hard[:, None], 0.3 * truth + 0.7 * noise, 0.9 * truth + 0.1 * noise)
    for j, name in enumerate(["Adelie", "Chinstrap", "Gentoo"]):
        df[f"p_{name}"] = probabilities[:, j]
    report = find_slices(df, "species", prediction="p")
    assert report["task"] == "multiclass" and report["prediction"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert report["slices"][0]["description"] == "island == Dream"
    predicted = np.array(["Adelie", "Chinstrap", "Gentoo"])[probabilities.argmax(axis=1)]
    assert report["overall"]["value"] == pytest.approx(np.mean(predicted != df.species))
    from sklearn.metrics import log_loss, recall_score
    loss = find_slices(df, "species", prediction="p", metric="log_loss")
    assert loss["overall"]["value"] == pytest.approx(log_loss(df.species, probabilities,
                                                              labels=["Adelie", "Chinstrap", "Gentoo"]))
    recall = find_slices(df, "species", prediction="p", metric="recall", recall_class="Gentoo")
    assert recall["overall"]["value"] == pytest.approx(recall_score(df.species, predicted, labels=["Gentoo"],
                                                                    average="macro"))
    assert recall["rows"]["dropped"]["label_not_recall_class"] == int((df.species != "Gentoo").sum())
    dream = [s for s in recall["slices"] if s["description"] == "island == Dream"][0]
    assert dream["metric_value"] < recall["overall"]["value"] and dream["ci_high"] <= 1
    with pytest.raises(SliceInputError, match="needs recall_class"):
        find_slices(df, "species", prediction="p", metric="recall")
    with pytest.raises(SliceInputError, match="'Emperor' is not a label"):
        find_slices(df, "species", prediction="p", metric="recall", recall_class="Emperor")


def test_predicted_text_labels_multiclass():
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({"region": rng.choice(list("abcd"), n), "x": rng.random(n)})
    df["label"] = rng.choice(["cat", "dog", "bird"], n)
    wrong = rng.random(n) < np.where(df.region == "c", 0.5, 0.1)
    df["guess"] = np.where(wrong, np.where(df.label == "cat", "dog", "cat"), df.label)
    report = find_slices(df, "label", prediction="guess")
    assert report["task"] == "multiclass" and report["slices"][0]["description"] == "region == c"
    assert report["overall"]["value"] == pytest.approx(np.mean(df.guess != df.label))


def test_baseline_gate_blocks_a_regression_and_passes_otherwise():
    df, planted = _data(n=4000, seed=4)
    df["baseline"] = df.label.astype(float)  # a baseline that is never wrong
    assert find_slices(df, "label", baseline_prediction="baseline")["blessing"]["verdict"] == "BLOCKED"
    df["baseline"] = 1.0 - df.label  # a baseline that is always wrong
    assert find_slices(df, "label", baseline_prediction="baseline")["blessing"]["verdict"] == "PASS"
    assert find_slices(df, "label")["blessing"]["verdict"] == "NO_BASELINE"


def test_bad_input_names_the_column():
    df, _ = _data(n=300)
    with pytest.raises(SliceInputError, match="no prediction column 'score'"):
        find_slices(df, "label", prediction="score")
    with pytest.raises(SliceInputError, match="label column 'nope' is not in the data"):
        find_slices(df, "nope")
    with pytest.raises(SliceInputError, match="'missing_col'"):
        find_slices(df, "label", exclude=["missing_col"])
    with pytest.raises(SliceInputError, match=r"max_level \(--max-level\) must be an integer between 1 and 8"):
        find_slices(df, "label", max_level=0)
    with pytest.raises(SliceInputError, match="metric 'abs_error' does not apply to a binary task"):
        find_slices(df, "label", metric="abs_error")


def test_small_counts_are_not_significant_by_accident():
    """Issue 11's case: 100 rows, 2 errors, both in a slice of 10 rows. The pooled z test gave p = 9e-6; Fisher's
    exact test gives 0.0091, not significant after Benjamini-Hochberg."""
    from scipy.stats import fisher_exact

    group = np.array(["a"] * 10 + ["b"] * 90)
    label = np.arange(100) % 2
    prediction = label.copy()
    prediction[:2] = 1 - label[:2]
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"group": group, "hour": rng.integers(0, 24, 100), "fare": rng.gamma(2.0, 6.0, 100),
                         "label": label, "prediction": prediction})
    report = find_slices(data, "label", min_support=10, ranking="sliceline", k=100, max_level=1)
    entry = [s for s in report["slices"] if s["description"] == "group == a"][0]
    assert report["n_evaluated"] >= 10
    expected = fisher_exact([[2, 8], [0, 90]], alternative="greater")[1]
    assert entry["p_value"] == pytest.approx(expected) and round(expected, 4) == 0.0091
    assert not entry["significant"] and report["n_significant"] == 0
