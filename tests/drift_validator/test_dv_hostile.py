"""Hostile input through `dcai drift`: every case of the bad-input table in docs/drift_validator.md (the test reads
the table and runs each row: exit code and message), and memory bounded by rows when one value is 1 MB."""
import csv
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tfx_dcai.pipelines.cli import main

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "drift_validator.md")


def _csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:  # local
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _rows(n, seed, shift=0.0, labels=True):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.normal(shift, 1)
        p = 1 / (1 + np.exp(-2 * x))
        row = [f"{x:.4f}", rng.choice(["a", "b", "c"]), f"{p:.4f}"]
        out.append(row + ([str(int(rng.random() < p))] if labels else []))
    return out


HEADER = ["x", "colour", "P", "label"]


def _base(root):
    return _csv(root / "base.csv", HEADER, _rows(1500, 1))


def case_missing_file(root):
    return ["--baseline", str(root / "nope.csv"), "--current", _base(root)]


def case_header_only_current(root):
    return ["--baseline", _base(root), "--current", _csv(root / "empty.csv", HEADER, [])]


def case_header_only_baseline(root):
    return ["--baseline", _csv(root / "empty.csv", HEADER, []), "--current", _base(root)]


def case_output_dir_is_a_file(root):
    (root / "file").write_text("x")
    return ["--baseline", _base(root), "--current", _base(root), "--output-dir", str(root / "file")]


def case_output_dir_inside_input(root):
    os.makedirs(root / "data", exist_ok=True)
    base = _csv(root / "data" / "base.csv", HEADER, _rows(300, 1))
    return ["--baseline", str(root / "data"), "--current", base, "--output-dir", str(root / "data" / "out")]


def case_config_not_json(root):
    return ["--baseline", _base(root), "--current", _base(root), "--config", "{q: 1"]


def case_value_out_of_range(root):
    return ["--baseline", _base(root), "--current", _base(root), "--q", "2"]


def case_unknown_config_key(root):
    return ["--baseline", _base(root), "--current", _base(root), "--config", '{"qq": 0.1}']


def case_label_column_absent(root):
    return ["--baseline", _base(root), "--current", _base(root), "--label-column", "tip", "--prediction-column", "P"]


def case_prediction_column_absent(root):
    return ["--baseline", _base(root), "--current", _base(root), "--label-column", "label",
            "--prediction-column", "score"]


def case_model_without_label(root):
    return ["--baseline", _base(root), "--current", _base(root), "--prediction-column", "P"]


def case_not_a_savedmodel(root):
    os.makedirs(root / "model", exist_ok=True)
    return ["--baseline", _base(root), "--current", _base(root), "--label-column", "label",
            "--model", str(root / "model")]


def case_every_current_label_empty(root):
    rows = [r[:3] + [""] for r in _rows(800, 2)]
    return ["--baseline", _base(root), "--current", _csv(root / "cur.csv", HEADER, rows), "--label-column",
            "label", "--prediction-column", "P"]


def case_probabilities_out_of_range(root):
    rows = [r[:2] + ["7.5" if i % 10 == 0 else r[2]] + r[3:] for i, r in enumerate(_rows(800, 2))]
    return ["--baseline", _base(root), "--current", _csv(root / "cur.csv", HEADER, rows), "--label-column",
            "label", "--prediction-column", "P"]


def case_whole_vocabulary_change(root):
    base = [[f"old{i % 1500}"] for i in range(6000)]
    cur = [[f"new{i % 1500}"] for i in range(6000)]
    return ["--baseline", _csv(root / "b.csv", ["city"], base), "--current", _csv(root / "c.csv", ["city"], cur)]


def case_non_finite_numbers(root):
    rng = np.random.default_rng(3)
    values = rng.normal(0, 1, 4000)
    bad = ["nan", "inf", "-inf", "1e308", "-1e308"]
    cur = [[bad[i % 5] if i % 4 == 0 else f"{v:.4f}"] for i, v in enumerate(values)]
    base = [[f"{v:.4f}"] for v in rng.normal(0, 1, 4000)]
    return ["--baseline", _csv(root / "b.csv", ["x"], base), "--current", _csv(root / "c.csv", ["x"], cur)]


def case_one_huge_text_value(root):
    cur = [["a" if i else "z" * 1_000_000, f"{i}"] for i in range(2000)]
    base = [["a", f"{i}"] for i in range(2000)]
    return ["--baseline", _csv(root / "b.csv", ["t", "n"], base), "--current", _csv(root / "c.csv", ["t", "n"], cur)]


def case_ragged_rows(root):
    path = root / "ragged.csv"
    path.write_text("x,colour,P,label\n1,a,0.5,1\n2,b\n", encoding="utf-8")
    return ["--baseline", _base(root), "--current", str(path)]


def case_duplicate_columns(root):
    path = root / "dup.csv"
    path.write_text("x,x\n1,2\n", encoding="utf-8")
    return ["--baseline", _base(root), "--current", str(path)]


def case_unknown_task(root):
    return ["--baseline", _base(root), "--current", _base(root), "--task", "ranking"]


def case_wrong_number_of_class_labels(root):
    return ["--baseline", _base(root), "--current", _base(root), "--label-column", "label", "--prediction-column",
            "P", "--class-labels", "0,1,2"]


