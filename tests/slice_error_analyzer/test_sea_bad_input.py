"""Every bad input of `dcai slices` is one line on stderr and exit 2, as the table in docs/slice_error_analyzer.md
says: the test runs each case of that table and checks the table lists exactly these cases."""
import os
import re

import numpy as np
import pandas as pd
import pytest

from tests.paths import REPO_ROOT
from tfx_dcai.pipelines.cli import main

DOC = os.path.join(REPO_ROOT, "docs", "slice_error_analyzer.md")
BASE = ["--label-column", "big_tipper", "--prediction-column", "score"]


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"payment": rng.choice(["Cash", "Card"], n), "fare": rng.gamma(2.0, 6.0, n).round(2)})
    frame["big_tipper"] = rng.integers(0, 2, n)
    frame["score"] = np.where(rng.random(n) < 0.2, 1 - frame.big_tipper, frame.big_tipper) * 0.8 + 0.1
    return frame


def _csv(tmp, name, frame):
    path = tmp / name
    frame.to_csv(path, index=False)
    return str(path)


def _raw(tmp, name, text):
    path = tmp / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def _case(name, tmp):
    """argv (after `dcai slices`) of each documented case; `tmp` is a fresh directory."""
    trips = _csv(tmp, "trips.csv", _frame())
    out = str(tmp / "out")
    common = ["--examples", trips, *BASE, "--output-dir", out]
    model = tmp / "model"
    model.mkdir(exist_ok=True)
    multiclass = _frame().assign(big_tipper=lambda f: f.payment.map({"Cash": "a", "Card": "b"}).where(
        f.fare < 20, "c"), score=lambda f: f.payment.map({"Cash": "a", "Card": "b"}))
    cases = {
        "max-level 0": common + ["--max-level", "0"],
        "alpha 2": common + ["--alpha", "2"],
        "q 1": common + ["--q", "1"],
        "min-support 0": common + ["--min-support", "0"],
        "budget -1": common + ["--budget", "-1"],
        "not a number": common + ["--k", "ten"],
        "unknown metric": common + ["--metric", "accuracy"],
        "metric for another task": common + ["--metric", "abs_error"],
        "recall of no class": ["--examples", _csv(tmp, "mc.csv", multiclass), *BASE, "--metric", "recall",
                               "--output-dir", out],
        "output dir is a file": ["--examples", trips, *BASE, "--output-dir", _csv(tmp, "file.csv", _frame(5))],
        "output dir inside the input": ["--examples", str(tmp), *BASE, "--output-dir", str(tmp / "inside")],
        "missing examples": ["--examples", str(tmp / "nope.csv"), *BASE, "--output-dir", out],
        "missing label column": ["--examples", trips, "--label-column", "nope", "--prediction-column", "score",
                                 "--output-dir", out],
        "missing prediction column": ["--examples", trips, "--label-column", "big_tipper", "--prediction-column",
                                      "nope", "--output-dir", out],
        "no predictions named": ["--examples", trips, "--label-column", "big_tipper", "--output-dir", out],
        "model and prediction column": common + ["--model", str(model)],
        "model on CSV": ["--examples", trips, "--label-column", "big_tipper", "--model", str(model), "--output-dir",
                         out],
        "header-only file": ["--examples", _csv(tmp, "empty.csv", _frame().iloc[:0]), *BASE, "--output-dir", out],
        "all labels missing": ["--examples", _csv(tmp, "nolabel.csv", _frame().assign(big_tipper=np.nan)), *BASE,
                               "--output-dir", out],
        "all predictions missing": ["--examples", _csv(tmp, "nopred.csv", _frame().assign(score=np.nan)), *BASE,
                                    "--output-dir", out],
        "labels and predictions never overlap": [
            "--examples", _csv(tmp, "yn.csv", _frame().assign(big_tipper=lambda f: np.where(f.big_tipper, "yes", "no"),
                                                              score=lambda f: np.where(f.score > 0.5, "Y", "N"))),
            *BASE, "--output-dir", out],
        "carriage return in a column name": [
            "--examples", _raw(tmp, "cr.csv", "payment,fare,big_tipper,score,a\rb\nCash,1.0,1,0.9,x\n"), *BASE,
            "--output-dir", out],
        "fewer rows than min_support": ["--examples", _csv(tmp, "small.csv", _frame(20)), *BASE, "--output-dir", out],
        "unknown feature excluded": common + ["--exclude", "nope"],
        "declared regression on text labels": [
            "--examples", _csv(tmp, "text.csv", _frame().assign(big_tipper=lambda f: np.where(f.big_tipper, "y", "n"),
                                                                score=lambda f: f.score * 3)),
            *BASE, "--task", "regression", "--output-dir", out],
        "pool without budget": common + ["--pool", trips],
        "pool without a feature": common + ["--pool", _csv(tmp, "pool.csv", _frame().drop(columns=["fare"])),
                                            "--budget", "5", "--min-support", "20"],
        "config not JSON": common + ["--config", "{bad"],
        "config with an unknown key": common + ["--config", '{"max_levels": 2}'],
        "unknown Beam runner": common + ["--", "--runner=NoSuchRunner"],
    }
    return cases[name]


def _documented():
    """(case, exit code, message) rows of the doc's bad-input table."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        match = re.match(r"\| (.+?) \| (.+?) \| (\d) \| `(.+)` \|$", line)
        if match:
            rows.append((match.group(1), int(match.group(3)), match.group(4)))
    return rows


def test_the_table_lists_exactly_the_tested_cases(tmp_path):
    documented = [name for name, _, _ in _documented()]
    assert len(documented) == len(set(documented)) >= 25
    with pytest.raises(KeyError):
        _case("not a case", tmp_path)
    for name in documented:
        _case(name, tmp_path)  # every documented case is tested


@pytest.mark.parametrize("name,code,message", _documented())
def test_bad_input_is_one_line_and_exit_2(name, code, message, tmp_path, capsys):
    argv = _case(name, tmp_path)
    if name == "pool without a feature":  # the pool is read after an analysis that finds a slice
        frame = _frame()
        frame.loc[frame.payment == "Card", "score"] = 1 - frame.big_tipper[frame.payment == "Card"]
        frame.to_csv(argv[1], index=False)
    try:
        exit_code = main(["slices", *argv])
    except SystemExit as exc:  # argparse errors
        exit_code = exc.code
    err = capsys.readouterr().err
    assert exit_code == code, err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not line.endswith("rows read")]
    assert len(lines) == 1 and message in lines[0], err
