"""TFDV-shaped FeatureNameStatistics built from numpy samples with exact counts (tests, benchmarks, notebook)."""
import collections

import numpy as np
from tensorflow_metadata.proto.v0 import statistics_pb2


def numeric_feature(name, values, buckets=10, missing=0):
    """`values` may hold NaN; `missing` counts examples without the feature (TFDV's num_missing)."""
    values = np.asarray(values, dtype=float)
    finite = values[~np.isnan(values)]
    feature = statistics_pb2.FeatureNameStatistics(name=name, type=statistics_pb2.FeatureNameStatistics.FLOAT)
    s = feature.num_stats
    s.common_stats.num_missing = missing
    s.common_stats.num_non_missing = len(values)
    s.common_stats.tot_num_values = len(values)
    if len(finite) == 0:  # all-NaN: TFDV keeps only the NaN count
        s.histograms.add(type=statistics_pb2.Histogram.QUANTILES, num_nan=len(values))
        return feature
    s.mean, s.std_dev = float(finite.mean()), float(finite.std())
    s.min, s.max = float(finite.min()), float(finite.max())
    quant = s.histograms.add(type=statistics_pb2.Histogram.QUANTILES, num_nan=int(np.isnan(values).sum()))
    edges = np.quantile(finite, np.linspace(0, 1, buckets + 1))
    for lo, hi in zip(edges[:-1], edges[1:]):
        quant.buckets.add(low_value=lo, high_value=hi, sample_count=len(finite) / buckets)
    std = s.histograms.add(type=statistics_pb2.Histogram.STANDARD, num_nan=int(np.isnan(values).sum()))
    counts, std_edges = np.histogram(finite, bins=buckets)
    for lo, hi, c in zip(std_edges[:-1], std_edges[1:], counts):
        std.buckets.add(low_value=lo, high_value=hi, sample_count=float(c))
    return feature


def categorical_feature(name, values, keep=1000):
    counts = collections.Counter(values)
    feature = statistics_pb2.FeatureNameStatistics(name=name, type=statistics_pb2.FeatureNameStatistics.STRING)
    s = feature.string_stats
    s.common_stats.num_non_missing = len(values)
    s.common_stats.tot_num_values = len(values)
    s.unique = len(counts)
    for rank, (value, count) in enumerate(counts.most_common(keep)):
        s.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=str(value), sample_count=count)
        if rank < 20:
            s.top_values.add(value=str(value), frequency=count)
    return feature


def dataset(features, num_examples):
    stats = statistics_pb2.DatasetFeatureStatistics(num_examples=num_examples)
    stats.features.extend(features)
    return stats
