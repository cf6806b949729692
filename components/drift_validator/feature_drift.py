"""Per-feature drift between two TFDV DatasetFeatureStatistics, with BH across features and an effect floor.

A feature drifts when its test's BH q-value is <= q AND its effect size reaches the minimum (scaled
Wasserstein for numeric, L-infinity for categorical). Features that cannot be tested get a `status`
and are never silently passed: a feature present on one side only, or whose type changed, counts as drifted;
a feature with values on one side only (all null on the other) gets a presence test (share of examples with a
value, 2x2 chi-square, effect floor = the categorical one), so one stray value among thousands is not drift.
"""
import collections
import math
from typing import Iterable, List, Optional

import numpy as np
from tensorflow_metadata.proto.v0 import statistics_pb2

from tfx_dcai.drift_validator import distributions as dist
from tfx_dcai.drift_validator.categorical_drift import categorical_drift, chi_square, new_value_share
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.multiple_testing import benjamini_hochberg
from tfx_dcai.drift_validator.sample_columns import short_text
from tfx_dcai.drift_validator.numeric_drift import PiecewiseLinearCdf, binned_shares, numeric_drift

TESTED = "tested"
UNTESTABLE_STATUSES = {  # status -> drift verdict
    "missing_in_current": True, "missing_in_baseline": True, "type_changed": True,
    "all_null": False, "unsupported_type": False,
}
PRESENCE_EFFECT_MEASURE = "presence_share_difference"


def _entry(name, kind, n_baseline, n_current, status=TESTED, **fields):
    entry = {"name": name, "type": kind, "test": None, "statistic": None, "p_value": None, "q_value": None,
             "effect_size": None, "effect_size_measure": None, "n_baseline": n_baseline,
             "n_current": n_current, "drift": False, "status": status, "measures": {}, "distribution": None}
    entry.update(fields)
    return entry


def _presence_entry(name, kind, base, cur, examples):
    """No usable value on one side: test the share of examples with a usable (non-null, non-NaN) value,
    counting one value per example (univalent features), out of the dataset's example counts."""
    def counts(d, n_examples):
        present = min(d.n, n_examples)
        return [present, n_examples - present]
    table = np.array([counts(base, examples[0]), counts(cur, examples[1])], dtype=float)
    if base.n == cur.n == 0 or (table.sum(axis=1) == 0).any():
        return _entry(name, kind, base.n, cur.n, "all_null")
    statistic, _, p_value = chi_square(table)
    shares = table[:, 0] / table.sum(axis=1)
    return _entry(name, kind, base.n, cur.n, "all_null_current" if cur.n == 0 else "all_null_baseline",
                  test="presence", statistic=statistic, p_value=p_value,
                  effect_size=float(abs(shares[0] - shares[1])), effect_size_measure=PRESENCE_EFFECT_MEASURE,
                  measures={"present_share_baseline": float(shares[0]), "present_share_current": float(shares[1])})


def _numeric_entry(name, base_f, cur_f, config, examples):
    base, cur = dist.numeric_distribution(base_f), dist.numeric_distribution(cur_f)
    if base.n == 0 or cur.n == 0:
        return _presence_entry(name, dist.NUMERIC, base, cur, examples)
    base_cdf, cur_cdf = PiecewiseLinearCdf(base.knots), PiecewiseLinearCdf(cur.knots)
    scale = base.std if base.std > 0 else cur.std
    result = numeric_drift(base.knots, cur.knots, base.quantile_knots, cur.quantile_knots, base.n, cur.n, scale,
                           base.quantile_edges, config.sketch_error)
    edges = base.quantile_edges
    labels = ([f"<={edges[0]:.4g}"] + [f"{a:.4g}..{b:.4g}" for a, b in zip(edges[:-1], edges[1:])]
              + [f">{edges[-1]:.4g}"])
    entry = _entry(
        name, dist.NUMERIC, base.n, cur.n, test="ks", statistic=result.ks_statistic, p_value=result.p_value,
        effect_size=result.scaled_wasserstein, effect_size_measure="scaled_wasserstein",
        measures={"ks_lower_bound": result.ks_lower_bound, "wasserstein": result.wasserstein,
                  "scaled_wasserstein": result.scaled_wasserstein,
                  "psi": result.psi, "jsd": result.jsd, "mean_baseline": base.mean, "mean_current": cur.mean,
                  "missing_baseline": base.num_missing, "missing_current": cur.num_missing,
                  "nan_baseline": base.num_nan, "nan_current": cur.num_nan},
        distribution={"bins": labels, "baseline": binned_shares(base_cdf, edges).tolist(),
                      "current": binned_shares(cur_cdf, edges).tolist()})
    entry["measures"].update(infinite_baseline=base.infinite, infinite_current=cur.infinite)
    if base.num_nan or cur.num_nan:
        entry["nan_test"] = _nan_share_test(base, cur)
    return entry


