"""Tests and intervals: published worked examples and statsmodels/scipy as independent implementations."""
import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from tfx_dcai.multiple_testing import benjamini_hochberg
from tfx_dcai.slice_error_analyzer import significance

# Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 the first four are rejected.
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
           0.6528, 0.7590, 1.0000]


def test_benjamini_hochberg_published_example():
    q = benjamini_hochberg(BH_1995)
    assert list(q <= 0.05) == [True] * 4 + [False] * 11


def test_benjamini_hochberg_matches_statsmodels():
    p = np.random.default_rng(0).random(200) ** 3
    assert benjamini_hochberg(p) == pytest.approx(multipletests(p, method="fdr_bh")[1])


def test_wilson_interval_newcombe_example():
    # Newcombe (1998), Table I: 81 of 263, Wilson score interval 0.2553 to 0.3662.
    low, high = significance.wilson_interval(81, 263)
    assert (round(float(low), 4), round(float(high), 4)) == (0.2553, 0.3662)
    assert (low, high) == pytest.approx(proportion_confint(81, 263, method="wilson"))


def test_two_proportion_matches_statsmodels():
    for x1, n1, x2, n2 in [(30, 100, 200, 1000), (5, 40, 50, 400), (12, 50, 30, 50)]:
        expected = proportions_ztest([x1, x2], [n1, n2], alternative="larger")[1]
        assert float(significance.two_proportion_greater(x1, n1, x2, n2)) == pytest.approx(expected)


def test_welch_matches_scipy_from_sufficient_statistics():
    rng = np.random.default_rng(1)
    a, b = rng.exponential(1.3, 80), rng.exponential(1.0, 500)
    expected = stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
    got = significance.welch_greater(a.sum(), (a * a).sum(), len(a), b.sum(), (b * b).sum(), len(b))
    assert float(got) == pytest.approx(expected)


def test_mean_interval_and_paired_test_match_scipy():
    rng = np.random.default_rng(2)
    x = rng.normal(0.3, 1.0, 60)
    low, high = significance.mean_interval(x.sum(), (x * x).sum(), len(x))
    assert (low, high) == pytest.approx(stats.t.interval(0.95, len(x) - 1, x.mean(), stats.sem(x)))
    base = x - rng.normal(0.2, 0.5, 60)
    d = x - base
    expected = stats.ttest_rel(x, base, alternative="greater").pvalue
    assert float(significance.paired_greater(d.sum(), (d * d).sum(), len(d))) == pytest.approx(expected)


def test_degenerate_inputs_give_p_one_not_nan():
    assert float(significance.two_proportion_greater(0, 10, 0, 90)) == 1.0
    assert float(significance.welch_greater(0, 0, 10, 0, 0, 90)) == 1.0
    assert float(significance.paired_greater(0, 0, 10)) == 1.0
    assert float(significance.paired_greater(5, 5, 5)) == 0.0  # always worse, no variance
