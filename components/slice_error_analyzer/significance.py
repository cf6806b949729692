"""Is a slice worse than the rest? Tests and intervals from sufficient statistics (count, sum, sum of squares).

All tests are one-sided (H1: the slice's mean error is larger). Error rates use the pooled two-proportion z-test
and Wilson score intervals; losses use Welch's t-test and a t interval for the slice mean (computed from sums, so
it combines across record batches; a bootstrap would need the rows). Benjamini-Hochberg controls the false
discovery rate over every slice evaluated.
"""
import numpy as np
from scipy import stats as scipy_stats


def wilson_interval(successes, n, confidence: float = 0.95):
    """Wilson score interval for a proportion (Newcombe 1998, method 3)."""
    successes, n = np.asarray(successes, np.float64), np.asarray(n, np.float64)
    z = scipy_stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def mean_interval(total, squares, n, confidence: float = 0.95):
    """Student-t interval of a mean from n, sum and sum of squares."""
    total, squares, n = (np.asarray(a, np.float64) for a in (total, squares, n))
    mean, variance = _mean_variance(total, squares, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = scipy_stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * np.sqrt(variance / n)
    return mean - half, mean + half


def _mean_variance(total, squares, n):
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.maximum(squares - n * mean * mean, 0.0) / (n - 1)
    return mean, variance


def two_proportion_greater(x1, n1, x2, n2) -> np.ndarray:
    """One-sided pooled z-test p-value of p1 > p2 (statsmodels' proportions_ztest convention)."""
    x1, n1, x2, n2 = (np.asarray(a, np.float64) for a in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.where(np.isfinite(z), scipy_stats.norm.sf(z), 1.0)


def welch_greater(sum1, squares1, n1, sum2, squares2, n2) -> np.ndarray:
    """One-sided Welch t-test p-value of mean1 > mean2 from sufficient statistics."""
    mean1, var1 = _mean_variance(*(np.asarray(a, np.float64) for a in (sum1, squares1, n1)))
    mean2, var2 = _mean_variance(*(np.asarray(a, np.float64) for a in (sum2, squares2, n2)))
    n1, n2 = np.asarray(n1, np.float64), np.asarray(n2, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        se1, se2 = var1 / n1, var2 / n2
        t = (mean1 - mean2) / np.sqrt(se1 + se2)
        dof = (se1 + se2) ** 2 / (se1 ** 2 / (n1 - 1) + se2 ** 2 / (n2 - 1))
    p = scipy_stats.t.sf(t, dof)
    return np.where(np.isfinite(p), p, 1.0)


def paired_greater(diff_sum, diff_squares, n) -> np.ndarray:
    """One-sided paired t-test p-value that the mean of d = error - baseline error is > 0."""
    mean, variance = _mean_variance(*(np.asarray(a, np.float64) for a in (diff_sum, diff_squares, n)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / np.sqrt(variance / np.asarray(n, np.float64))
    p = scipy_stats.t.sf(t, np.maximum(np.asarray(n, np.float64) - 1, 1))
    return np.where(np.isfinite(p), p, np.where(mean > 0, 0.0, 1.0))


def slice_vs_rest(is_rate: bool, size, total, squares, n, grand_total, grand_squares) -> np.ndarray:
    """p-value that a slice (size, error sum, sum of squares) is worse than the rows outside it."""
    if is_rate:
        return two_proportion_greater(total, size, grand_total - total, n - size)
    return welch_greater(total, squares, size, grand_total - total, grand_squares - squares, n - size)


def slice_interval(is_rate: bool, size, total, squares, confidence: float = 0.95):
    if is_rate:
        return wilson_interval(total, size, confidence)
    return mean_interval(total, squares, size, confidence)
