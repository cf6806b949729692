"""Tests and intervals against published examples and scipy/statsmodels as independent implementations."""
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


def test_untested_hypotheses_count_as_p_one_without_being_materialised():
    p = np.random.default_rng(1).random(300) ** 4
    with_ones = multipletests(np.concatenate([p, np.ones(5000)]), method="fdr_bh")[1][:300]
    assert benjamini_hochberg(p, untested=5000) == pytest.approx(with_ones)
    assert benjamini_hochberg(list(p) + [None], untested=5000)[:300] == pytest.approx(with_ones)


@pytest.mark.parametrize("x,m,k,n", [(2, 10, 2, 100), (30, 100, 230, 1100), (5, 40, 55, 440), (12, 50, 42, 100),
                                     (0, 30, 3, 60), (7, 7, 7, 10_000), (150, 1000, 1200, 50_000)])
def test_fisher_matches_scipy_fisher_exact(x, m, k, n):
    expected = stats.fisher_exact([[x, m - x], [k - x, n - m - k + x]], alternative="greater")[1]
    assert float(significance.fisher_greater(x, m, k, n)) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_the_issue_case_exact_instead_of_z():
    """100 rows, 2 errors, both in a slice of 10: z test p = 9e-6 (anti-conservative), exact p = 0.0091."""
    z_p = proportions_ztest([2, 0], [10, 90], alternative="larger")[1]
    assert z_p < 1e-5
    assert float(significance.fisher_greater(2, 10, 2, 100)) == pytest.approx(45 / 4950)


def test_fisher_is_vectorised():
    x, m = np.array([0, 3, 9]), np.array([20, 20, 20])
    p = significance.fisher_greater(x, m, 12, 200)
    assert p[0] == 1.0 and p[0] > p[1] > p[2]


def test_clopper_pearson_matches_statsmodels_and_a_published_value():
    for x, m in [(81, 263), (0, 10), (10, 10), (3, 50)]:
        low, high = significance.clopper_pearson(x, m)
        assert (float(low), float(high)) == pytest.approx(proportion_confint(x, m, method="beta"), abs=1e-12)
    # Newcombe (1998), Table I, method 5 (Clopper-Pearson): 81/263 -> 0.2527 to 0.3676
    low, high = significance.clopper_pearson(81, 263)
    assert (round(float(low), 4), round(float(high), 4)) == (0.2527, 0.3676)


def test_welch_matches_scipy_from_sufficient_statistics():
    rng = np.random.default_rng(1)
    a, b = rng.exponential(1.3, 80), rng.exponential(1.0, 500)
    expected = stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
    p, tested = significance.welch_greater(a.sum(), (a * a).sum(), len(a), b.sum(), (b * b).sum(), len(b))
    assert float(p) == pytest.approx(expected) and bool(tested)


def test_welch_below_the_minimum_n_is_not_tested():
    rng = np.random.default_rng(2)
    a, b = rng.exponential(3.0, significance.WELCH_MIN_N - 1), rng.exponential(1.0, 500)
    p, tested = significance.welch_greater(a.sum(), (a * a).sum(), len(a), b.sum(), (b * b).sum(), len(b))
    assert float(p) == 1.0 and not bool(tested)
    p, tested = significance.slice_vs_rest(False, [100, 480], [a.sum() * 4, 500.0], [400.0, 1000.0], 500, 600.0,
                                           1300.0)
    assert not tested[1] and tested[0]  # the rest of a 480-of-500 slice has 20 rows


def test_mean_interval_matches_scipy():
    x = np.random.default_rng(3).normal(0.3, 1.0, 60)
    low, high = significance.mean_interval(x.sum(), (x * x).sum(), len(x))
    assert (low, high) == pytest.approx(stats.t.interval(0.95, len(x) - 1, x.mean(), stats.sem(x)))


def test_mcnemar_matches_scipy_binomtest():
    rng = np.random.default_rng(4)
    model = (rng.random(300) < 0.2).astype(float)
    baseline = (rng.random(300) < 0.12).astype(float)
    d = model - baseline
    b, c = int((d > 0).sum()), int((d < 0).sum())
    expected = stats.binomtest(b, b + c, 0.5, alternative="greater").pvalue
    assert float(significance.mcnemar_greater(d.sum(), (d * d).sum())) == pytest.approx(expected)
    assert float(significance.mcnemar_greater(0, 0)) == 1.0


def test_paired_t_matches_scipy():
    rng = np.random.default_rng(5)
    x = rng.exponential(1.0, 60)
    base = x - rng.normal(0.2, 0.5, 60)
    d = x - base
    expected = stats.ttest_rel(x, base, alternative="greater").pvalue
    p, tested = significance.paired_t_greater(d.sum(), (d * d).sum(), len(d))
    assert float(p) == pytest.approx(expected) and bool(tested)


def test_degenerate_inputs_give_p_one_not_nan():
    assert float(significance.fisher_greater(0, 10, 0, 90)) == 1.0
    p, _ = significance.welch_greater(0, 0, 40, 0, 0, 90)
    assert float(p) == 1.0
    p, _ = significance.paired_t_greater(0, 0, 40)
    assert float(p) == 1.0
    p, _ = significance.paired_t_greater(40, 40, 40)
    assert float(p) == 0.0  # always worse, no variance
