"""Why is a slice bad? Its share of training vs evaluation data, and label disagreement where it is known.

Training shares come from TFDV statistics of the training split, which hold marginals only: the share of each
predicate is estimated on its own (numeric ranges by linear interpolation inside histogram buckets) and a slice
is "under-represented" when one of its predicates is less than UNDER_REPRESENTED_RATIO times as common in
training as in evaluation.
"""
from typing import Dict, List, Optional

from tfx_dcai.slice_error_analyzer.encoding import MISSING_OP, describe

UNDER_REPRESENTED_RATIO = 0.5


def _common(stats):
    if stats.HasField("num_stats"):
        return stats.num_stats.common_stats
    return stats.string_stats.common_stats


def _range_share(histogram, lo: float, hi: float) -> float:
    total = sum(b.sample_count for b in histogram.buckets)
    covered = 0.0
    for bucket in histogram.buckets:
        width = bucket.high_value - bucket.low_value
        if width <= 0:
            inside = lo <= bucket.low_value < hi
            covered += bucket.sample_count if inside else 0.0
            continue
        overlap = max(0.0, min(hi, bucket.high_value) - max(lo, bucket.low_value))
        covered += bucket.sample_count * overlap / width
    return covered / total if total else 0.0


def predicate_share(predicate: dict, feature_stats, num_examples: int) -> Optional[float]:
    """Estimated share of examples satisfying one predicate, from a FeatureNameStatistics; None if unknown."""
    if feature_stats is None or not num_examples:
        return None
    common = _common(feature_stats)
    present = common.num_non_missing / num_examples
    op, value = predicate["op"], predicate["value"]
    if op == MISSING_OP:
        return 1.0 - present
    if feature_stats.HasField("num_stats"):
        histograms = [h for h in feature_stats.num_stats.histograms if h.buckets]
        if not histograms:
            return None
        ranges = {"<": lambda: (-float("inf"), value), ">=": lambda: (value, float("inf")),
                  "in": lambda: tuple(value)}
        if op not in ranges:
            return None
        return present * _range_share(histograms[0], *ranges[op]())
    frequencies = {tv.value: tv.frequency for tv in feature_stats.string_stats.top_values}
    counted = common.num_non_missing
    if op == "==":
        return frequencies.get(str(value), 0.0) / num_examples if str(value) in frequencies else None
    if op == "not_in" and counted:
        return max(0.0, counted - sum(frequencies.get(str(v), 0.0) for v in value)) / num_examples
    return None


def representation(predicates: List[dict], eval_shares: List[float], train_features: Dict,
                   train_examples: int) -> Optional[dict]:
    """The least represented predicate: {predicate, train_share, eval_share, ratio, under_represented}."""
    worst = None
    for predicate, eval_share in zip(predicates, eval_shares):
        train_share = predicate_share(predicate, train_features.get(predicate["feature"]), train_examples)
        if train_share is None or not eval_share:
            continue
        ratio = train_share / eval_share
        if worst is None or ratio < worst["ratio"]:
            worst = {"predicate": describe(predicate), "train_share": train_share, "eval_share": eval_share,
                     "ratio": ratio, "under_represented": ratio < UNDER_REPRESENTED_RATIO}
    return worst


def inconsistent_classes(label_report: Optional[dict]) -> List[str]:
    """Classes a LabelConsistencyReport marks inconsistent (`per_class[].consistent` false)."""
    if not label_report:
        return []
    return [str(c.get("label")) for c in label_report.get("per_class", []) if c.get("consistent") is False]


def recommendation(description: str, metric: str, value: float, overall: float, represented: Optional[dict],
                   bad_classes: List[str]) -> str:
    """One line: what to do about this slice."""
    gap = f"its {metric} is {value:.3g} vs {overall:.3g} overall"
    if represented and represented["under_represented"]:
        return (f"collect more data where {description}: {represented['predicate']} is "
                f"{100 * represented['train_share']:.2g}% of training but {100 * represented['eval_share']:.2g}% "
                f"of evaluation data; {gap}")
    if bad_classes:
        return (f"relabel a sample where {description}: labelers disagree on class(es) {', '.join(bad_classes)}; "
                f"{gap}")
    return f"inspect and collect more examples where {description}: {gap}"