# case in the doc table -> (builder, exit code, stderr fragment or report check)
CASES = {
    "a path that does not exist": (case_missing_file, 2, "no such file or directory"),
    "a current file with a header and no rows": (case_header_only_current, 2, "holds 0 rows: nothing to compare"),
    "a baseline file with a header and no rows": (case_header_only_baseline, 2, "(status NO_BASELINE)"),
    "`--output-dir` that is a file": (case_output_dir_is_a_file, 2, "--output-dir"),
    "`--output-dir` inside an input directory": (case_output_dir_inside_input, 2, "--output-dir"),
    "`--config` that is not JSON": (case_config_not_json, 2, "not valid JSON"),
    "a config value out of range (`--q 2`)": (case_value_out_of_range, 2, "q must be in (0, 1)"),
    "an unknown config key": (case_unknown_config_key, 2, "unknown key(s) ['qq']"),
    "`--label-column` absent from the baseline": (case_label_column_absent, 2, "no label column 'tip'"),
    "`--prediction-column` absent": (case_prediction_column_absent, 2, "no prediction column 'score'"),
    "predictions without `--label-column`": (case_model_without_label, 2, "need --label-column"),
    "`--model` that is not a SavedModel": (case_not_a_savedmodel, 2, "cannot load a SavedModel"),
    "`--task` not a task": (case_unknown_task, 2, "invalid choice: 'ranking'"),
    "`--class-labels` that do not fit the labels": (case_wrong_number_of_class_labels, 2, "class"),
    "a CSV row with fewer fields than the header": (case_ragged_rows, 2, "not a valid CSV file"),
    "a CSV header that repeats a column": (case_duplicate_columns, 2, "the CSV header repeats column name(s)"),
    "every current label empty (label column present)": (case_every_current_label_empty, 1,
                                                           lambda r: r["concept_drift"]["status"] == "NO_LABELS"),
    "probabilities outside [0, 1]": (case_probabilities_out_of_range, None,
                                     lambda r: r["concept_drift"]["rows_dropped"]["current"]
                                     ["prediction_out_of_range"] == 80),
    "a categorical feature whose whole vocabulary changes": (case_whole_vocabulary_change, 1,
                                                             lambda r: r["features"][0]["drift"]),
    "25% NaN, inf and +-1e308 in a numeric feature": (case_non_finite_numbers, 1,
                                                      lambda r: r["features"][0]["drift"]  # an infinite
                                                      and r["features"][0]["nan_test"]["drift"]),  # effect: null
    "one 1 MB text value": (case_one_huge_text_value, None, lambda r: r["rows"] == {"baseline": 2000,
                                                                                    "current": 2000}),
}


def doc_table_cases():
    """The first column of the bad-input table under '## Bad input' in docs/drift_validator.md."""
    text = open(DOC, encoding="utf-8").read()  # local
    section = text.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| bad input")]
    return [re.split(r"\s\|\s", line.strip("| "))[0].strip() for line in rows if not set(line) <= set("|-: ")]


def test_the_doc_table_lists_exactly_the_cases_tested():
    assert doc_table_cases() == list(CASES)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_case(case, tmp_path, capsys):
    builder, code, check = CASES[case]
    args = builder(tmp_path)
    if "--output-dir" not in args:
        args += ["--output-dir", str(tmp_path / "out")]
    try:
        result = main(["drift", "--quiet", "--bootstrap", "50", "--permutations", "50"] + args)
    except SystemExit as exc:  # argparse rejects a flag's value itself (exit 2)
        result = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code is not None:
        assert result == code, err
    else:
        assert result in (0, 1), err
    if isinstance(check, str):
        lines = err.strip().splitlines()
        assert check in lines[-1], err
        # one line; argparse's own errors (a flag's choices) print its usage line first
        assert len(lines) == 1 or lines[0].startswith("usage:"), err
    else:
        with open(os.path.join(args[args.index("--output-dir") + 1], "drift_report.json")) as f:  # local
            assert check(json.load(f))


_RSS = """
import resource, sys
from tfx_dcai.pipelines.cli import main
code = main(sys.argv[1:])
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _peak_rss_mb(args):
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "-c", _RSS, "drift"] + args, capture_output=True, text=True, env=env,
                          timeout=900)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return int(re.search(r"MAXRSS_KB (\d+)", done.stderr).group(1)) / 1024


def test_memory_is_bounded_by_rows_not_by_the_longest_value(tmp_path):
    """One 1 MB value in a 2,000-row file (it used to take 22.9 GB) costs no more than a short one."""
    huge = case_one_huge_text_value(tmp_path) + ["--output-dir", str(tmp_path / "o1")]
    (tmp_path / "short").mkdir()
    short_root = tmp_path / "short"
    cur = [["a" if i else "z", f"{i}"] for i in range(2000)]
    base = [["a", f"{i}"] for i in range(2000)]
    plain = ["--baseline", _csv(short_root / "b.csv", ["t", "n"], base), "--current",
             _csv(short_root / "c.csv", ["t", "n"], cur), "--output-dir", str(tmp_path / "o2")]
    huge_mb, plain_mb = _peak_rss_mb(huge), _peak_rss_mb(plain)
    assert huge_mb - plain_mb < 300, (huge_mb, plain_mb)
    assert huge_mb < 3000