def _nan_share_test(base, cur) -> dict:
    """The share of NaN values, baseline vs current: a 2x2 chi-square (NaN are left out of the KS test)."""
    table = np.array([[base.num_nan, base.n], [cur.num_nan, cur.n]], dtype=float)
    statistic, _, p_value = chi_square(table)
    shares = table[:, 0] / np.maximum(table.sum(axis=1), 1)
    return {"test": "nan_share", "statistic": statistic, "p_value": p_value,
            "effect_size": float(abs(shares[1] - shares[0])), "effect_size_measure": "nan_share_difference",
            "nan_share_baseline": float(shares[0]), "nan_share_current": float(shares[1]), "q_value": None}


def _categorical_entry(name, base_f, cur_f, config, examples):
    base, cur = dist.categorical_distribution(base_f), dist.categorical_distribution(cur_f)
    if base.n == 0 or cur.n == 0:
        return _presence_entry(name, dist.CATEGORICAL, base, cur, examples)
    result = categorical_drift(base.counts, base.n, cur.counts, cur.n, config.top_k, base.complete, cur.complete)
    return _entry(
        name, dist.CATEGORICAL, base.n, cur.n, test="chi_square", statistic=result.chi_square,
        p_value=result.p_value, effect_size=result.l_infinity, effect_size_measure="l_infinity",
        measures={"l_infinity": result.l_infinity, "psi": result.psi, "jsd": result.jsd, "dof": result.dof,
                  "unique_baseline": base.unique, "unique_current": cur.unique,
                  "new_value_share_current": new_value_share(base.counts, cur.counts, cur.n, base.complete),
                  "missing_baseline": base.num_missing, "missing_current": cur.num_missing},
        distribution={"bins": [short_text(c) for c in result.categories], "baseline": result.baseline_shares,
                      "current": result.current_shares})


_Count = collections.namedtuple("_Count", "n")  # what _presence_entry reads of a distribution


def _non_missing(feature: statistics_pb2.FeatureNameStatistics) -> int:
    for field in ("num_stats", "string_stats"):
        if feature.HasField(field):
            return getattr(feature, field).common_stats.num_non_missing
    return 0


def _compare_one(name, base_f, cur_f, config, examples):
    if base_f is None or cur_f is None:
        kind = dist.feature_kind(base_f or cur_f)
        return _entry(name, kind, None, None, "missing_in_current" if cur_f is None else "missing_in_baseline")
    base_kind, cur_kind = dist.feature_kind(base_f), dist.feature_kind(cur_f)
    base_values, cur_values = _non_missing(base_f), _non_missing(cur_f)
    if base_kind != cur_kind and 0 in (base_values, cur_values):
        # TFDV gives a feature without any value empty string stats: its type is unknown there, not changed.
        return _presence_entry(name, base_kind if base_values else cur_kind, _Count(base_values), _Count(cur_values),
                               examples)
    if base_kind != cur_kind:
        return _entry(name, cur_kind, None, None, "type_changed",
                      measures={"type_baseline": base_kind, "type_current": cur_kind})
    if base_kind == dist.NUMERIC:
        return _numeric_entry(name, base_f, cur_f, config, examples)
    if base_kind == dist.CATEGORICAL:
        return _categorical_entry(name, base_f, cur_f, config, examples)
    return _entry(name, None, None, None, "unsupported_type")


def compare_statistics(baseline: statistics_pb2.DatasetFeatureStatistics,
                       current: statistics_pb2.DatasetFeatureStatistics, config: DriftConfig,
                       features: Optional[Iterable[str]] = None) -> List[dict]:
    """Per-feature drift: one entry per feature, sorted by name.

    Args:
      baseline, current: the two sides' TFDV statistics.
      config: the DriftConfig.
      features: restricts the comparison (e.g. to the features of a schema environment); None: all.

    Returns:
      The report's `features` entries. The label and prediction columns (P, P_<label>) of the config are left out;
      a numeric feature with NaN values on either side also gets a `nan_test` (in the same BH family).
    """
    base_by_name, cur_by_name = dist.dataset_features(baseline), dist.dataset_features(current)
    names = set(base_by_name) | set(cur_by_name)
    if features is not None:
        names &= set(features)
    examples = (int(baseline.num_examples), int(current.num_examples))
    entries = [_compare_one(n, base_by_name.get(n), cur_by_name.get(n), config, examples)
               for n in sorted(names) if not config.skipped(n) and not config.excluded(n)]
    nan_tests = [e["nan_test"] for e in entries if "nan_test" in e]
    q_values = benjamini_hochberg([_p(e) for e in entries] + [t["p_value"] for t in nan_tests])
    for test, q_value in zip(nan_tests, q_values[len(entries):]):
        test["q_value"] = q_value
    for entry, q_value in zip(entries, q_values[:len(entries)]):
        if entry["test"] is None:
            entry["drift"] = UNTESTABLE_STATUSES[entry["status"]]
            continue
        entry["q_value"] = q_value
        kind = "categorical" if entry["test"] == "presence" else entry["type"]
        effect = entry["effect_size"]
        entry["drift"] = bool(q_value <= config.q and (math.isnan(effect) or effect >= config.min_effect(
            entry["name"], kind)))
        test = entry.get("nan_test")
        if test is not None:
            test["drift"] = bool(test["q_value"] <= config.q and test["effect_size"] >= config.min_categorical_effect)
            entry["drift"] = entry["drift"] or test["drift"]
    return entries


def _p(entry) -> float:
    p = entry["p_value"]
    return math.nan if p is None else p
