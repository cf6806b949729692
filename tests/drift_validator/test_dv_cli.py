"""`dcai drift` end to end on CSV files: exit 0 (no drift), 1 (drift), 2 (bad input), reports written."""
import csv
import json
import os

import numpy as np
import pytest

from tfx_dcai.pipelines.cli import main


def _write_csv(path, n, seed, shift=0.0, broken_model=False):
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["fare", "miles", "payment", "label", "score"])
        for _ in range(n):
            fare = rng.normal(10 + shift * 4, 4)
            miles = rng.lognormal(0, 0.5)
            payment = rng.choice(["Cash", "Credit Card", "Mobile"], p=[0.5, 0.4, 0.1] if not shift else [0.3, 0.4, 0.3])
            score = 1 / (1 + np.exp(-(fare - 10) / 2))
            label = int(rng.random() < (0.5 if broken_model else score))
            writer.writerow([f"{fare:.2f}", f"{miles:.3f}" if rng.random() > 0.05 else "", payment, label,
                             f"{score:.4f}"])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("drift_cli")
    paths = {"baseline": root / "baseline.csv", "same": root / "same.csv", "shifted": root / "shifted.csv"}
    _write_csv(paths["baseline"], 3000, 1)
    _write_csv(paths["same"], 2000, 2)
    _write_csv(paths["shifted"], 2000, 3, shift=0.5, broken_model=True)
    return root, {k: str(v) for k, v in paths.items()}


def test_shifted_data_and_broken_concept_exit_1(data, capsys):
    root, paths = data
    out = str(root / "out_shift")
    code = main(["drift", "--baseline", paths["baseline"], "--current", paths["shifted"], "--label-column", "label",
                 "--prediction-column", "score", "--output-dir", out])
    assert code == 1
    with open(os.path.join(out, "drift_report.json")) as f:
        report = json.load(f)
    assert report["status"] == "DRIFT"
    assert {f["name"] for f in report["features"] if f["drift"]} == {"fare", "payment"}
    assert {f["name"] for f in report["features"]} == {"fare", "miles", "payment"}  # label, score left out
    assert report["concept_drift"]["drift"] and report["multivariate"]["drift"]
    assert os.path.exists(os.path.join(out, "drift_report.html"))
    out = capsys.readouterr().out
    assert out.startswith("dcai drift: DRIFT (blocks): 2 of 3 features drifted (fare, payment); ")
    assert out.count("\n") == 1


def test_same_distribution_exits_0(data):
    root, paths = data
    out = str(root / "out_same")
    assert main(["drift", "--baseline", paths["baseline"], "--current", paths["same"], "--output-dir", out]) == 0
    with open(os.path.join(out, "drift_report.json")) as f:
        assert json.load(f)["status"] == "NO_DRIFT"


def test_bad_input_exits_2_with_the_path_or_column_named(data, capsys):
    root, paths = data
    missing = str(root / "nope.csv")
    assert main(["drift", "--baseline", missing, "--current", paths["same"], "--output-dir", str(root / "o")]) == 2
    assert f"--baseline {missing}: no such file or directory" in capsys.readouterr().err
    assert main(["drift", "--baseline", paths["baseline"], "--current", paths["same"], "--label-column", "tip",
                 "--prediction-column", "score", "--output-dir", str(root / "o2")]) == 2
    assert "no label column 'tip'" in capsys.readouterr().err
    assert main(["drift", "--baseline", paths["baseline"], "--current", paths["same"], "--config", '{"q": 2}',
                 "--output-dir", str(root / "o3")]) == 2
    empty = root / "empty.csv"
    empty.write_text("fare,miles,payment,label,score\n")
    capsys.readouterr()
    assert main(["drift", "--baseline", paths["baseline"], "--current", str(empty),
                 "--output-dir", str(root / "o4")]) == 2
    assert f"--current {empty} holds 0 rows: nothing to compare" in capsys.readouterr().err
    assert main(["drift", "--baseline", str(empty), "--current", paths["same"], "--output-dir", str(root / "o5")]) == 2
    assert f"--baseline {empty} holds 0 rows: nothing to compare with (status NO_BASELINE)" in capsys.readouterr().err
    assert not (root / "o5" / "drift_report.json").exists()  # bad input leaves no report that could look current
