"""X->y conflicts: groups of near-identical inputs with different labels, found by grouping keys (not pairwise).

An example's key is its categorical values as they are and each numeric value replaced by its quantile bin
(tfx_dcai.binning: edges from the data, `n_bins` per feature, bins [lo, hi); a missing value is its own bin).
Examples with the same key form a group; a group whose examples carry more than one label is a conflict. Counts
per group are combinable (a label Counter and the smallest example ids), so Beam's CombinePerKey computes them at scale.
"""
import math
from collections import Counter

from tfx_dcai import binning


def example_key(features: dict, numeric_edges: dict, feature_names) -> tuple:
    """The grouping key: (name, value or quantile-bin index) per feature, in `feature_names` order."""
    key = []
    for name in feature_names:
        value = features.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            key.append((name, None))
        elif name in numeric_edges:
            key.append((name, binning.bin_index(value, numeric_edges[name])))
        else:
            key.append((name, value))
    return tuple(key)


class GroupLabels:
    """Combinable per-group state: label counts and the smallest example ids."""

    def __init__(self, max_examples: int = 5):
        self.labels = Counter()
        self.examples = []
        self.max_examples = max_examples

    def add(self, label, example_id) -> "GroupLabels":
        self.labels[label] += 1
        self.examples = sorted(self.examples + [str(example_id)])[:self.max_examples]
        return self

    def merge(self, other: "GroupLabels") -> "GroupLabels":
        self.labels.update(other.labels)
        self.examples = sorted(self.examples + other.examples)[:self.max_examples]
        return self


def describe_key(key: tuple, numeric_edges: dict) -> dict:
    """A key made readable: categorical values, and numeric bins as [low, high) ranges."""
    out = {}
    for name, value in key:
        if name in numeric_edges and value is not None:
            out[name] = list(binning.bin_range(value, numeric_edges[name]))
        else:
            out[name] = value
    return out


def summarize_conflicts(groups, numeric_edges: dict, n_examples: int, max_groups: int = 50) -> dict:
    """groups: [(key, GroupLabels)] of conflicting groups only."""
    rows = []
    for key, state in groups:
        majority, top = state.labels.most_common(1)[0]
        size = sum(state.labels.values())
        rows.append({"key": describe_key(key, numeric_edges), "n": size,
                     "labels": {str(k): v for k, v in sorted(state.labels.items(), key=lambda kv: str(kv[0]))},
                     "minority_share": 1 - top / size, "example_items": state.examples})
    rows.sort(key=lambda r: (-r["n"] * r["minority_share"], -r["n"]))
    in_conflict = sum(r["n"] for r in rows)
    return {"n_examples": n_examples, "n_conflicting_groups": len(rows), "n_examples_in_conflicts": in_conflict,
            "groups": rows[:max_groups]}
