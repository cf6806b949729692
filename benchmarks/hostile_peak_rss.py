"""Peak memory of the three commands on the worst hostile inputs of issue 12, each file under 1 MB, beside a plain
input of the same shape (the anchor): the figure "peak RSS of the worst hostile input under 1 MB" (goal < 1 GB
above the plain run; before the fixes these inputs took 22.9 GB, 4.2 GB and asked for 29.8 GiB).

Each run is its own process (`python -c 'main(argv)'`), so the peak RSS (VmHWM, `peak_memory`) is that command's alone,
the stack's imports included (about 0.5-0.9 GB). Data is written to $TMPDIR/hostile_rss/.

    .venv/bin/python benchmarks/hostile_peak_rss.py
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(tempfile.gettempdir(), "hostile_rss")
RUN = ("import sys\n"
       "from benchmarks.peak_memory import peak_rss_mb\n"
       "from tfx_dcai.pipelines.cli import main\n"
       "code = main(sys.argv[1:])\n"
       "print('PEAK_MB', peak_rss_mb(), file=sys.stderr)\n"
       "sys.exit(code)\n")


def _csv(name, header, rows):
    path = os.path.join(DATA, name)
    with open(path, "w", newline="", encoding="utf-8") as f:  # local: benchmark data
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _drift(huge: bool):
    """One 900 KB text value among 2,000 current rows (it made `dcai drift` grow to 22.9 GB)."""
    tag = "huge" if huge else "plain"
    base = _csv(f"drift_b_{tag}.csv", ["t", "n"], [["a", i] for i in range(2000)])
    cur = _csv(f"drift_c_{tag}.csv", ["t", "n"],
               [["a" if i else ("z" * 900_000 if huge else "z"), i] for i in range(2000)])
    return [cur], ["drift", "--baseline", base, "--current", cur]


def _slices(huge: bool):
    """Text labels with one 20 KB prediction in 30,000 rows (the issue's 650 KB file of this kind took 4.2 GB)."""
    tag = "huge" if huge else "plain"
    rows = [[["x", "y"][i % 2], ["x", "y"][(i // 3) % 2] if i or not huge else "p" * 20_000, i % 7, f"r{i % 13}"]
            for i in range(30_000)]
    path = _csv(f"slices_{tag}.csv", ["label", "prediction", "f", "g"], rows)
    return [path], ["slices", "--examples", path, "--label-column", "label", "--prediction-column", "prediction"]


def _agreement(huge: bool):
    """1,000 items whose labels are free text, 2,000 distinct (a 50 KB file asked for 29.8 GiB)."""
    tag = "huge" if huge else "plain"
    label = (lambda i, who: f"free text answer number {i * 2 + (who == 'B')}") if huge else (
        lambda i, who: ["cat", "dog", "emu"][(i + (who == "B" and i % 5 == 0)) % 3])
    rows = [(f"item{i:04d}", who, label(i, who)) for i in range(1000) for who in "AB"]
    path = _csv(f"agreement_{tag}.csv", ["item", "who", "lab"], rows)
    return [path], ["agreement", "--annotations", path, "--item-column", "item", "--annotator-column", "who",
                    "--label-column", "lab"]


def _run(argv, out):
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", RUN, *argv, "--output-dir", out, "--quiet"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=1800)
    peak = re.search(r"PEAK_MB ([0-9.]+)", done.stderr)
    return done.returncode, float(peak.group(1)) if peak else float("nan")


def main():
    os.makedirs(DATA, exist_ok=True)
    print("| command | hostile input (file size) | exit | peak RSS, MB | plain input, MB | difference, MB |")
    print("|---|---|---|---|---|---|")
    for name, case in (("dcai drift", _drift), ("dcai slices", _slices), ("dcai agreement", _agreement)):
        results = {}
        for huge in (False, True):
            files, argv = case(huge)
            size = sum(os.path.getsize(f) for f in files)
            results[huge] = (*_run(argv, os.path.join(DATA, f"out_{name.split()[1]}_{huge}")), size)
        (code, peak, size), (_, plain, _) = results[True], results[False]
        print(f"| {name} | {case.__doc__.splitlines()[0]} ({size / 1e6:.2f} MB) | {code} | {peak:.0f} | "
              f"{plain:.0f} | {peak - plain:+.0f} |", flush=True)


if __name__ == "__main__":
    main()
