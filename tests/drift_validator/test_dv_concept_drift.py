"""Concept drift per task (binary, multi-class, regression): metrics against scikit-learn, bootstrap CIs, label
drift, conditional label rates, prediction drift, and the estimated performance without labels (CBPE)."""
import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from sklearn import metrics as skm

from tfx_dcai import predictions as preds
from tfx_dcai.metrics import metric_value
from tfx_dcai.drift_validator import concept_drift as cd
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.estimated_performance import estimate_performance, simulate


def _binary_world(rng, n, flip=0.0):
    x = rng.normal(0, 1, n)
    colour = rng.choice(["a", "b"], n).astype(object)
    p = 1 / (1 + np.exp(-2 * x))
    y = (rng.random(n) < p).astype(float)
    if flip:  # concept change: for colour "b" the label no longer follows x
        b = colour == "b"
        y[b] = (rng.random(b.sum()) < flip).astype(float)
    return pa.table({"x": x, "colour": colour.tolist(), "label": y, "P": p})


def _pred(table, task=None, classes=(), labelled=True, output=None, key="P"):
    return cd.side_predictions(table, "label", key, "test", output, task, classes, labelled)


def test_binary_auc_drop_is_detected_and_a_stable_model_is_not():
    rng = np.random.default_rng(0)
    base, cur = _pred(_binary_world(rng, 3000)), _pred(_binary_world(rng, 3000, flip=0.9))
    config = DriftConfig(bootstrap=300)
    result = cd.concept_drift(base, cur, {}, {}, [], config, rng)
    assert result["task"] == "binary" and result["metric"] == "auc" and result["drift"]
    assert result["difference_ci"][1] < 0 and result["current"] < result["baseline"]
    assert {m["metric"] for m in result["metrics"]} == {"auc", "accuracy", "log_loss"}
    table = _binary_world(np.random.default_rng(5), 3000)
    assert result["baseline"] != pytest.approx(0) and _pred(table).n == 3000
    stable = cd.concept_drift(base, _pred(_binary_world(rng, 3000)), {}, {}, [], config, rng)
    assert not stable["drift"] and stable["difference_ci"][0] < 0 < stable["difference_ci"][1]


def test_bootstrap_ci_of_an_accuracy_difference_matches_the_normal_approximation():
    # accuracy is a mean of 0/1 values: its bootstrap CI must match the Wald interval for two proportions.
    rng = np.random.default_rng(1)
    yb, yc = np.ones(4000), np.ones(4000)
    pb, pc = (rng.random(4000) < 0.8).astype(float), (rng.random(4000) < 0.75).astype(float)
    base = _pred(pa.table({"label": yb.tolist() + [0.0], "P": pb.tolist() + [0.0]}), task="binary")
    cur = _pred(pa.table({"label": yc.tolist() + [0.0], "P": pc.tolist() + [0.0]}), task="binary")
    change = cd.metric_changes(base, cur, ["accuracy"], 2000, rng)[0]
    a, b = (pb.sum() + 1) / 4001, (pc.sum() + 1) / 4001
    se = np.sqrt(a * (1 - a) / 4001 + b * (1 - b) / 4001)
    assert change["difference_ci"][0] == pytest.approx(b - a - 1.96 * se, abs=0.004)
    assert change["difference_ci"][1] == pytest.approx(b - a + 1.96 * se, abs=0.004)


def _three_classes(rng, n, shuffle_labels=0.0):
    x = rng.normal(0, 1, (n, 2))
    logits = np.column_stack([x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]]) * 2
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p])
    if shuffle_labels:
        flip = rng.random(n) < shuffle_labels
        y[flip] = rng.integers(0, 3, flip.sum())
    names = np.array(["Adelie", "Chinstrap", "Gentoo"], dtype=object)
    columns = {"x0": x[:, 0], "x1": x[:, 1], "label": names[y].tolist()}
    columns.update({f"P_{c}": p[:, k] for k, c in enumerate(names)})
    return pa.table(columns), p, y


def test_multiclass_metrics_equal_scikit_learn_on_the_same_rows():
    rng = np.random.default_rng(2)
    table, p, y = _three_classes(rng, 2000)
    pred = _pred(table)
    assert pred.task == "multiclass" and pred.classes == ("Adelie", "Chinstrap", "Gentoo")
    change = {m["metric"]: m for m in cd.metric_changes(pred, pred, cd.metric_names(pred), 20, rng)}
    assert change["accuracy"]["baseline"] == pytest.approx(skm.accuracy_score(y, p.argmax(axis=1)))
    assert change["macro_f1"]["baseline"] == pytest.approx(skm.f1_score(y, p.argmax(axis=1), average="macro"))
    assert change["log_loss"]["baseline"] == pytest.approx(skm.log_loss(y, p))
    assert change["accuracy"]["baseline"] > 0.5  # never the last softmax column as a binary score


