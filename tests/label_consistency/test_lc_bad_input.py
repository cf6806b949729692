"""Every row of the bad-input table in docs/label_consistency.md, run through `dcai agreement` or
`dcai label-errors`: exit 2, one line on stderr containing the documented text. The table and these cases match."""
import contextlib
import csv
import io
import json
import os
import re

import pytest

from tfx_dcai.pipelines.cli import main
from tests.paths import REPO_ROOT

DOC = os.path.join(REPO_ROOT, "docs", "label_consistency.md")
GOOD = [("i1", "A", "cat"), ("i1", "B", "cat"), ("i2", "A", "dog"), ("i2", "B", "dog"), ("i3", "A", "cat"),
        ("i3", "B", "dog")]


def _csv(path, rows, header=("item", "who", "lab")):
    with open(path, "w", newline="", encoding="utf-8") as f:  # local: a test file
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _agreement(tmp_path, rows=GOOD, extra=()):
    return ["agreement", "--annotations", _csv(tmp_path / "a.csv", rows), "--item-column", "item",
            "--annotator-column", "who", "--label-column", "lab", "--n-bootstrap", "0",
            "--output-dir", str(tmp_path / "out"), *extra]


def _not_a_report(tmp_path):
    (tmp_path / "prev.json").write_text(json.dumps({"drift": True}))
    return _agreement(tmp_path, extra=["--previous-report", str(tmp_path / "prev.json")])


def _not_json(tmp_path):
    (tmp_path / "prev.json").write_text("{not json")
    return _agreement(tmp_path, extra=["--previous-report", str(tmp_path / "prev.json")])


def _label_errors(tmp_path, rows, extra=()):
    path = _csv(tmp_path / "e.csv", rows, header=("ex", "x", "y"))
    return ["label-errors", "--examples", path, "--label-column", "y", "--id-column", "ex",
            "--output-dir", str(tmp_path / "le"), *extra]


CASES = {
    "missing_column": lambda t: _agreement(t, extra=["--label-column", "nope"]),
    "one_annotator": lambda t: _agreement(t, [(f"i{i}", "A", "cat") for i in range(5)]),
    "nothing_to_compare": lambda t: _agreement(t, [("i1", "A", "cat"), ("i2", "B", "dog")]),
    "header_only": lambda t: _agreement(t, []),
    "previous_not_a_report": _not_a_report,
    "previous_not_json": _not_json,
    "infinite_label": lambda t: _agreement(t, [("i1", "A", "1"), ("i1", "B", "1"), ("i2", "A", "2"),
                                               ("i2", "B", "2"), ("i3", "A", "inf"), ("i3", "B", "1")],
                                           ["--level", "interval"]),
    "text_label_at_interval": lambda t: _agreement(t, extra=["--level", "interval"]),
    "many_labels_ordinal": lambda t: _agreement(t, [(f"i{i}", a, str(i)) for i in range(30) for a in "AB"],
                                                ["--level", "ordinal", "--max-classes", "10"]),
    "free_text_dawid_skene": lambda t: _agreement(t, [(f"i{i}", a, f"w{i}") for i in range(30) for a in "AB"],
                                                  ["--consensus", "dawid_skene", "--max-classes", "10"]),
    "medoid_kind": lambda t: _agreement(t, extra=["--kind", "text", "--consensus", "dawid_skene"]),
    "threshold_out_of_range": lambda t: _agreement(t, extra=["--min-alpha", "2"]),
    "unknown_config_key": lambda t: _agreement(t, extra=["--config", '{"min_alfa": 0.7}']),
    "no_such_file": lambda t: ["agreement", "--annotations", str(t / "missing.csv"), "--output-dir", str(t / "o")],
    "schema_without_examples": lambda t: _agreement(t, extra=["--schema", _csv(t / "s.pbtxt", [])]),
    "missing_prediction_column": lambda t: _agreement(t, extra=[
        "--examples", _csv(t / "e.csv", [("e1", 1.0, 0), ("e2", 2.0, 1)], ("ex", "x", "y")),
        "--example-label-column", "y", "--prediction-column", "P"]),
    "label_errors_one_class": lambda t: _label_errors(t, [(f"e{i}", float(i), "a") for i in range(20)]),
    "label_errors_too_few_per_class": lambda t: _label_errors(t, [(f"e{i}", float(i), "ab"[i < 3]) for i in range(20)]),
}


def _documented_rows():
    """{case: text} from the bad-input table of docs/label_consistency.md (rows `| case | ... | 2 | `text` |`)."""
    with open(DOC, encoding="utf-8") as f:  # local: the repository's docs
        text = f.read()
    table = text.split("## Bad input", 1)[1]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"\|\s*`([a-z_]+)`\s*\|.*\|\s*2\s*\|\s*`(.+)`\s*\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_documented_table_and_the_cases_here_are_the_same():
    assert set(_documented_rows()) == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_input_exits_2_with_one_line_naming_it(case, tmp_path):
    expected = _documented_rows()[case]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(CASES[case](tmp_path))
    lines = [line for line in err.getvalue().splitlines() if line.strip() and "rows read" not in line]
    assert code == 2, lines
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert expected in lines[0], lines[0]
