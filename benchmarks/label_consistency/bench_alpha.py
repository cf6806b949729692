"""Krippendorff's alpha on 1M units x 3 coders: tfx-dcai vs the `krippendorff` package (GPL-3, benchmark venv only).

Run in the benchmark environment (requirements/bench-label_consistency.txt):
    .venv-bench-label_consistency/bin/python benchmarks/label_consistency/bench_alpha.py
Prints one line per level: what, ours (s), anchor (s), ratio, |difference|; medians of --repeats runs.
"""
import argparse
import statistics
import time

import krippendorff
import numpy as np

from tfx_dcai.label_consistency import krippendorff_alpha


def reliability_data(n_units: int, n_coders: int, seed: int = 0) -> np.ndarray:
    """Coders agree with a latent value 80% of the time; 10% of the labels are missing (NaN)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_units)
    data = np.where(rng.random((n_coders, n_units)) < 0.8, truth, rng.integers(1, 6, (n_coders, n_units)))
    data = data.astype(float)
    data[rng.random(data.shape) < 0.1] = np.nan
    return data


def median_seconds(fn, repeats):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = reliability_data(args.units, args.coders)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours_s, ours = median_seconds(lambda: krippendorff_alpha(data, level), args.repeats)
        anchor_s, anchor = median_seconds(
            lambda: krippendorff.alpha(reliability_data=data, level_of_measurement=level), args.repeats)
        print(f"alpha {level} {args.units} units x {args.coders} coders: ours {ours_s:.3f}s, "
              f"krippendorff {anchor_s:.3f}s, ratio {ours_s / anchor_s:.3f}, |diff| {abs(ours - anchor):.1e}")


if __name__ == "__main__":
    main()
