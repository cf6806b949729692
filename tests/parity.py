"""Runner parity helpers: the same data as one file, as several files and with shuffled rows; the three `dcai`
component commands on a Beam runner; reports compared without what names the run or the files.

Used by tests/test_runner_parity.py (in-memory, multi_processing, PortableRunner with an external worker pool)
and by `make cluster-test` (the same tests against the Flink and Spark clusters of `make cluster-up`).
"""
import contextlib
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd

FLOAT_TOLERANCE = 1e-9  # relative; TFDV sums floats in the order rows arrive (docs/running.md, "Runner parity")


def _drift_frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    fare = rng.normal(10 + shift * 4, 4, n).round(2)
    frame = pd.DataFrame({
        "fare": fare, "miles": rng.lognormal(0, 0.5, n).round(3),
        "payment": rng.choice(["Cash", "Credit Card", "Mobile"], n,
                              p=[0.5, 0.4, 0.1] if not shift else [0.3, 0.4, 0.3]),
        "hour": rng.integers(0, 24, n)})
    frame["score"] = (1 / (1 + np.exp(-(fare - 10) / 2))).round(4)
    frame["label"] = (rng.random(n) < (0.5 if shift else frame["score"])).astype(int)
    frame.loc[rng.random(n) < 0.05, "miles"] = np.nan
    return frame


def _slice_frame(n, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"payment": rng.choice(["Cash", "Credit Card", "Mobile"], n),
                          "fare": rng.gamma(2.0, 6.0, n).round(2), "hour": rng.integers(0, 24, n)})
    frame["big_tipper"] = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(frame.payment == "Mobile", 0.4, 0.1)
    frame["score"] = np.where(wrong, 1 - frame.big_tipper, frame.big_tipper) * 0.8 + 0.1
    return frame


def _annotation_frame(n_items, seed):
    rng = np.random.default_rng(seed)
    truth = rng.choice(["cat", "dog", "fox"], n_items, p=[0.5, 0.3, 0.2])
    rows = []
    for i, label in enumerate(truth):
        for annotator, slip in (("A", 0.05), ("B", 0.1), ("C", 0.3 if label == "fox" else 0.05)):
            given = rng.choice(["cat", "dog", "fox"]) if rng.random() < slip else label
            rows.append({"item": f"item{i:04d}", "annotator": annotator, "label": given, "size": i % 7})
    return pd.DataFrame(rows)


def write_layouts(frame: pd.DataFrame, root: str, name: str, seed: int) -> dict:
    """{"one_file": CSV, "three_files": directory of 3 CSVs (rows dealt round-robin), "shuffled": CSV}."""
    os.makedirs(os.path.join(root, f"{name}_parts"), exist_ok=True)
    paths = {"one_file": os.path.join(root, f"{name}.csv"), "three_files": os.path.join(root, f"{name}_parts"),
             "shuffled": os.path.join(root, f"{name}_shuffled.csv")}
    frame.to_csv(paths["one_file"], index=False)
    for part in range(3):
        frame.iloc[part::3].to_csv(os.path.join(paths["three_files"], f"part-{part}.csv"), index=False)
    frame.sample(frac=1.0, random_state=seed).to_csv(paths["shuffled"], index=False)
    return paths


def make_data(root: str) -> dict:
    """command -> {layout: {flag: path}}."""
    data = {"drift": {}, "slices": {}, "agreement": {}}
    baseline = write_layouts(_drift_frame(3000, 1), root, "baseline", 11)
    current = write_layouts(_drift_frame(2000, 3, shift=0.5), root, "current", 12)
    examples = write_layouts(_slice_frame(3000, 4), root, "examples", 13)
    annotations = write_layouts(_annotation_frame(300, 5), root, "annotations", 14)
    for layout in baseline:
        data["drift"][layout] = {"--baseline": baseline[layout], "--current": current[layout]}
        data["slices"][layout] = {"--examples": examples[layout]}
        data["agreement"][layout] = {"--annotations": annotations[layout]}
    return data


COMMAND_FLAGS = {
    "drift": ["--label-column", "label", "--prediction-column", "score"],
    "slices": ["--label-column", "big_tipper", "--prediction-column", "score"],
    "agreement": ["--item-column", "item", "--annotator-column", "annotator", "--label-column", "label",
                  "--n-bootstrap", "200"],
}
REPORT_FILES = {"drift": "drift_report.json", "slices": "slice_report.json",
                "agreement": "label_consistency_report.json"}


def run_command(command: str, inputs: dict, output_dir: str, beam_args=()) -> dict:
    """Run `dcai COMMAND` in this process; returns (exit code, report dict)."""
    from tfx_dcai.pipelines.cli import main

    argv = [command] + [x for flag, path in inputs.items() for x in (flag, path)] + COMMAND_FLAGS[command]
    code = main(argv + ["--output-dir", output_dir] + (["--"] + list(beam_args) if beam_args else []))
    with open(os.path.join(output_dir, REPORT_FILES[command]), encoding="utf-8") as f:
        return code, json.load(f)


def normalized(report, data_root: str):
    """The report without the run's context and with every path under data_root replaced by '<input>'."""
    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items() if k != "context"}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and data_root in value:
            return "<input>"
        return value
    return walk(report)


def differences(a, b, tolerance: float = FLOAT_TOLERANCE, path: str = "") -> list:
    """Paths where two JSON values differ (floats by more than `tolerance`, relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in one" for k in set(a) ^ set(b)]
        for key in sorted(set(a) & set(b)):
            out += differences(a[key], b[key], tolerance, f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, tolerance, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        if a == b or (a != a and b != b) or abs(a - b) <= tolerance * max(abs(a), abs(b)):
            return []
        return [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 300.0, process=None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited with {process.returncode}")
        with contextlib.closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextlib.contextmanager
def worker_pool(log_path: str):
    """A Beam Python SDK worker pool (worker_pool_main) in a separate process; yields its port."""
    port = free_port()
    # The pool starts each SDK worker as `python -c ...`: this interpreter's directory goes first on PATH.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with open(log_path, "w") as log:  # local
        process = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                                    f"--service_port={port}"], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port, process=process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