def test_multiclass_concept_drift_with_per_class_conditional_rates():
    rng = np.random.default_rng(3)
    base_table, _, _ = _three_classes(rng, 3000)
    cur_table, _, _ = _three_classes(rng, 3000, shuffle_labels=0.5)
    base, cur = _pred(base_table), _pred(cur_table)
    cols = ["x0", "x1"]
    from tfx_dcai.drift_validator.sample_columns import table_columns
    result = cd.concept_drift(base, cur, table_columns(base_table, cols), table_columns(cur_table, cols), cols,
                              DriftConfig(bootstrap=200), rng)
    assert result["metric"] == "accuracy" and result["drift"] and result["task"] == "multiclass"
    assert {r["class"] for r in result["conditional_label_rates"]} == {"Adelie", "Chinstrap", "Gentoo"}
    assert any(r["changed"] for r in result["conditional_label_rates"])
    assert result["label_drift"]["test"] == "chi_square"


def test_regression_mae_rmse_and_label_drift_match_scipy_and_sklearn():
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, 3000)
    y = 3 * x + rng.normal(0, 1, 3000)
    base_table = pa.table({"x": x, "label": y, "P": 3 * x})
    x2 = rng.normal(0.5, 1, 3000)
    y2 = 3 * x2 + rng.normal(0, 2, 3000)  # noisier: MAE up
    cur_table = pa.table({"x": x2, "label": y2, "P": 3 * x2})
    base, cur = _pred(base_table, task="regression"), _pred(cur_table, task="regression")
    assert _pred(base_table).task == "regression"  # inferred from the numbers
    from tfx_dcai.drift_validator.sample_columns import table_columns
    result = cd.concept_drift(base, cur, table_columns(base_table, ["x"]), table_columns(cur_table, ["x"]), ["x"],
                              DriftConfig(bootstrap=200), rng)
    by_name = {m["metric"]: m for m in result["metrics"]}
    assert by_name["mae"]["baseline"] == pytest.approx(skm.mean_absolute_error(y, 3 * x))
    assert by_name["rmse"]["current"] == pytest.approx(np.sqrt(skm.mean_squared_error(y2, 3 * x2)))
    assert result["metric"] == "mae" and result["drift"]
    assert result["label_drift"]["p_value"] == pytest.approx(stats.ks_2samp(y, y2).pvalue)
    assert "baseline_mean" in result["conditional_label_rates"][0]
    prediction = cd.prediction_drift(base, cur, 0.05, 0.1, 0.05)
    assert prediction["drift"] and prediction["p_value"] == pytest.approx(stats.ks_2samp(3 * x, 3 * x2).pvalue)


def test_label_drift_of_classes_matches_scipy():
    base = _pred(pa.table({"label": [0.0] * 700 + [1.0] * 300, "P": [0.3] * 1000}))
    cur = _pred(pa.table({"label": [0.0] * 600 + [1.0] * 400, "P": [0.3] * 1000}))
    drift = cd.label_drift(base, cur)
    expected = stats.chi2_contingency([[700, 300], [600, 400]], correction=False)
    assert drift["p_value"] == pytest.approx(expected.pvalue) and drift["current"] == pytest.approx([0.6, 0.4])


def test_conditional_label_rates_point_at_the_changed_segment():
    rng = np.random.default_rng(2)
    base_table, cur_table = _binary_world(rng, 4000), _binary_world(rng, 4000, flip=0.9)
    from tfx_dcai.drift_validator.sample_columns import table_columns
    rows = cd.conditional_label_rates(table_columns(base_table, ["x", "colour"]),
                                      table_columns(cur_table, ["x", "colour"]), _pred(base_table), _pred(cur_table),
                                      ["x", "colour"], 5, 0.05, 0.1)
    changed = [r for r in rows if r["changed"]]
    assert changed and any(r["feature"] == "colour" and r["bin"] == "b" for r in changed)
    assert not any(r["feature"] == "colour" and r["bin"] == "a" and r["changed"] for r in rows)


