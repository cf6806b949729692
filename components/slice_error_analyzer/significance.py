"""Is a slice worse than the rest? Exact or conservative one-sided tests and intervals from sufficient statistics.

Every test is one-sided (H1: the slice's mean loss is larger) and works from counts, sums and sums of squares, so
per-batch statistics combine (the rows are never collected):
- 0/1 losses (error rate, recall misses): **Fisher's exact test**. Given the N rows and K errors, the slice's
  error count X of its m rows is hypergeometric under H0 (errors independent of slice membership, the
  permutation null); p = P(X >= x). It is exact and, being discrete, conservative (never anti-conservative at
  small counts, unlike the pooled z test it replaces: 2 errors in 100 rows, both in a slice of 10, give
  p = 9e-6 by z but 0.0091 exactly). Intervals: Clopper-Pearson (exact).
- continuous losses (log loss, absolute and squared error): **Welch's t-test** when the slice and the rest both
  have at least WELCH_MIN_N rows; otherwise the slice is "not tested" (p = 1 in the Benjamini-Hochberg family,
  `tested` false). Losses are bounded below and right-skewed, for which the one-sided upper t tail is conservative
  (the calibration benchmark measures it). Intervals: Student t from the sums.
- the baseline gate (paired, same rows): for 0/1 losses the **exact McNemar test** (the discordant rows, where
  exactly one model errs, are Binomial(d, 1/2) under H0); for continuous losses a paired t-test with the same
  minimum n.
"""
from typing import Tuple

import numpy as np
from scipy import stats as scipy_stats

WELCH_MIN_N = 30  # fewest rows in the slice and in the rest (and in a paired comparison) for a t-test


def _f(a) -> np.ndarray:
    return np.asarray(a, np.float64)


def _counts(a) -> np.ndarray:
    return np.rint(_f(a))


def fisher_greater(errors, size, total_errors, total_rows) -> np.ndarray:
    """One-sided Fisher exact p-value that a slice of `size` rows with `errors` errors has a higher error rate
    than the other rows, out of `total_rows` rows with `total_errors` errors: P(X >= errors), X hypergeometric.

    Equal to scipy.stats.fisher_exact([[x, m - x], [K - x, N - m - K + x]], alternative="greater").
    """
    x, m, k, n = (_counts(a) for a in (errors, size, total_errors, total_rows))
    p = scipy_stats.hypergeom.sf(x - 1, n, k, m)
    return np.clip(np.where(np.isfinite(p), p, 1.0), 0.0, 1.0)


def clopper_pearson(errors, size, confidence: float = 0.95):
    """Exact (Clopper-Pearson) interval of a proportion; (nan, nan) for size 0."""
    x, m = _counts(errors), _counts(size)
    tail = (1 - confidence) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x > 0, scipy_stats.beta.ppf(tail, x, m - x + 1), 0.0)
        high = np.where(x < m, scipy_stats.beta.ppf(1 - tail, x + 1, m - x), 1.0)
    empty = m <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _mean_variance(total, squares, n):
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.maximum(squares - n * mean * mean, 0.0) / (n - 1)
    return mean, variance


def mean_interval(total, squares, n, confidence: float = 0.95):
    """Student-t interval of a mean from n, sum and sum of squares (nan for n < 2)."""
    total, squares, n = _f(total), _f(squares), _f(n)
    mean, variance = _mean_variance(total, squares, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = scipy_stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * np.sqrt(variance / n)
    half = np.where(n >= 2, half, np.nan)
    return mean - half, mean + half


def welch_greater(sum1, squares1, n1, sum2, squares2, n2) -> Tuple[np.ndarray, np.ndarray]:
    """One-sided Welch t-test of mean1 > mean2 from sufficient statistics.

    Returns:
      (p-values, tested): p = 1 where a group has fewer than WELCH_MIN_N rows (tested False).
    """
    n1, n2 = _f(n1), _f(n2)
    mean1, var1 = _mean_variance(_f(sum1), _f(squares1), n1)
    mean2, var2 = _mean_variance(_f(sum2), _f(squares2), n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se1, se2 = var1 / n1, var2 / n2
        t = (mean1 - mean2) / np.sqrt(se1 + se2)
        dof = (se1 + se2) ** 2 / (se1 ** 2 / (n1 - 1) + se2 ** 2 / (n2 - 1))
        p = scipy_stats.t.sf(t, dof)
    # no variance on either side: the means decide
    p = np.where(np.isfinite(p), p, np.where(mean1 > mean2, 0.0, 1.0))
    tested = (n1 >= WELCH_MIN_N) & (n2 >= WELCH_MIN_N)
    return np.where(tested, p, 1.0), tested


def slice_vs_rest(is_rate: bool, size, total, squares, n, grand_total, grand_squares):
    """p-values that slices (size, loss sum, sum of squares) are worse than the rows outside them.

    Args:
      is_rate: 0/1 losses (Fisher) or continuous ones (Welch).
      size, total, squares: each slice's rows, loss sum and sum of squared losses.
      n, grand_total, grand_squares: the same over all rows.

    Returns:
      (p-values, tested) arrays.
    """
    if is_rate:
        p = fisher_greater(total, size, grand_total, n)
        return p, np.ones(p.shape, bool)
    size, total, squares = _f(size), _f(total), _f(squares)
    return welch_greater(total, squares, size, grand_total - total, grand_squares - squares, n - size)


def slice_interval(is_rate: bool, size, total, squares, confidence: float = 0.95):
    """The interval of a slice's mean loss: Clopper-Pearson for 0/1 losses, Student t otherwise."""
    if is_rate:
        return clopper_pearson(total, size, confidence)
    return mean_interval(total, squares, size, confidence)


def mcnemar_greater(diff_sum, diff_squares) -> np.ndarray:
    """Exact one-sided McNemar p-value that a model errs more often than its baseline on the same rows.

    With 0/1 losses, d = error - baseline error is +1 on `b` rows and -1 on `c` rows: sum d = b - c and
    sum d^2 = b + c. Under H0 b ~ Binomial(b + c, 1/2); p = P(B >= b) (1 when no row is discordant).
    """
    s, q = _f(diff_sum), _f(diff_squares)
    b, discordant = np.rint((q + s) / 2), np.rint(q)
    p = scipy_stats.binom.sf(b - 1, discordant, 0.5)
    return np.where(discordant > 0, np.clip(p, 0.0, 1.0), 1.0)


def paired_t_greater(diff_sum, diff_squares, n) -> Tuple[np.ndarray, np.ndarray]:
    """One-sided paired t-test that the mean of d = loss - baseline loss is > 0; (p, tested), p = 1 below
    WELCH_MIN_N rows."""
    n = _f(n)
    mean, variance = _mean_variance(_f(diff_sum), _f(diff_squares), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / np.sqrt(variance / n)
        p = scipy_stats.t.sf(t, np.maximum(n - 1, 1))
    p = np.where(np.isfinite(p), p, np.where(mean > 0, 0.0, 1.0))
    tested = n >= WELCH_MIN_N
    return np.where(tested, p, 1.0), tested


def paired_worse(is_rate: bool, diff_sum, diff_squares, n):
    """(p, tested) that a model's loss on a slice is larger than the baseline model's on the same rows."""
    if is_rate:
        p = mcnemar_greater(diff_sum, diff_squares)
        return p, np.ones(p.shape, bool)
    return paired_t_greater(diff_sum, diff_squares, n)
