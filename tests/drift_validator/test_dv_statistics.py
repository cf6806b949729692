"""Per-feature drift statistics: published worked examples and independent implementations (scipy, statsmodels)."""
import math

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance
from statsmodels.stats.multitest import multipletests

from tfx_dcai.drift_validator import distributions as dist
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.feature_drift import compare_statistics
from tfx_dcai.drift_validator.binned_measures import jensen_shannon, population_stability_index
from tfx_dcai.drift_validator.categorical_drift import categorical_drift, chi_square, contingency_table
from tfx_dcai.multiple_testing import benjamini_hochberg
from tfx_dcai.drift_validator.numeric_drift import (PiecewiseLinearCdf, ks_lower_bound, ks_p_value, ks_statistic,
                                                      numeric_drift, wasserstein)
from tfx_dcai.drift_validator.synthetic_statistics import categorical_feature, numeric_feature


def _cdf(values):
    return PiecewiseLinearCdf(dist.numeric_distribution(numeric_feature("x", values)).knots)


SCENARIOS = [  # (name, baseline sampler, current sampler)
    ("no shift", lambda r, n: r.normal(0, 1, n), lambda r, n: r.normal(0, 1, n)),
    ("location 0.3 sd", lambda r, n: r.normal(0, 1, n), lambda r, n: r.normal(0.3, 1, n)),
    ("scale x1.5", lambda r, n: r.normal(0, 1, n), lambda r, n: r.normal(0, 1.5, n)),
    ("skewed, shifted", lambda r, n: r.lognormal(0, 1, n), lambda r, n: r.lognormal(0.2, 1, n)),
    ("discrete", lambda r, n: r.poisson(3, n), lambda r, n: r.poisson(3.5, n)),
]


def _knots(values, buckets):
    d = dist.numeric_distribution(numeric_feature("x", values, buckets))
    return d.knots


@pytest.mark.parametrize("name,make_a,make_b", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_ks_estimate_from_ten_buckets_matches_scipy_ks_2samp_on_raw_samples(name, make_a, make_b):
    rng = np.random.default_rng(7)
    a, b = make_a(rng, 4000), make_b(rng, 3000)
    assert ks_statistic(_cdf(a), _cdf(b)) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=0.03), name


@pytest.mark.parametrize("buckets", [10, 100])
@pytest.mark.parametrize("name,make_a,make_b", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_ks_lower_bound_never_exceeds_the_raw_sample_statistic(name, make_a, make_b, buckets):
    rng = np.random.default_rng(8)
    a, b = make_a(rng, 2000), make_b(rng, 2500)
    bound = ks_lower_bound(_knots(a, buckets), _knots(b, buckets))
    exact = stats.ks_2samp(a, b)
    assert bound <= exact.statistic + 2 / 2000, name
    if buckets == 100:  # with a finer sketch the bound is tight, and p-values agree on significance
        assert bound == pytest.approx(exact.statistic, abs=0.015), name
        assert (ks_p_value(bound, 2000, 2500) < 0.01) == (exact.pvalue < 0.01), name


def test_point_masses_at_the_same_value_never_look_like_drift():
    # Half the values sit exactly on 8 (a community area, say): ten-bucket interpolation misplaces the atom,
    # the band bound does not.
    rng = np.random.default_rng(9)

    def draw(n):
        return np.where(rng.random(n) < 0.5, 8.0, rng.integers(1, 78, n).astype(float))
    a, b = draw(10000), draw(5000)
    assert stats.ks_2samp(a, b).pvalue > 0.05
    assert ks_p_value(ks_lower_bound(_knots(a, 10), _knots(b, 10)), 10000, 5000, 0.01) > 0.5


def test_ks_p_value_matches_scipy_asymptotic_mode_for_the_same_statistic():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 700), rng.normal(0.1, 1, 900)
    exact = stats.ks_2samp(a, b, method="asymp")
    assert ks_p_value(exact.statistic, 700, 900) == pytest.approx(exact.pvalue, rel=1e-9)


def test_ks_p_value_reproduces_the_published_critical_value_1_358():
    # Smirnov's table: for large samples, reject at 5% when D > 1.358 * sqrt((n+m)/(n m)).
    n = m = 50_000
    critical = 1.358 * math.sqrt((n + m) / (n * m))
    assert ks_p_value(critical, n, m) == pytest.approx(0.05, abs=0.001)


def test_sketch_error_is_subtracted_before_the_p_value():
    assert ks_p_value(0.02, 100_000, 100_000, sketch_error=0.01) > ks_p_value(0.02, 100_000, 100_000)
    assert ks_p_value(0.005, 100_000, 100_000, sketch_error=0.01) == 1.0


