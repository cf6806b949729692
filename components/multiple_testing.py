"""Benjamini-Hochberg false-discovery-rate control: the one implementation every component uses."""
import numpy as np


def benjamini_hochberg(p_values, untested: int = 0) -> np.ndarray:
    """BH-adjusted p-values (q-values): q_(i) = min over j >= i of m p_(j) / j, capped at 1.

    Benjamini & Hochberg (1995). NaN (or None) p-values stay NaN in the output and do not count as tests (m is the
    number of finite p-values, plus `untested`).

    Args:
      p_values: a sequence or array of p-values.
      untested: hypotheses of the family that were not tested, counted with p = 1 without being materialised
        (SliceLine's pruned candidates: hundreds of millions at 200 features). They rank last, and their own
        m / j >= 1 is capped to 1, so only m grows: the q-values equal those of p_values followed by `untested`
        ones.

    Returns:
      A float array of q-values, in the order of `p_values`.
    """
    if isinstance(p_values, np.ndarray) and p_values.dtype.kind == "f":
        p = p_values.astype(np.float64, copy=True)
    else:
        p = np.array([np.nan if v is None else v for v in p_values], dtype=np.float64)
    q = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    if not len(tested):
        return q
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * (len(order) + untested) / np.arange(1, len(order) + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q
