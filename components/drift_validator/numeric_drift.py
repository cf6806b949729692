"""Two-sample drift measures for numeric features from histogram knots (no raw rows).

A side is described by knots (x, F) at histogram bucket edges: F is the share of values below x (plus
part of any point mass at x). Two readings of the knots are used:
- an estimate: the CDF is linear between knots (values uniform inside a bucket); it gives the reported KS
  statistic, the Wasserstein distance and the binned PSI/JSD;
- a guaranteed band: between two knots the true CDF can be anywhere between their F values. The KS test's
  p-value uses the smallest KS distance consistent with both bands (a lower bound of the true statistic),
  so coarse buckets or point masses (discrete features) can never create significance by themselves.
The effect size is a robust scaled Wasserstein distance between the quantile functions on the central
80% of the mass (deciles 0.1..0.9), so one extreme value stretching the last bucket does not count.
"""
import dataclasses
import math
from typing import List, Sequence, Tuple

import numpy as np
from scipy import stats as _stats

from tfx_dcai.drift_validator.binned_measures import jensen_shannon, population_stability_index


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
        x = np.atleast_1d(np.asarray(x, dtype=float))
        k = np.searchsorted(self.xs, x, side="left")
        last = len(self.xs) - 1
        at_knot = (k <= last) & (self.xs[np.minimum(k, last)] == x)
        limits = self.rights if side == "right" else self.lefts
        lo = np.clip(k - 1, 0, last)
        hi = np.clip(k, 0, last)
        x0, x1 = self.xs[lo], self.xs[hi]
        with np.errstate(invalid="ignore", divide="ignore"):
            between = self.rights[lo] + (self.lefts[hi] - self.rights[lo]) * (x - x0) / (x1 - x0)
        out = np.where(k == 0, 0.0, np.where(k > last, 1.0, between))
        return np.where(at_knot, limits[np.minimum(k, last)], out)


@dataclasses.dataclass
class NumericDrift:
    ks_statistic: float
    ks_lower_bound: float
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


def _band(knots: Sequence[Tuple[float, float]], grid: np.ndarray):
    """Bounds at each grid x: (lower of P(X<=x), upper of P(X<=x), lower of P(X<x), upper of P(X<x))."""
    xs = np.array([k[0] for k in knots], dtype=float)
    fs = np.array([k[1] for k in knots], dtype=float)
    order = np.argsort(xs, kind="stable")
    xs, fs = xs[order], fs[order]
    running_max = np.maximum.accumulate(fs)
    running_min = np.minimum.accumulate(fs[::-1])[::-1]

    def lower(count):  # max F over the first `count` knots
        return np.where(count > 0, running_max[np.maximum(count - 1, 0)], 0.0)

    def upper(start):  # min F over knots from index `start` on
        return np.where(start < len(xs), running_min[np.minimum(start, len(xs) - 1)], 1.0)
    at_or_below = np.searchsorted(xs, grid, side="right")
    below = np.searchsorted(xs, grid, side="left")
    return lower(at_or_below), upper(at_or_below), lower(below), upper(below)


def ks_lower_bound(knots_a, knots_b) -> float:
    """The smallest sup|Fa - Fb| any pair of CDFs inside the two knot bands can have."""
    grid = np.union1d([k[0] for k in knots_a], [k[0] for k in knots_b])
    la, ua, lla, ula = _band(knots_a, grid)
    lb, ub, llb, ulb = _band(knots_b, grid)
    gaps = np.concatenate([la - ub, lb - ua, lla - ulb, llb - ula])
    return float(max(0.0, gaps.max()))


def quantile_points(knots: Sequence[Tuple[float, float]]) -> Tuple[np.ndarray, np.ndarray]:
    """(u, Q(u)) from the knots of the quantiles histogram: u = share below, Q = edge."""
    xs = np.array([k[0] for k in knots], dtype=float)
    us = np.maximum.accumulate(np.array([k[1] for k in knots], dtype=float))
    return us, xs