def test_wasserstein_matches_scipy_on_raw_samples():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 5000), rng.normal(0.5, 1.2, 5000)
    assert wasserstein(_cdf(a), _cdf(b)) == pytest.approx(stats.wasserstein_distance(a, b), rel=0.1)


def test_robust_effect_ignores_one_extreme_value():
    rng = np.random.default_rng(6)
    a = rng.normal(0, 1, 5000)
    b = np.concatenate([rng.normal(0, 1, 4999), [1e6]])
    base = dist.numeric_distribution(numeric_feature("x", a))
    cur = dist.numeric_distribution(numeric_feature("x", b))
    result = numeric_drift(base.knots, cur.knots, base.quantile_knots, cur.quantile_knots, base.n, cur.n,
                           base.std, base.quantile_edges)
    assert result.scaled_wasserstein < 0.1 < result.wasserstein


def test_identical_and_disjoint_point_masses():
    same = _cdf(np.full(100, 3.0))
    assert ks_statistic(same, same) == 0.0
    assert wasserstein(same, same) == 0.0
    other = _cdf(np.full(100, 5.0))
    assert ks_statistic(same, other) == 1.0
    assert wasserstein(same, other) == pytest.approx(2.0)


def test_numeric_drift_scales_wasserstein_by_the_baseline_sd():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0, 2, 20000), rng.normal(1.0, 2, 20000)
    base = dist.numeric_distribution(numeric_feature("x", a))
    cur = dist.numeric_distribution(numeric_feature("x", b))
    result = numeric_drift(base.knots, cur.knots, base.quantile_knots, cur.quantile_knots, base.n, cur.n,
                           base.std, base.quantile_edges)
    assert result.scaled_wasserstein == pytest.approx(0.5, abs=0.05)  # a 0.5 sd location shift
    assert result.p_value < 1e-10
    assert result.psi > 0 and 0 < result.jsd < 1


def test_nan_values_are_counted_apart():
    values = np.concatenate([np.arange(90.0), np.full(10, np.nan)])
    d = dist.numeric_distribution(numeric_feature("x", values))
    assert d.num_nan == 10 and d.n == 90


def test_jsd_matches_scipy_and_psi_matches_its_formula():
    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.3, 0.3, 0.4])
    assert jensen_shannon(p, q) == pytest.approx(distance.jensenshannon(p, q, base=2) ** 2)
    assert population_stability_index(p, q) == pytest.approx(
        (0.2 * math.log(3)) + (-0.1 * math.log(0.75)) + (-0.1 * math.log(0.8)))


def test_chi_square_hand_worked_2x2_example():
    # Expected 15 in every cell: chi2 = 4 * 5^2 / 15 = 6.667 on 1 dof, p = 0.00982.
    statistic, dof, p = chi_square(np.array([[10.0, 20.0], [20.0, 10.0]]))
    assert statistic == pytest.approx(20 / 3)
    assert dof == 1
    assert p == pytest.approx(0.009823, abs=1e-5)


def test_chi_square_matches_scipy_chi2_contingency():
    rng = np.random.default_rng(11)
    a = rng.choice(list("abcdefg"), 3000, p=[.3, .2, .15, .15, .1, .05, .05])
    b = rng.choice(list("abcdefg"), 2000, p=[.25, .25, .15, .15, .1, .05, .05])
    base = dist.categorical_distribution(categorical_feature("c", list(a)))
    cur = dist.categorical_distribution(categorical_feature("c", list(b)))
    result = categorical_drift(base.counts, base.n, cur.counts, cur.n)
    _, table = contingency_table(base.counts, base.n, cur.counts, cur.n)
    expected = stats.chi2_contingency(table, correction=False)
    assert result.chi_square == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.dof == expected.dof == 6


def test_new_value_at_serving_is_its_own_column_and_is_detected():
    base = {"a": 500.0, "b": 500.0}
    cur = {"a": 300.0, "b": 300.0, "new": 400.0}
    result = categorical_drift(base, 1000, cur, 1000)
    assert result.categories == ["a", "b", "__new__"]
    assert result.current_shares[-1] == pytest.approx(0.4)
    assert result.p_value < 1e-50
    assert result.l_infinity == pytest.approx(0.4)


def test_a_value_that_vanished_is_counted_as_zero_when_the_other_list_is_complete():
    result = categorical_drift({"cash": 500.0, "card": 500.0}, 1000, {"mobile": 500.0, "card": 500.0}, 1000,
                               baseline_complete=True, current_complete=True)
    assert set(result.categories) == {"cash", "card", "mobile"}
    assert result.p_value < 1e-50 and result.l_infinity == pytest.approx(0.5)


