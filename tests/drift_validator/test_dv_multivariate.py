"""Domain-classifier drift: AUC against scikit-learn, permutation p-value against Mann-Whitney, planted shifts."""
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from tfx_dcai.drift_validator.multivariate import domain_classifier_drift, permutation_p_value
from tfx_dcai.metrics import auc


def test_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.round(rng.normal(labels * 0.3, 1), 1)
    assert auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))


def test_permutation_p_value_agrees_with_mann_whitney():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 300)
    scores = rng.normal(labels * 0.2, 1)
    observed = auc(labels, scores)
    ours = permutation_p_value(labels, scores, observed, 2000, rng)
    exact = stats.mannwhitneyu(scores[labels == 1], scores[labels == 0], alternative="greater").pvalue
    assert ours == pytest.approx(exact, abs=0.015)


def _sample(rng, n, shift_corr=False):
    a = rng.normal(0, 1, n)
    b = rng.normal(0, 1, n)
    if shift_corr:  # same marginals, different joint: b follows a
        b = 0.8 * a + 0.6 * rng.normal(0, 1, n)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    return {"a": a, "b": b, "colour": colour, "noise": rng.normal(0, 1, n)}


def test_joint_shift_with_unchanged_marginals_is_found_and_attributed():
    rng = np.random.default_rng(2)
    result = domain_classifier_drift(_sample(rng, 2000), _sample(rng, 2000, shift_corr=True),
                                     ["a", "b", "colour", "noise"], q=0.05, min_auc=0.6, permutations=200)
    assert result["drift"] and result["auc"] > 0.65 and result["p_value"] < 0.01
    assert set(result["top_features"][:2]) == {"a", "b"}


def test_no_shift_passes():
    rng = np.random.default_rng(3)
    result = domain_classifier_drift(_sample(rng, 1500), _sample(rng, 1500), ["a", "b", "colour", "noise"],
                                     q=0.05, min_auc=0.6, permutations=200)
    assert not result["drift"] and result["auc"] < 0.56


def test_missing_values_and_clear_errors():
    rng = np.random.default_rng(4)
    base, cur = _sample(rng, 300), _sample(rng, 300)
    base["a"][:100] = np.nan
    cur["colour"][:50] = None
    assert 0 <= domain_classifier_drift(base, cur, ["a", "colour"], 0.05, 0.6, 50)["auc"] <= 1
    with pytest.raises(ValueError, match="no feature is present"):
        domain_classifier_drift(base, cur, ["zzz"], 0.05, 0.6)


def test_importance_is_computed_for_the_features_with_the_largest_split_gain(monkeypatch):
    from tfx_dcai.drift_validator import multivariate

    rng = np.random.default_rng(5)
    names = [f"x{j:02d}" for j in range(60)]
    base = {f: rng.normal(0, 1, 1500) for f in names}
    cur = {f: rng.normal(0.5 if f in ("x07", "x41") else 0, 1, 1500) for f in names}
    whole = domain_classifier_drift(base, cur, names, 0.05, 0.6, 100)
    monkeypatch.setattr(multivariate, "IMPORTANCE_FEATURES", 4)
    capped = domain_classifier_drift(base, cur, names, 0.05, 0.6, 100)
    assert capped["auc"] == whole["auc"] and capped["p_value"] == whole["p_value"]
    assert len(capped["importance"]) == 4 < capped["features_used"] == whole["features_used"] <= 60
    assert len(whole["importance"]) == min(30, whole["features_used"])  # the default cap
    assert set(capped["top_features"][:2]) == set(whole["top_features"][:2]) == {"x07", "x41"}
    assert list(capped["importance"].values()) == sorted(capped["importance"].values(), reverse=True)
