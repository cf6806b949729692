"""Benjamini-Hochberg false-discovery-rate control: the one implementation every component uses."""
import numpy as np


def benjamini_hochberg(p_values) -> np.ndarray:
    """BH-adjusted p-values (q-values): q_(i) = min over j >= i of m p_(j) / j, capped at 1.

    Benjamini & Hochberg (1995). NaN (or None) p-values stay NaN in the output and do not count as tests (m is the
    number of finite p-values).

    Args:
      p_values: a sequence or array of p-values.

    Returns:
      A float array of q-values, in the order of `p_values`.
    """
    p = np.array([np.nan if v is None else v for v in p_values], dtype=np.float64)
    q = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    if not len(tested):
        return q
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * len(order) / np.arange(1, len(order) + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q