def test_values_known_on_one_side_only_do_not_leak_into_a_false_zero():
    # "c" is in the baseline list but was cut from the current top-k: it must go to "other" on both sides.
    result = categorical_drift({"a": 400.0, "b": 400.0, "c": 200.0}, 1000, {"a": 400.0, "b": 400.0}, 1000)
    assert "c" not in result.categories
    assert result.p_value == pytest.approx(1.0)


def test_benjamini_hochberg_published_example_and_statsmodels():
    # Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 the first four are rejected.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
         0.5719, 0.6528, 0.7590, 1.000]
    q = benjamini_hochberg(p)
    assert sum(v <= 0.05 for v in q) == 4
    reject, corrected, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    assert np.allclose(q, corrected)
    shuffled = np.random.default_rng(0).permutation(p)
    assert np.allclose(benjamini_hochberg(list(shuffled)), multipletests(shuffled, method="fdr_bh")[1])


def test_benjamini_hochberg_skips_nan():
    q = benjamini_hochberg([0.01, math.nan, 0.04])
    assert math.isnan(q[1]) and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.04)


def test_a_whole_vocabulary_change_drifts_even_when_both_value_lists_are_cut():
    # 1,500 values per side, no overlap, TFDV lists only the 1,000 most frequent of each: nothing is "known" on
    # both sides. The current mass on values the baseline does not list (its baseline count bounded above by the
    # baseline's unlisted mass) and the baseline mass the current lacks are their own columns.
    base = {f"b{i}": 10.0 for i in range(1000)}
    cur = {f"c{i}": 10.0 for i in range(1000)}
    result = categorical_drift(base, 15000, cur, 15000, baseline_complete=False, current_complete=False)
    assert result.categories[:2] == ["__new__", "__vanished__"]
    assert result.current_shares[0] == pytest.approx(2 / 3) and result.baseline_shares[0] == pytest.approx(1 / 3)
    assert result.l_infinity == pytest.approx(1 / 3) and result.p_value < 1e-100
    same = categorical_drift(base, 15000, {**base}, 15000)
    assert same.l_infinity == pytest.approx(0.0) and same.p_value > 0.5


def test_whole_vocabulary_change_in_real_tfdv_statistics_is_feature_drift():
    import pyarrow as pa
    import tensorflow_data_validation as tfdv
    from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory

    def stats(prefix):
        values = [[f"{prefix}{i % 1500}".encode()] for i in range(15000)]
        batch = pa.RecordBatch.from_arrays([pa.array(values, pa.list_(pa.binary()))], ["city"])
        return generate_statistics_in_memory(batch, tfdv.StatsOptions()).datasets[0]

    entry = compare_statistics(stats("old"), stats("new"), DriftConfig())[0]
    assert entry["drift"] and entry["effect_size"] >= 0.3 and entry["q_value"] < 1e-10
    assert entry["measures"]["new_value_share_current"] >= 2 / 3 - 0.01  # at least the listed part


@pytest.mark.parametrize("poison", ["nan", "inf", "huge", "mixed"])
def test_non_finite_values_are_counted_and_tested_never_a_nan_effect_that_passes(poison):
    import pyarrow as pa
    import tensorflow_data_validation as tfdv
    from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory

    rng = np.random.default_rng(0)

    def stats(values):
        batch = pa.RecordBatch.from_arrays([pa.array([[v] for v in values], pa.list_(pa.float64()))], ["x"])
        return generate_statistics_in_memory(batch, tfdv.StatsOptions(num_quantiles_histogram_buckets=100)).datasets[0]

    clean = rng.normal(0, 1, 4000)
    dirty = rng.normal(0, 1, 4000)
    bad = {"nan": [np.nan], "inf": [np.inf, -np.inf], "huge": [1e308, -1e308],
           "mixed": [np.nan, np.inf, -np.inf, 1e308, -1e308]}[poison]
    dirty[:1000] = np.resize(bad, 1000)  # 25% poisoned
    entry = compare_statistics(stats(clean), stats(dirty), DriftConfig())[0]
    assert entry["drift"], entry
    assert entry["effect_size"] is not None and not math.isnan(entry["effect_size"])
    if poison in ("nan", "mixed"):
        assert entry["nan_test"]["drift"] and entry["measures"]["nan_current"] >= 200
    same = compare_statistics(stats(clean), stats(rng.normal(0, 1, 4000)), DriftConfig())[0]
    assert not same["drift"]
