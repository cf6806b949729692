"""Two-sample drift measures for numeric features from piecewise-linear CDFs (no raw rows).

A CDF is given by knots (x, F(x)) taken at histogram bucket edges; between knots values are assumed
uniform (linear CDF); several knots at one x encode a point mass (a jump). All measures are exact for
these piecewise-linear CDFs.
"""
import dataclasses
import math
from typing import List, Sequence, Tuple

import numpy as np
from scipy import stats as _stats

from components.drift_validator.binned_measures import jensen_shannon, population_stability_index


class PiecewiseLinearCdf:
    """F(x) with left and right limits at every knot; monotone by construction."""

    def __init__(self, knots: Sequence[Tuple[float, float]]):
        if not knots:
            raise ValueError("a CDF needs at least one knot")
        ordered = sorted(knots)
        xs, lefts, rights = [], [], []
        running = 0.0
        for x, f in ordered:
            running = min(1.0, max(running, f))
            if xs and x == xs[-1]:
                rights[-1] = running
            else:
                xs.append(x)
                lefts.append(running)
                rights.append(running)
        lefts[0] = 0.0     # nothing lies below the minimum
        rights[-1] = 1.0   # everything lies at or below the maximum
        self.xs, self.lefts, self.rights = np.array(xs), np.array(lefts), np.array(rights)

    def right(self, x: np.ndarray) -> np.ndarray:
        """F(x) = P(X <= x)."""
        return self._evaluate(x, side="right")

    def left(self, x: np.ndarray) -> np.ndarray:
        """F(x-) = P(X < x)."""
        return self._evaluate(x, side="left")

    def _evaluate(self, x: np.ndarray, side: str) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x)
        at_knot = np.searchsorted(self.xs, x, side="left")
        for i, (xi, k) in enumerate(zip(x, at_knot)):
            if k < len(self.xs) and self.xs[k] == xi:
                out[i] = self.rights[k] if side == "right" else self.lefts[k]
            elif k == 0:
                out[i] = 0.0
            elif k == len(self.xs):
                out[i] = 1.0
            else:
                x0, x1 = self.xs[k - 1], self.xs[k]
                f0, f1 = self.rights[k - 1], self.lefts[k]
                out[i] = f0 + (f1 - f0) * (xi - x0) / (x1 - x0)
        return out


@dataclasses.dataclass
class NumericDrift:
    ks_statistic: float
    p_value: float
    wasserstein: float
    scaled_wasserstein: float
    psi: float
    jsd: float


def ks_statistic(a: PiecewiseLinearCdf, b: PiecewiseLinearCdf) -> float:
    """sup |Fa - Fb|; both CDFs are linear between the union of knots, so the sup sits on a knot."""
    grid = np.union1d(a.xs, b.xs)
    right = np.abs(a.right(grid) - b.right(grid))
    left = np.abs(a.left(grid) - b.left(grid))
    return float(max(right.max(), left.max()))


def ks_p_value(statistic: float, n_a: int, n_b: int, sketch_error: float = 0.0) -> float:
    """Asymptotic two-sample KS p-value (scipy's `ks_2samp(method='asymp')` convention:
    Kolmogorov distribution at the effective size round(n_a n_b / (n_a + n_b))).

    `sketch_error` (the quantile sketch's rank error) is subtracted from the statistic first, so an
    approximate CDF cannot produce significance by itself.
    """
    if n_a <= 0 or n_b <= 0:
        return float("nan")
    effective = max(1, int(round(n_a * n_b / (n_a + n_b))))
    adjusted = max(0.0, statistic - sketch_error)
    return float(min(1.0, _stats.kstwo.sf(adjusted, effective)))


def _abs_linear_integral(d0: float, d1: float, width: float) -> float:
    if d0 * d1 >= 0:
        return width * (abs(d0) + abs(d1)) / 2
    return width * (d0 * d0 + d1 * d1) / (2 * (abs(d0) + abs(d1)))


def wasserstein(a: PiecewiseLinearCdf, b: PiecewiseLinearCdf) -> float:
    """W1 = integral of |Fa - Fb| dx."""
    grid = np.union1d(a.xs, b.xs)
    d_right = a.right(grid) - b.right(grid)
    d_left = a.left(grid) - b.left(grid)
    return float(sum(_abs_linear_integral(d_right[i], d_left[i + 1], grid[i + 1] - grid[i])
                     for i in range(len(grid) - 1)))


def binned_shares(cdf: PiecewiseLinearCdf, edges: Sequence[float]) -> np.ndarray:
    """Shares in (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    at_edges = cdf.right(np.asarray(edges, dtype=float))
    return np.diff(np.concatenate([[0.0], at_edges, [1.0]]))


def numeric_drift(baseline: PiecewiseLinearCdf, current: PiecewiseLinearCdf, n_baseline: int,
                  n_current: int, scale: float, bin_edges: List[float],
                  sketch_error: float = 0.0) -> NumericDrift:
    """All numeric measures; `scale` (the baseline standard deviation) scales the Wasserstein distance."""
    d = ks_statistic(baseline, current)
    w = wasserstein(baseline, current)
    p = binned_shares(baseline, bin_edges)
    q = binned_shares(current, bin_edges)
    scaled = w / scale if scale > 0 else (0.0 if w == 0 else math.inf)
    return NumericDrift(ks_statistic=d, p_value=ks_p_value(d, n_baseline, n_current, sketch_error),
                        wasserstein=w, scaled_wasserstein=scaled,
                        psi=population_stability_index(p, q), jsd=jensen_shannon(p, q))
