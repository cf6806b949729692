"""Benjamini-Hochberg false-discovery-rate control."""
import math
from typing import List, Sequence


def benjamini_hochberg(p_values: Sequence[float]) -> List[float]:
    """BH-adjusted p-values (q-values); NaN p-values stay NaN and do not count as tests."""
    indexed = [(p, i) for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    m = len(indexed)
    q_values = [math.nan] * len(p_values)
    running = 1.0
    for rank, (p, i) in reversed(list(enumerate(sorted(indexed), start=1))):
        running = min(running, p * m / rank)
        q_values[i] = running
    return q_values
