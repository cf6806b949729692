"""Property-based tests (Hypothesis) of `dcai agreement`, the executor and agreement_report on generated hostile
annotation tables: every run ends 0, 1 or 2 (one line on stderr for 2), never 3; rows in = rows used + rows dropped
by reason; the in-memory API and the CLI agree on the same input.

Budget: the Hypothesis profile's (tests/conftest.py: "default" in `make test`, "fuzz" in `make fuzz`) divided by
5, as every example runs a whole command or executor.
"""
import csv
import json
import math
import os
import tempfile

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tfx_dcai.errors import InputError
from tfx_dcai.label_consistency import agreement_report
from tfx_dcai.pipelines.cli import main

EXAMPLES = max(3, settings.default.max_examples // 5)
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.fuzz

ODD_IDS = ["i1", "i2", "i3", "i4", "i5", "a b", "ü-7", "x,y", 'q"uote', "i6", "i7", ""]
HOSTILE_LABELS = ["cat", "dog", "emu", "", "1", "2", "nan", "inf", "-inf", "1e308", "ü", "a,b", " ", "NULL",
                  "x" * 300]
ANNOTATORS = ["A", "B", "C", ""]


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:  # local: a test file
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _table(labels):
    return st.lists(st.tuples(st.sampled_from(ODD_IDS), st.sampled_from(ANNOTATORS), st.sampled_from(labels)),
                    min_size=0, max_size=40)


def _run_cli(rows, extra=()):
    """(exit code, stderr lines, report or None, consensus rows or None) of `dcai agreement` on the rows."""
    import contextlib
    import io

    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, "a.csv")
        _write(path, ["item", "who", "lab"], rows)
        out = os.path.join(root, "out")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["agreement", "--quiet", "--annotations", path, "--item-column", "item",
                         "--annotator-column", "who", "--label-column", "lab", "--n-bootstrap", "20",
                         "--output-dir", out, *extra])
        report = consensus = None
        if os.path.exists(os.path.join(out, "label_consistency_report.json")):
            with open(os.path.join(out, "label_consistency_report.json"), encoding="utf-8") as f:  # local
                report = json.load(f)
            with open(os.path.join(out, "consensus.csv"), encoding="utf-8", newline="") as f:  # local
                consensus = list(csv.DictReader(f))
        return code, [line for line in err.getvalue().splitlines() if line.strip()], report, consensus


def _check_accounting(report, n_rows):
    rows = report["rows"]
    assert rows["rows_in"] == n_rows
    assert rows["rows_used"] + sum(rows["rows_dropped"].values()) == rows["rows_in"]
    assert all(v > 0 for v in rows["rows_dropped"].values())


USABLE_NUMBERS = ["1", "2", "3", "2.5", "-0", "1e308", ""]  # labels of level interval ("" missing)
NUMERIC_LABELS = [*USABLE_NUMBERS, "nan", "inf", "x"]


@pytest.mark.parametrize("level", ["nominal", "interval"])
@FUZZ
@given(data=st.data())
def test_dcai_agreement_meets_the_outcome_contract_with_exact_row_accounting(level, data):
    labels = HOSTILE_LABELS if level == "nominal" else data.draw(st.sampled_from([USABLE_NUMBERS, NUMERIC_LABELS]))
    rows = data.draw(_table(labels))
    code, err, report, consensus = _run_cli(rows, ["--level", level])
    event(f"dcai agreement --level {level} exit {code}")  # the survey: pytest --hypothesis-show-statistics
    assert code in (0, 1, 2), err
    if code == 2:
        assert len(err) == 1 and "Traceback" not in err[0] and "bad input" in err[0], err
        assert report is None
        return
    _check_accounting(report, len(rows))
    assert report["status"] == ("CONSISTENT" if code == 0 else "INCONSISTENT")
    assert len(consensus) == report["rows"]["items"]  # every item with an id has its consensus row
    alpha = report["krippendorff_alpha"]
    assert alpha["value"] is None or math.isfinite(alpha["value"])
    if alpha["value"] is None:  # undefined only without variation, and then it is never a failure of alpha
        assert alpha["undefined_reason"] == "no_variation"


