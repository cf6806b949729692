"""Wide data (issue 15 item 6): the analysis on 100,000 rows x 200 mixed columns, time and peak memory.

Data (synthetic, numpy default_rng(0)): 100 numeric columns (normal, lognormal, integers 0-50, 5% missing in a
third of them) and 100 categorical ones (3 to 200 values, Zipf-like frequencies); a binary label; a model whose
errors are 8% at baseline, 35% in two planted slices (cat_000 == v1, and num_000 above its 80th percentile with
cat_001 == v0). Two paths, each in its own process (VmHWM peak RSS, imports included):
- `find_slices` on the DataFrame (in memory, no Beam);
- `dcai slices` from the CSV file (Beam DirectRunner in this process: reading, profiling, scoring and the levels).
Default parameters (max_level 3, min_support max(32, n/100), alpha 0.95, k 10). Prints one line per path:
what, seconds, peak MB, slices evaluated, planted slices found.

    nice .venv/bin/python benchmarks/slice_error_analyzer/bench_wide.py --rows 100000 --columns 200
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def make_data(rows: int, columns: int, seed: int = 0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    numeric, categorical = columns // 2, columns - columns // 2
    data = {}
    for j in range(numeric):
        kind = j % 3
        values = (rng.normal(0, 1, rows) if kind == 0 else rng.lognormal(0, 1, rows) if kind == 1
                  else rng.integers(0, 51, rows).astype(float))
        if j % 3 == 2:
            values[rng.random(rows) < 0.05] = np.nan
        data[f"num_{j:03d}"] = values
    for j in range(categorical):
        levels = 3 + (j * 37) % 198
        weights = 1.0 / np.arange(1, levels + 1)
        data[f"cat_{j:03d}"] = np.array([f"v{i}" for i in range(levels)])[
            rng.choice(levels, rows, p=weights / weights.sum())]
    frame = pd.DataFrame(data)
    planted = (frame.cat_000 == "v1").to_numpy() | (
        (frame.num_000 > np.nanquantile(frame.num_000, 0.8)) & (frame.cat_001 == "v0")).to_numpy()
    label = rng.integers(0, 2, rows)
    wrong = rng.random(rows) < np.where(planted, 0.35, 0.08)
    frame["label"] = label
    frame["prediction"] = np.where(wrong, 1 - label, label)
    return frame


def _found(report) -> str:
    described = [s["description"] for s in report["slices"] if s["significant"]]
    first = any(d == "cat_000 == v1" for d in described)
    second = any("num_000" in d and "cat_001 == v0" in d for d in described)
    return f"{int(first) + int(second)}/2"


def _child(mode: str, path: str):
    sys.path.insert(0, REPO)
    from benchmarks.peak_memory import peak_rss_mb
    if mode == "find_slices":
        import pandas as pd
        from tfx_dcai.slice_error_analyzer import find_slices
        frame = pd.read_pickle(path)
        start = time.perf_counter()
        report = find_slices(frame, "label")
        seconds = time.perf_counter() - start
    else:
        from tfx_dcai.pipelines.cli import main
        out = os.path.join(os.path.dirname(path), "out")
        start = time.perf_counter()
        code = main(["slices", "--examples", path, "--label-column", "label", "--prediction-column", "prediction",
                     "--output-dir", out, "--quiet"])
        seconds = time.perf_counter() - start
        if code not in (0, 1):
            raise SystemExit(f"dcai slices exit {code}")
        with open(os.path.join(out, "slice_report.json")) as f:
            report = json.load(f)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "evaluated": report["n_evaluated"],
                      "significant": report["n_significant"], "found": _found(report),
                      "features": len(report["features"])}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--paths", nargs="+", default=["find_slices", "dcai_slices"])
    parser.add_argument("--child")
    parser.add_argument("--data")
    args = parser.parse_args()
    if args.child:
        return _child(args.child, args.data)
    env = dict(os.environ, PYTHONPATH=REPO, PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="2")
    with tempfile.TemporaryDirectory() as scratch:
        frame = make_data(args.rows, args.columns)
        pickle_path, csv_path = os.path.join(scratch, "data.pkl"), os.path.join(scratch, "data.csv")
        frame.to_pickle(pickle_path)
        frame.to_csv(csv_path, index=False)
        size_mb = os.path.getsize(csv_path) / 2 ** 20
        print(f"# {args.rows:,} rows x {args.columns} feature columns ({size_mb:.0f} MB CSV); load "
              f"{os.getloadavg()[0]:.1f}")
        print("what | seconds | peak MB | slices evaluated | significant | planted found")
        for mode in args.paths:
            data = pickle_path if mode == "find_slices" else csv_path
            done = subprocess.run([sys.executable, __file__, "--child", mode, "--data", data], env=env,
                                  capture_output=True, text=True)
            if done.returncode:
                print(f"{mode} failed: {done.stderr[-3000:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{mode}, {args.rows:,} x {r['features']} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
                  f"{r['evaluated']:,} | {r['significant']:,} | {r['found']}", flush=True)


if __name__ == "__main__":
    main()
