"""Distances between two distributions over the same bins (shares summing to 1)."""
import numpy as np

PSI_FLOOR = 1e-4  # shares below this are floored before the log ratio (empty bins would give infinity)


def population_stability_index(p, q) -> float:
    """PSI = sum (q - p) ln(q / p), shares floored at PSI_FLOOR."""
    p = np.maximum(np.asarray(p, dtype=float), PSI_FLOOR)
    q = np.maximum(np.asarray(q, dtype=float), PSI_FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


def jensen_shannon(p, q) -> float:
    """Jensen-Shannon divergence in bits (0 = same, 1 = disjoint)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    m = (p + q) / 2

    def kl(a):
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))
    return max(0.0, (kl(p) + kl(q)) / 2)


def l_infinity(p, q) -> float:
    return float(np.max(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float)))) if len(p) else 0.0