UNAMBIGUOUS_IDS = ["i1", "i2", "i3", "i4", "i5", "a b", "ü-7", "x,y", "i6", "i7"]


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(UNAMBIGUOUS_IDS), st.sampled_from(["A", "B", "C"]),
                               st.sampled_from(["cat", "dog", "emu", "ü", "a,b"])), min_size=0, max_size=40),
       missing=st.lists(st.integers(0, 39), max_size=4))
def test_agreement_report_and_the_cli_agree_on_the_same_input(rows, missing):
    rows = [(item, who, "" if k in missing else label) for k, (item, who, label) in enumerate(rows)]
    code, err, report, _ = _run_cli(rows)
    event(f"dcai agreement exit {code}")
    try:
        api = agreement_report([(i, a, label or None) for i, a, label in rows], n_bootstrap=20)
    except InputError:
        assert code == 2, err
        return
    assert code in (0, 1), err
    assert api["status"] == report["status"]
    assert api["rows"] == report["rows"]
    for key in ("n_items", "n_pairable_items", "n_annotators", "consensus_flags", "findings"):
        assert api[key] == report[key], key
    for key in ("value", "ci_low", "ci_high"):
        a, b = api["krippendorff_alpha"][key], report["krippendorff_alpha"][key]
        assert (a is None or (isinstance(a, float) and math.isnan(a))) == (b is None) and (
            b is None or a == pytest.approx(b, abs=1e-12)), key
    assert [r["label"] for r in api["per_class"]] == [r["label"] for r in report["per_class"]]


@settings(max_examples=max(2, EXAMPLES // 3), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=_table(["cat", "dog", "", "ü", "x" * 300]))
def test_the_executor_meets_the_outcome_contract_with_exact_row_accounting(rows):
    from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_dcai.artifacts import LabelConsistencyBlessing, LabelConsistencyReport
    from tfx_dcai.beam_options import LOCAL_BEAM_ARGS
    from tfx_dcai.command import input_error_message
    from tfx_dcai.label_consistency.config import LabelConsistencyConfig
    from tfx_dcai.label_consistency.executor import Executor
    from tfx_dcai.label_consistency.report import read_report
    from tfx_dcai.tf_records import encode_rows, write_tfrecords

    with tempfile.TemporaryDirectory() as root:
        annotations = standard_artifacts.Examples()
        annotations.uri = os.path.join(root, "annotations")
        annotations.split_names = artifact_utils.encode_split_names(["train"])
        os.makedirs(os.path.join(annotations.uri, "Split-train"))
        write_tfrecords(os.path.join(annotations.uri, "Split-train", "rows.gz"),
                        encode_rows([{"item": i or None, "who": a or None, "lab": label or None}
                                     for i, a, label in rows]))
        outputs = {"report": [LabelConsistencyReport()], "consensus_examples": [standard_artifacts.Examples()],
                   "blessing": [LabelConsistencyBlessing()]}
        for key, (artifact,) in outputs.items():
            artifact.uri = os.path.join(root, key)
        config = LabelConsistencyConfig(item_column="item", annotator_column="who", label_column="lab",
                                        n_bootstrap=10)
        context = BaseBeamExecutor.Context(beam_pipeline_args=list(LOCAL_BEAM_ARGS), tmp_dir=os.path.join(root, "t"),
                                           unique_id="fuzz")
        try:
            Executor(context).Do({"annotations": [annotations]}, outputs, {"config": config.to_json()})
        except Exception as exc:  # noqa: BLE001 - the contract: only bad input may stop the executor
            assert input_error_message(exc) is not None, repr(exc)
            return
        report = read_report(outputs["report"][0].uri)
        _check_accounting(report, len(rows))
        blessed = outputs["blessing"][0].get_int_custom_property("blessed")
        assert blessed == (1 if report["status"] == "CONSISTENT" else 0)