def test_prediction_drift_of_predicted_classes_without_labels():
    rng = np.random.default_rng(6)
    base_table, _, _ = _three_classes(rng, 2000)
    cur_table, _, _ = _three_classes(rng, 2000)
    shifted = cur_table.set_column(cur_table.schema.get_field_index("P_Adelie"), "P_Adelie",
                                   pa.array(np.ones(2000) * 0.9))
    base = _pred(base_table)
    cur = _pred(shifted.drop(["label"]), task="multiclass", classes=base.classes, labelled=False)
    result = cd.prediction_drift(base, cur, 0.05, 0.1, 0.05)
    assert result["what"] == "predicted class" and result["drift"]


def test_predicted_labels_that_no_label_has_are_one_category_of_the_prediction_drift():
    """Found by `make fuzz`: a current prediction outside the label classes (code -1) crashed np.bincount."""
    base_table = pa.table({"label": ["a", "b", "c", "c"] * 25, "P": ["a", "b", "c", "a"] * 25})
    cur_table = pa.table({"P": ["a", "b", "c", "zebra"] * 25})
    base = _pred(base_table, classes=("a", "b", "c"))
    cur = _pred(cur_table, task=base.task, classes=base.classes, labelled=False)
    result = cd.prediction_drift(base, cur, 0.05, 0.1, 0.05)
    assert result["labels"] == ["a", "b", "c", cd.OUTSIDE_THE_CLASSES]
    assert result["baseline"] == [0.5, 0.25, 0.25, 0.0] and result["current"] == [0.25, 0.25, 0.25, 0.25]
    assert result["drift"] and result["effect_size"] == pytest.approx(0.25)
    labelled = _pred(pa.table({"label": ["a", "b", "c", "c"] * 25, "P": ["a", "b", "c", "zebra"] * 25}),
                     classes=("a", "b", "c"))
    assert labelled.n == 100 and metric_value("accuracy", labelled) == 0.75  # never a class: always wrong


def test_estimated_accuracy_and_auc_cover_the_realized_ones_when_calibrated():
    rng = np.random.default_rng(7)
    base = _pred(_binary_world(rng, 4000))
    shifted = _binary_world(np.random.default_rng(8), 4000)  # same P(y|x); x shifted below
    x = shifted.column("x").to_numpy() + 0.7
    p = 1 / (1 + np.exp(-2 * x))
    y = (rng.random(4000) < p).astype(float)
    shifted = pa.table({"x": x, "label": y, "P": p})
    cur = _pred(shifted.drop(["label"]), task="binary", classes=base.classes, labelled=False)
    estimates = {e["metric"]: e for e in estimate_performance(base, cur, 400, rng)}
    realized_accuracy = skm.accuracy_score(y, p >= 0.5)
    realized_auc = skm.roc_auc_score(y, p)
    assert estimates["accuracy"]["calibrated"] and estimates["auc"]["calibrated"]
    assert estimates["accuracy"]["ci_low"] <= realized_accuracy <= estimates["accuracy"]["ci_high"]
    assert estimates["auc"]["ci_low"] <= realized_auc <= estimates["auc"]["ci_high"]
    assert estimates["accuracy"]["value"] == pytest.approx(np.mean(np.maximum(p, 1 - p)))


def test_estimate_is_flagged_uncalibrated_when_the_baseline_probabilities_are_overconfident():
    rng = np.random.default_rng(9)
    table = _binary_world(rng, 4000)
    p = table.column("P").to_numpy()
    overconfident = np.clip((p - 0.5) * 3 + 0.5, 0.001, 0.999)
    table = table.set_column(table.schema.get_field_index("P"), "P", pa.array(overconfident))
    base = _pred(table)
    estimates = estimate_performance(base, base, 300, rng)
    assert estimates and not any(e["calibrated"] for e in estimates)


def test_simulated_auc_matches_sklearn_on_each_draw():
    rng = np.random.default_rng(10)
    probabilities = rng.random(300)
    matrix = np.column_stack([1 - probabilities, probabilities])
    draws = simulate(matrix, (probabilities >= 0.5).astype(int), "auc", 5, np.random.default_rng(1))
    labels = np.random.default_rng(1).random((5, 300, 1)) > np.cumsum(matrix, axis=1)[None]
    expected = [skm.roc_auc_score(row.sum(axis=1) >= 1, probabilities) for row in labels]
    np.testing.assert_allclose(draws, expected)


def test_no_usable_labels_is_its_own_status():
    result = cd.no_labels(40, "no label")
    assert result["status"] == cd.NO_LABELS and not result["drift"]
    assert preds.BINARY == "binary"
