"""Confident learning on taxi trips with 12% injected label noise: precision/recall of the flagged examples,
ours vs cleanlab's find_label_issues on the same out-of-sample probabilities.

    .venv/bin/python benchmarks/label_consistency/bench_confident_learning.py
cleanlab (AGPL-3) runs only in the benchmark venv (.venv-bench-label_consistency, from
requirements/bench-label_consistency.txt), in a subprocess that reads the probabilities this script saved.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

from tfx_dcai.label_consistency.confident_learning import find_label_issues, out_of_sample_probabilities

BENCH_PYTHON = os.path.join(os.path.dirname(__file__), "..", "..", ".venv-bench-label_consistency", "bin", "python")
NUMERIC = ("fare", "tips", "trip_miles", "trip_seconds", "trip_start_hour", "trip_start_day", "trip_start_month",
           "pickup_latitude", "pickup_longitude", "dropoff_latitude", "dropoff_longitude")
CATEGORICAL = ("payment_type", "company")
CLEANLAB = """
import sys, numpy as np
from cleanlab.filter import find_label_issues
d = np.load(sys.argv[1])
np.save(sys.argv[2], find_label_issues(d["labels"], d["probs"], filter_by="prune_by_noise_rate"))
"""


def taxi_features():
    """Features and big_tipper of the labelled trips bundled with tfx (tf.Example TFRecords)."""
    from tfx_dcai import tf_example
    from tfx_dcai.pipelines.taxi_data import big_tipper, taxi_testdata_dir

    rows, labels = [], []
    for _, f in tf_example.read_gzipped(sorted(glob.glob(os.path.join(taxi_testdata_dir(), "Split-*", "*")))):
        label = big_tipper(f)
        if label is None:
            continue
        rows.append([float(f[n][0]) if f.get(n) else np.nan for n in NUMERIC]
                    + [zlib.crc32(f[n][0]) % 1000 if f.get(n) else -1 for n in CATEGORICAL])
        labels.append(label)
    return np.array(rows), np.array(labels)


def scores(flagged, flipped):
    hits = (flagged & flipped).sum()
    return hits / max(flagged.sum(), 1), hits / flipped.sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--noise", type=float, default=0.12)
    parser.add_argument("--max-rows", type=int, default=15000)
    args = parser.parse_args()
    x, clean = taxi_features()
    x, clean = x[:args.max_rows], clean[:args.max_rows]
    rng = np.random.default_rng(0)
    flipped = rng.random(len(clean)) < args.noise
    noisy = np.where(flipped, 1 - clean, clean)
    probs = out_of_sample_probabilities(x, noisy)
    start = time.perf_counter()
    ours = find_label_issues(probs, noisy)
    ours_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(os.path.join(tmp, "in.npz"), probs=probs, labels=noisy)
        start = time.perf_counter()
        subprocess.run([BENCH_PYTHON, "-c", CLEANLAB, os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npy")],
                       check=True)
        anchor_s = time.perf_counter() - start  # includes the subprocess start and cleanlab import
        anchor = np.load(os.path.join(tmp, "out.npy"))
    p, r = scores(ours, flipped)
    ap, ar = scores(anchor, flipped)
    print(f"confident learning taxi n={len(noisy)} noise={args.noise:.0%}: ours precision {p:.3f} recall {r:.3f} "
          f"flagged {ours.sum()} ({ours_s:.3f}s); cleanlab precision {ap:.3f} recall {ar:.3f} flagged {anchor.sum()} "
          f"({anchor_s:.2f}s incl. subprocess); agreement of the two flag sets {np.mean(ours == anchor):.4f}")


if __name__ == "__main__":
    sys.exit(main())
