"""`dcai slices` on CSV files: exit codes 0/1/2, report files, and no TensorFlow on the prediction-column path."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tfx_dcai.pipelines.cli import main


def slices(*argv) -> int:
    """`dcai slices ARGV` through the real command (outcome contract included); returns its exit code."""
    return main(["slices", *argv])


@pytest.fixture()
def csv_path(tmp_path):
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame({"payment": rng.choice(["Cash", "Credit Card", "Mobile"], n),
                          "fare": rng.gamma(2.0, 6.0, n).round(2), "hour": rng.integers(0, 24, n)})
    frame["big_tipper"] = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(frame.payment == "Mobile", 0.4, 0.1)
    frame["score"] = np.where(wrong, 1 - frame.big_tipper, frame.big_tipper) * 0.8 + 0.1
    path = tmp_path / "trips.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_significant_slices_exit_1_and_write_the_report(csv_path, tmp_path, capsys):
    path, _ = csv_path
    out = tmp_path / "out"
    code = slices("--examples", str(path), "--label-column", "big_tipper", "--prediction-column", "score",
               "--output-dir", str(out))
    assert code == 1
    report = json.loads((out / "slice_report.json").read_text())
    assert report["slices"][0]["description"] == "payment == Mobile"
    assert (out / "slice_report.html").exists() and (out / "slicing_specs.json").exists()
    assert "payment == Mobile" in capsys.readouterr().out


def test_no_significant_slice_exits_0(csv_path, tmp_path):
    path, frame = csv_path
    frame["score"] = frame.big_tipper * 0.8 + 0.1
    frame.loc[::7, "score"] = 1 - frame.loc[::7, "score"]  # errors unrelated to any feature value
    frame.to_csv(path, index=False)
    # under this global null a false discovery happens with probability <= q; min-support 150 keeps it rarer
    code = slices("--examples", str(path), "--label-column", "big_tipper", "--prediction-column", "score",
               "--min-support", "150", "--output-dir", str(tmp_path / "out"))
    assert code == 0


@pytest.mark.parametrize("extra,message", [
    (["--prediction-column", "nope"], "'nope' is not in"),
    (["--prediction-column", "score", "--metric", "log_loss", "--exclude", "missing_col"], "missing_col"),
])
def test_bad_input_exits_2_with_the_column_named(csv_path, tmp_path, capsys, extra, message):
    path, _ = csv_path
    code = slices("--examples", str(path), "--label-column", "big_tipper", *extra,
               "--output-dir", str(tmp_path / "out"))
    assert code == 2
    assert message in capsys.readouterr().err


def test_predictions_outside_the_label_domain_exit_2(csv_path, tmp_path, capsys):
    path, frame = csv_path
    frame["score"] = frame.score * 5
    frame.to_csv(path, index=False)
    code = slices("--examples", str(path), "--label-column", "big_tipper", "--prediction-column", "score",
               "--metric", "log_loss", "--output-dir", str(tmp_path / "out"))
    assert code == 2
    assert "outside the label's domain" in capsys.readouterr().err


def test_prediction_column_path_does_not_import_tensorflow(csv_path, tmp_path):
    path, _ = csv_path
    code = (f"import sys, argparse; from tfx_dcai.slice_error_analyzer import cli; p = argparse.ArgumentParser(); "
            f"cli.add_arguments(p); cli.run(p.parse_args(['--examples', {str(path)!r}, '--label-column', "
            f"'big_tipper', '--prediction-column', 'score', '--output-dir', {str(tmp_path / 'o')!r}])); "
            f"print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
