"""Per-feature distributions read from TFDV `FeatureNameStatistics` protos, never from rows.

Conventions: counts are unweighted value counts (for the usual univalent feature, one value per example);
NaN values are counted apart (`num_nan`) and excluded from the distribution; infinite bucket edges are
clipped to the nearest finite edge.
"""
import dataclasses
import math
from typing import Dict, List, Optional, Tuple

from tensorflow_metadata.proto.v0 import statistics_pb2

NUMERIC = "numeric"
CATEGORICAL = "categorical"

_Histogram = statistics_pb2.Histogram


@dataclasses.dataclass
class NumericDistribution:
    n: int                              # values in the histograms (NaN excluded)
    num_missing: int
    num_nan: int
    mean: float
    std: float
    knots: List[Tuple[float, float]]    # (x, F(x)) points of the empirical CDF, sorted by x then F
    quantile_knots: List[Tuple[float, float]]  # the knots of the quantiles histogram alone
    quantile_edges: List[float]         # bucket edges of the quantiles histogram (for binned PSI/JSD)
    infinite: bool = False              # the values include +-infinity (min or max infinite)


@dataclasses.dataclass
class CategoricalDistribution:
    n: int                              # values counted (missing excluded)
    num_missing: int
    unique: int
    counts: Dict[str, float]            # value -> count for the values TFDV kept (rank histogram or top-k)
    complete: bool                      # the kept values are all the distinct values


def feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    if feature.HasField("path"):
        return ".".join(feature.path.step)
    return feature.name


def feature_kind(feature: statistics_pb2.FeatureNameStatistics) -> Optional[str]:
    """`numeric`, `categorical` or None (struct/unsupported)."""
    if feature.HasField("num_stats"):
        return NUMERIC
    if feature.HasField("string_stats"):
        return CATEGORICAL
    return None


def _finite(value: float, lo: float, hi: float) -> float:
    if math.isfinite(value):
        return value
    return lo if value < 0 else hi


def _histogram(num_stats, kind) -> Optional[statistics_pb2.Histogram]:
    for hist in num_stats.histograms:
        if hist.type == kind and hist.buckets:
            return hist
    return None


def _cdf_points(hist, lo: float, hi: float) -> List[Tuple[float, float, float]]:
    """(x, count at or below x) at each bucket edge, assuming values spread uniformly inside a bucket."""
    points = []
    below = 0.0
    for bucket in hist.buckets:
        low, high = _finite(bucket.low_value, lo, hi), _finite(bucket.high_value, lo, hi)
        points.append((low, below))
        below += bucket.sample_count
        points.append((high, below))
    return points


def numeric_distribution(feature: statistics_pb2.FeatureNameStatistics) -> NumericDistribution:
    stats = feature.num_stats
    quantiles = _histogram(stats, _Histogram.QUANTILES)
    standard = _histogram(stats, _Histogram.STANDARD)
    lo, hi = stats.min, stats.max
    if not math.isfinite(lo) or not math.isfinite(hi):
        edges = [e for h in (quantiles, standard) if h for b in h.buckets for e in (b.low_value, b.high_value)
                 if math.isfinite(e)]
        lo, hi = (min(edges), max(edges)) if edges else (0.0, 0.0)
    hists = [h for h in (quantiles, standard) if h is not None]
    n = int(round(sum(b.sample_count for b in hists[0].buckets))) if hists else 0
    num_nan = int(max([h.num_nan for h in stats.histograms] + [0]))
    knots, quantile_knots = [], []
    for hist in hists:
        total = sum(b.sample_count for b in hist.buckets) or 1.0
        points = [(x, c / total) for x, c in _cdf_points(hist, lo, hi)]
        knots.extend(points)
        if hist is quantiles:
            quantile_knots = points
    edges = sorted({_finite(b.low_value, lo, hi) for b in quantiles.buckets} |
                   {_finite(quantiles.buckets[-1].high_value, lo, hi)}) if quantiles else [lo, hi]
    return NumericDistribution(
        n=n, num_missing=int(stats.common_stats.num_missing), num_nan=num_nan,
        mean=stats.mean, std=stats.std_dev, knots=sorted(knots),
        quantile_knots=quantile_knots or sorted(knots), quantile_edges=edges,
        infinite=not (math.isfinite(stats.min) and math.isfinite(stats.max)))


def categorical_distribution(feature: statistics_pb2.FeatureNameStatistics) -> CategoricalDistribution:
    stats = feature.string_stats
    n = int(stats.common_stats.tot_num_values or stats.common_stats.num_non_missing)
    if stats.rank_histogram.buckets:
        counts = {b.label: b.sample_count for b in stats.rank_histogram.buckets}
    else:
        counts = {v.value: v.frequency for v in stats.top_values}
    complete = len(counts) >= stats.unique or sum(counts.values()) >= n - 0.5
    return CategoricalDistribution(n=n, num_missing=int(stats.common_stats.num_missing), unique=int(stats.unique),
                                   counts=counts, complete=complete)


def dataset_features(stats: statistics_pb2.DatasetFeatureStatistics) -> Dict[str, statistics_pb2.FeatureNameStatistics]:
    return {feature_name(f): f for f in stats.features}
