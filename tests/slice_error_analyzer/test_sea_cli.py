"""`dcai slices` on files through the real command: exit codes 0/1/2, report files, every task, the pool, parity
with find_slices, memory bounded by rows, and no TensorFlow on the prediction-column path."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tfx_dcai.pipelines.cli import main


def slices(*argv) -> int:
    """`dcai slices ARGV` through the real command (outcome contract included); returns its exit code."""
    return main(["slices", *map(str, argv)])


def _trips(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"payment": rng.choice(["Cash", "Credit Card", "Mobile"], n),
                          "fare": rng.gamma(2.0, 6.0, n).round(2), "hour": rng.integers(0, 24, n)})
    frame["big_tipper"] = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(frame.payment == "Mobile", 0.4, 0.1)
    frame["score"] = np.where(wrong, 1 - frame.big_tipper, frame.big_tipper) * 0.8 + 0.1
    return frame


@pytest.fixture()
def csv_path(tmp_path):
    frame = _trips()
    path = tmp_path / "trips.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_significant_slices_exit_1_and_write_the_reports(csv_path, tmp_path, capsys):
    path, _ = csv_path
    out = tmp_path / "out"
    code = slices("--examples", path, "--label-column", "big_tipper", "--prediction-column", "score",
                  "--output-dir", out)
    assert code == 1
    report = json.loads((out / "slice_report.json").read_text())
    assert report["slices"][0]["description"] == "payment == Mobile" and report["task"] == "binary"
    assert (out / "slice_report.html").exists() and (out / "slicing_specs.json").exists()
    assert not (out / "selection.csv").exists() and not any(p.name.startswith(".") for p in out.iterdir())
    assert "payment == Mobile" in capsys.readouterr().out


def test_no_significant_slice_exits_0(csv_path, tmp_path):
    path, frame = csv_path
    frame["score"] = frame.big_tipper * 0.8 + 0.1
    frame.loc[::7, "score"] = 1 - frame.loc[::7, "score"]  # errors unrelated to any feature value
    frame.to_csv(path, index=False)
    assert slices("--examples", path, "--label-column", "big_tipper", "--prediction-column", "score",
                  "--output-dir", tmp_path / "out") == 0


def test_the_cli_and_find_slices_give_the_same_report(csv_path, tmp_path):
    from tfx_dcai.slice_error_analyzer import find_slices

    path, frame = csv_path
    out = tmp_path / "out"
    slices("--examples", path, "--label-column", "big_tipper", "--prediction-column", "score", "--max-level", 2,
           "--output-dir", out)
    cli = json.loads((out / "slice_report.json").read_text())
    api = find_slices(pd.read_csv(path), "big_tipper", prediction="score", max_level=2)
    assert cli["features"] == api["features"] and cli["rows"] == api["rows"] and cli["overall"] == api["overall"]
    for key in ("description", "size", "p_value", "q_value", "significant", "ci_low", "ci_high"):
        assert [s[key] for s in cli["slices"]] == pytest.approx([s[key] for s in api["slices"]])


def test_multiclass_columns_and_regression_from_csv(tmp_path):
    rng = np.random.default_rng(1)
    n = 2500
    frame = pd.DataFrame({"island": rng.choice(["Biscoe", "Dream", "Torgersen"], n), "mass": rng.normal(4, 1, n)})
    frame["species"] = rng.choice(["Adelie", "Chinstrap", "Gentoo"], n)
    right = rng.random(n) > np.where(frame.island == "Dream", 0.5, 0.1)
    for name in ("Adelie", "Chinstrap", "Gentoo"):
        frame[f"p_{name}"] = np.where(frame.species == name, np.where(right, 0.8, 0.1), np.where(right, 0.1, 0.45))
    frame.to_csv(tmp_path / "penguins.csv", index=False)
    out = tmp_path / "mc"
    assert slices("--examples", tmp_path / "penguins.csv", "--label-column", "species", "--prediction-column", "p",
                  "--metric", "recall", "--recall-class", "Gentoo", "--output-dir", out) == 1
    report = json.loads((out / "slice_report.json").read_text())
    assert report["task"] == "multiclass" and report["overall"]["metric"] == "recall"
    assert report["slices"][0]["description"] == "island == Dream"
    frame["target"] = frame.mass * 3 + rng.normal(0, np.where(frame.island == "Dream", 2.0, 0.5))
    frame["estimate"] = frame.mass * 3
    frame.drop(columns=[c for c in frame if c.startswith("p_")] + ["species"]).to_csv(tmp_path / "r.csv", index=False)
    out = tmp_path / "reg"
    assert slices("--examples", tmp_path / "r.csv", "--label-column", "target", "--prediction-column", "estimate",
                  "--metric", "squared_error", "--output-dir", out) == 1
    report = json.loads((out / "slice_report.json").read_text())
    assert report["task"] == "regression" and report["slices"][0]["description"] == "island == Dream"


def test_pool_and_budget_write_a_deterministic_selection(csv_path, tmp_path):
    path, _ = csv_path
    pool = _trips(n=4000, seed=7).drop(columns=["big_tipper", "score"])
    pool["trip_id"] = [f"t{i:05d}" for i in range(len(pool))]
    pool.to_csv(tmp_path / "pool.csv", index=False)
    pool.sample(frac=1.0, random_state=1).to_csv(tmp_path / "shuffled.csv", index=False)
    chosen = []
    for name in ("pool.csv", "shuffled.csv"):
        out = tmp_path / name.replace(".csv", "_out")
        assert slices("--examples", path, "--label-column", "big_tipper", "--prediction-column", "score", "--pool",
                      tmp_path / name, "--budget", 120, "--output-dir", out) == 1
        selection = pd.read_csv(out / "selection.csv")
        assert list(selection.columns) == list(pool.columns) + ["slice"] and len(selection) == 120
        assert set(selection.slice) == {"payment == Mobile"} and (selection.payment == "Mobile").all()
        report = json.loads((out / "slice_report.json").read_text())
        assert report["selection"]["chosen"] == 120 and report["selection"]["pool_rows"] == 4000
        chosen.append(sorted(selection.trip_id))
    assert chosen[0] == chosen[1]  # by content hash, not by row order


def test_prediction_column_path_does_not_import_tensorflow(csv_path, tmp_path):
    path, _ = csv_path
    code = ("import sys\nfrom tfx_dcai.pipelines.cli import main\n"
            f"main(['slices', '--examples', {str(path)!r}, '--label-column', 'big_tipper', '--prediction-column', "
            f"'score', '--output-dir', {str(tmp_path / 'o')!r}])\n"
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_huge_text_prediction_keeps_memory_bounded_by_rows(tmp_path):
    """Issue 12: one 20 KB predicted label in a 650 KB file made `dcai slices` use 4.2 GB (fixed-width <U arrays)."""
    rng = np.random.default_rng(2)
    n = 52_000
    frame = pd.DataFrame({"region": rng.choice(list("abcdefgh"), n), "size": rng.integers(0, 100, n)})
    frame["label"] = rng.choice(["yes", "no"], n)
    frame["guess"] = np.where(rng.random(n) < 0.2, np.where(frame.label == "yes", "no", "yes"), frame.label)
    frame.loc[5, "guess"] = "x" * 20_000
    path = tmp_path / "text.csv"
    frame.to_csv(path, index=False)
    assert 600_000 < path.stat().st_size < 800_000
    code = ("import sys\nfrom tfx_dcai.pipelines.cli import main\n"
            f"code = main(['slices', '--examples', {str(path)!r}, '--label-column', 'label', '--prediction-column', "
            f"'guess', '--output-dir', {str(tmp_path / 'o')!r}])\n"
            "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
            "print(code, int(peak) // 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exit_code, peak_mb = map(int, out.stdout.strip().splitlines()[-1].split())
    assert exit_code in (0, 1) and peak_mb < 1000, out.stderr[-2000:]
    report = json.loads((tmp_path / "o" / "slice_report.json").read_text())
    assert report["rows"]["used"] == n and report["task"] == "multiclass"
