"""SliceErrorAnalyzer vs the `sliceline` PyPI package (BSD-3; benchmark venv only) on real taxi errors.

Data: taxi_errors.py (15,002 real trips, a logistic regression's errors, deterministic resample to --rows).
Both sides search the same binned codes (our encoding: quantile bins, top values + other, missing) with the
same alpha, k, max_level, min_support. Each measurement runs in its own process (its VmHWM peak RSS, imports included);
figures are medians of --repeats runs. Prints one line per comparison: what, ours, anchor, ratio.

    .venv/bin/python benchmarks/slice_error_analyzer/bench_vs_sliceline.py \
        --anchor-python .venv-bench-slice_error_analyzer/bin/python
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def _prepare(path: str, rows: int, params: dict):
    import numpy as np

    sys.path.insert(0, HERE)
    import taxi_errors
    from tfx_dcai.slice_error_analyzer import find_slices
    from tfx_dcai.slice_error_analyzer.api import to_record_batches
    from tfx_dcai.slice_error_analyzer.encoding import FeatureEncoding, encode_batch

    data = taxi_errors.resample(taxi_errors.trips_with_predictions(), rows)
    data.to_pickle(path + ".pkl")
    report = find_slices(data, taxi_errors.LABEL, ranking="sliceline", **params)
    encodings = [FeatureEncoding(f["name"], f["kind"], edges=tuple(f.get("bin_edges", ())),
                                 values=tuple(f.get("top_values", ()))) for f in report["features"]]
    codes = np.concatenate([encode_batch(b, encodings) for b in to_record_batches(data)])
    errors = ((data.prediction >= 0.5).astype(int) != data[taxi_errors.LABEL]).to_numpy(float)
    np.savez(path, codes=codes, errors=errors, domains=[e.domain for e in encodings])
    return report


def _child(mode: str, path: str, params: dict):
    import numpy as np
    data = np.load(path)
    codes, errors = data["codes"], data["errors"]
    start = time.perf_counter()
    if mode == "sliceline":
        from sliceline.slicefinder import Slicefinder
        finder = Slicefinder(alpha=params["alpha"], k=params["k"], max_l=params["max_level"],
                             min_sup=params["min_support"], verbose=False)
        finder.fit(codes, errors)
        scores = [s["slice_score"] for s in finder.top_slices_statistics_]
    elif mode == "ours_search":
        sys.path.insert(0, REPO)
        from tfx_dcai.slice_error_analyzer import sliceline
        state = sliceline.search_in_memory(codes, errors, [int(d) for d in data["domains"]],
                                           sliceline.SliceLineParams(params["alpha"], params["k"],
                                                                     params["max_level"], params["min_support"]))
        scores = [float(s) for s in state.top_stats[:, 0]]
    else:  # ours_beam: the whole analysis (profile, binning, Beam search, tests, report) from the DataFrame
        sys.path.insert(0, REPO)
        import pandas as pd
        from tfx_dcai.slice_error_analyzer import find_slices
        frame = pd.read_pickle(path + ".pkl")
        start = time.perf_counter()
        report = find_slices(frame, "big_tipper", ranking="sliceline", **params)
        scores = [s["score"] for s in report["sliceline_top_k"]]
    seconds = time.perf_counter() - start
    sys.path.insert(0, REPO)
    from benchmarks.peak_memory import peak_rss_mb
    peak_mb = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "scores": scores}))


def _measure(python: str, mode: str, path: str, params: dict):
    env = dict(os.environ, PYTHONPATH=REPO, PYTHONWARNINGS="ignore")
    process = subprocess.Popen(  # noqa: S603
        [python, __file__, "--child", mode, "--data", path, "--params", json.dumps(params)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{mode} failed (status {process.returncode}): {err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchor-python", default=os.path.join(REPO, ".venv-bench-slice_error_analyzer", "bin",
                                                                 "python"))
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--data")
    parser.add_argument("--params")
    parser.add_argument("--workdir", default=None, help="keep the prepared data here (default: a temporary dir)")
    args = parser.parse_args()
    if args.child:
        return _child(args.child, args.data, json.loads(args.params))
    params = {"alpha": 0.95, "k": 10, "max_level": 3, "min_support": max(32, args.rows // 100)}
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(args.workdir or scratch, "codes.npz")
        if not os.path.exists(path):
            _prepare(path, args.rows, params)
        runs = {mode: [_measure(python, mode, path, params) for _ in range(args.repeats)]
                for mode, python in (("sliceline", args.anchor_python), ("ours_search", sys.executable),
                                     ("ours_beam", sys.executable))}
    anchor = runs["sliceline"][0]["scores"]
    print(f"# taxi errors resampled to {args.rows} rows x 17 features, params {params}, median of {args.repeats}")
    print("what | ours | anchor (sliceline 0.3.0 + numba) | ratio")
    for mode in ("ours_search", "ours_beam"):
        same = len(runs[mode][0]["scores"]) == len(anchor) and all(
            abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in zip(runs[mode][0]["scores"], anchor))
        print(f"{mode} top-{params['k']} scores identical | {same} | {len(anchor)} slices, best "
              f"{anchor[0] if anchor else None} | -")
        for key, unit in (("seconds", "s"), ("peak_mb", "MB")):
            ours = statistics.median(r[key] for r in runs[mode])
            theirs = statistics.median(r[key] for r in runs["sliceline"])
            print(f"{mode} {key} | {ours:.2f} {unit} | {theirs:.2f} {unit} | {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
