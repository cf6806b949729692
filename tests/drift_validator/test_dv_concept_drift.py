"""Concept drift: bootstrap CI of the metric change, label prior, conditional label rates."""
import numpy as np
import pytest
from scipy import stats

from tfx_dcai.drift_validator import concept_drift as cd


def _world(rng, n, flip=0.0):
    x = rng.normal(0, 1, n)
    colour = rng.choice(["a", "b"], n).astype(object)
    p = 1 / (1 + np.exp(-2 * x))
    y = (rng.random(n) < p).astype(float)
    if flip:  # concept change: for colour "b" the label no longer follows x
        b = colour == "b"
        y[b] = (rng.random(b.sum()) < flip).astype(float)
    return {"x": x, "colour": colour}, y, p


def test_metric_drop_is_detected_and_stable_model_is_not():
    rng = np.random.default_rng(0)
    cols_b, y_b, s_b = _world(rng, 3000)
    cols_c, y_c, s_c = _world(rng, 3000, flip=0.9)
    assert cd.metric_name(y_b, s_b) == "auc"
    result = cd.metric_difference(y_b, s_b, y_c, s_c, 300, 0.02, rng, "auc")
    assert result["drift"] and result["difference_ci"][1] < 0 and result["current"] < result["baseline"]
    _, y_same, s_same = _world(rng, 3000)
    stable = cd.metric_difference(y_b, s_b, y_same, s_same, 300, 0.02, rng, "auc")
    assert not stable["drift"] and stable["difference_ci"][0] < 0 < stable["difference_ci"][1]


def test_bootstrap_ci_of_a_mean_difference_matches_the_normal_approximation():
    # accuracy is a mean of 0/1 values: its bootstrap CI must match the Wald interval for two proportions.
    rng = np.random.default_rng(1)
    yb, yc = np.ones(4000), np.ones(4000)
    pb, pc = (rng.random(4000) < 0.8).astype(float), (rng.random(4000) < 0.75).astype(float)
    result = cd.metric_difference(yb, pb, yc, pc, 2000, 0.02, rng, "accuracy")
    a, b = pb.mean(), pc.mean()
    se = np.sqrt(a * (1 - a) / 4000 + b * (1 - b) / 4000)
    assert result["difference_ci"][0] == pytest.approx(b - a - 1.96 * se, abs=0.004)
    assert result["difference_ci"][1] == pytest.approx(b - a + 1.96 * se, abs=0.004)


def test_label_prior_matches_scipy():
    base = np.array(["0"] * 700 + ["1"] * 300, dtype=object)
    cur = np.array(["0"] * 600 + ["1"] * 400, dtype=object)
    prior = cd.label_prior(base, cur)
    expected = stats.chi2_contingency([[700, 300], [600, 400]], correction=False)
    assert prior["p_value"] == pytest.approx(expected.pvalue)
    assert prior["current"] == pytest.approx([0.6, 0.4])


def test_conditional_label_rates_point_at_the_changed_segment():
    rng = np.random.default_rng(2)
    cols_b, y_b, _ = _world(rng, 4000)
    cols_c, y_c, _ = _world(rng, 4000, flip=0.9)
    rows = cd.conditional_label_rates(cols_b, cols_c, y_b, y_c, ["x", "colour"], 5, 0.05)
    changed = [r for r in rows if r["changed"]]
    assert changed and any(r["feature"] == "colour" and r["bin"] == "b" for r in changed)
    assert not any(r["feature"] == "colour" and r["bin"] == "a" and r["changed"] for r in rows)