def robust_scale(us: np.ndarray, qs: np.ndarray, fallback: float) -> float:
    """Normal-consistent sd from the 10%-90% quantile range (2.5631 sd for a normal); `fallback` if zero."""
    spread = (np.interp(0.9, us, qs) - np.interp(0.1, us, qs)) / 2.5631
    return float(spread) if spread > 0 else fallback


def central_wasserstein(quantiles_a, quantiles_b, lo: float = 0.1, hi: float = 0.9) -> float:
    """Mean |Qa(u) - Qb(u)| over u in [lo, hi], both quantile functions linear between known points."""
    (ua, qa), (ub, qb) = quantiles_a, quantiles_b
    grid = np.union1d(np.union1d(ua, ub), [lo, hi])
    grid = grid[(grid >= lo) & (grid <= hi)]
    diff = np.interp(grid, ua, qa) - np.interp(grid, ub, qb)
    total = np.sum(_abs_linear_integrals(diff[:-1], diff[1:], np.diff(grid)))
    return float(total / (hi - lo))


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


def _abs_linear_integrals(d0: np.ndarray, d1: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Integral of |d| over each interval where d is linear from d0 to d1 (vectorized _abs_linear_integral)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = width * (d0 * d0 + d1 * d1) / (2 * (np.abs(d0) + np.abs(d1)))
    return np.where(d0 * d1 >= 0, width * (np.abs(d0) + np.abs(d1)) / 2, crossing)


def wasserstein(a: PiecewiseLinearCdf, b: PiecewiseLinearCdf) -> float:
    """W1 = integral of |Fa - Fb| dx."""
    grid = np.union1d(a.xs, b.xs)
    d_right = a.right(grid) - b.right(grid)
    d_left = a.left(grid) - b.left(grid)
    return float(np.sum(_abs_linear_integrals(d_right[:-1], d_left[1:], np.diff(grid))))


def binned_shares(cdf: PiecewiseLinearCdf, edges: Sequence[float]) -> np.ndarray:
    """Shares in (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    at_edges = cdf.right(np.asarray(edges, dtype=float))
    return np.diff(np.concatenate([[0.0], at_edges, [1.0]]))


def numeric_drift(baseline_knots, current_knots, baseline_quantile_knots, current_quantile_knots,
                  n_baseline: int, n_current: int, fallback_scale: float, bin_edges: List[float],
                  sketch_error: float = 0.0) -> NumericDrift:
    """All numeric measures. `*_knots`: all histogram knots; `*_quantile_knots`: the quantiles histogram's;
    `fallback_scale` (e.g. the baseline sd) scales the distance when the decile range is zero."""
    baseline, current = PiecewiseLinearCdf(baseline_knots), PiecewiseLinearCdf(current_knots)
    bound = ks_lower_bound(baseline_knots, current_knots)
    qa, qb = quantile_points(baseline_quantile_knots), quantile_points(current_quantile_knots)
    central = central_wasserstein(qa, qb)
    scale = robust_scale(*qa, fallback=fallback_scale)
    with np.errstate(all="ignore"):
        scaled = central / scale if scale > 0 else (0.0 if central == 0 else math.inf)
    if not math.isfinite(scaled) and not math.isinf(scaled):
        # non-finite or overflowing values (inf, +-1e308) make the distance undefined: never a NaN that passes
        scaled = math.inf if bound > sketch_error else 0.0
    p = binned_shares(baseline, bin_edges)
    q = binned_shares(current, bin_edges)
    return NumericDrift(ks_statistic=ks_statistic(baseline, current), ks_lower_bound=bound,
                        p_value=ks_p_value(bound, n_baseline, n_current, sketch_error),
                        wasserstein=wasserstein(baseline, current), scaled_wasserstein=scaled,
                        psi=population_stability_index(p, q), jsd=jensen_shannon(p, q))
