"""Property-based hostile input (Hypothesis) for `dcai drift` and `analysis.analyze`: generated CSV files and tables
(integers, floats, NaN, infinities, +-1e308, text with quotes and unicode, missing cells, odd and duplicate column
names, ragged rows). Every run ends 0, 1 or 2 (never 3 or a crash); a bad-input exit prints one line; a report counts
every row; no feature passes with a significant test and an undefined effect. `make test` runs a few examples per
property, `make fuzz` (HYPOTHESIS_PROFILE=fuzz) many more."""
import csv
import io
import json
import math
import os

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tfx_dcai.errors import InputError
from tfx_dcai.pipelines.cli import main

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
CLI_EXAMPLES = 60 if FUZZ else 6      # each example is a whole Beam + TFDV run
API_EXAMPLES = 200 if FUZZ else 15
pytestmark = pytest.mark.fuzz

NUMBERS = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["1e308", "-1e308", "nan", "inf", "-inf", "NaN", "0", "-0.0", "1e-320"]))
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=30)
CELL = st.one_of(NUMBERS, TEXT, st.just(""), st.sampled_from(["NA", "null", "a,b", '"q"', " x ", "01", "007"]))
NAME = st.one_of(st.sampled_from(["x", "y", "label", "P", "a b", "é", "col-1", "1", "__raw_record__", "P_0"]),
                 st.text(st.characters(whitelist_categories=("L", "N", "Zs", "Pd")), min_size=1, max_size=12))


@st.composite
def csv_files(draw):
    # one file in five may repeat a column name or hold ragged rows (bad input); the rest reach a report
    hostile_shape = draw(st.integers(0, 4)) == 0
    names = draw(st.lists(NAME, min_size=1, max_size=5, unique=not hostile_shape))
    kinds = [draw(st.sampled_from(["number", "text", "mixed", "empty"])) for _ in names]

    def rows(n):
        out = []
        for _ in range(n):
            row = []
            for kind in kinds:
                cell = {"number": NUMBERS, "text": TEXT, "mixed": CELL, "empty": st.just("")}[kind]
                row.append(draw(cell))
            if hostile_shape and draw(st.integers(0, 40)) == 0:  # now and then a ragged row
                row = row[:-1] if len(row) > 1 else row + ["extra"]
            out.append(row)
        return out

    sizes = st.one_of(st.integers(0, 19), st.integers(20, 60), st.integers(20, 60))  # multivariate needs 20 per side
    return names, rows(draw(sizes)), rows(draw(sizes))


def _write(path, names, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:  # local
        f.write(buffer.getvalue())


@settings(max_examples=CLI_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=csv_files(), with_label=st.booleans())
def test_dcai_drift_on_generated_csv_meets_the_outcome_contract(tmp_path_factory, capsys, data, with_label):
    names, base_rows, cur_rows = data
    root = tmp_path_factory.mktemp("fuzz")
    _write(root / "b.csv", names, base_rows)
    _write(root / "c.csv", names, cur_rows)
    args = ["drift", "--baseline", str(root / "b.csv"), "--current", str(root / "c.csv"), "--output-dir",
            str(root / "out"), "--permutations", "20", "--bootstrap", "20", "--quiet"]
    if with_label:
        args += ["--label-column", names[0], "--prediction-column", names[-1]]
    code = main(args)
    err = capsys.readouterr().err
    event(f"dcai drift exit {code}")  # the survey by exit code: pytest --hypothesis-show-statistics
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert not (root / "out" / "drift_report.json").exists()
        return
    with open(root / "out" / "drift_report.json", encoding="utf-8") as f:  # local
        report = json.load(f)
    assert report["rows"] == {"baseline": len(base_rows), "current": len(cur_rows)}
    if report.get("multivariate"):
        assert report["multivariate"]["rows_seen"] == {"baseline": len(base_rows), "current": len(cur_rows)}
    _no_silent_pass(report)


def _no_silent_pass(report):
    for entry in report["features"]:
        if entry["q_value"] is not None and entry["q_value"] <= report["config"]["q"]:
            assert entry["effect_size"] is not None or entry["drift"], entry
    if (report.get("concept_drift") or {}).get("status") == "NO_LABELS":
        assert not report["blessed"] or "concept_drift" not in report["config"]["policy"]




@st.composite
def tables(draw):
    n_b, n_c = draw(st.integers(1, 80)), draw(st.integers(1, 80))
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    base, cur = {}, {}
    for name in names:
        kind = draw(st.sampled_from(["float", "int", "text", "null"]))
        for side, n in ((base, n_b), (cur, n_c)):
            if kind == "float":
                values = draw(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none(),
                                                 st.sampled_from([1e308, -1e308])), min_size=n, max_size=n))
                side[name] = pa.array([None if v is None else [v] for v in values], pa.list_(pa.float64()))
            elif kind == "int":
                values = draw(st.lists(st.one_of(st.integers(-2**62, 2**62), st.none()), min_size=n, max_size=n))
                side[name] = pa.array([None if v is None else [v] for v in values], pa.list_(pa.int64()))
            elif kind == "text":
                values = draw(st.lists(st.one_of(TEXT, st.none(), st.just("z" * 5000)), min_size=n, max_size=n))
                side[name] = pa.array([None if v is None else [v.encode("utf-8")] for v in values],
                                      pa.list_(pa.binary()))
            else:
                side[name] = pa.array([None] * n, pa.list_(pa.float64()))
    return pa.table(base), pa.table(cur)


@settings(max_examples=API_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sides=tables())
def test_analyze_on_generated_tables_reports_or_raises_bad_input(sides):
    import tensorflow_data_validation as tfdv
    from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory

    from tfx_dcai.drift_validator.analysis import DriftInputs, analyze
    from tfx_dcai.drift_validator.config import DriftConfig

    base, cur = sides
    stats = {}
    for side, table in (("baseline", base), ("current", cur)):
        batch = table.to_batches()[0] if table.num_rows else pa.RecordBatch.from_pydict({})
        stats[side] = generate_statistics_in_memory(batch, tfdv.StatsOptions()).datasets[0]
    samples = {"baseline": {"rows_seen": base.num_rows, "table": base},
               "current": {"rows_seen": cur.num_rows, "table": cur}}
    config = DriftConfig(permutations=20, bootstrap=20, sample_size=100)
    try:
        report = analyze(DriftInputs(current=stats["current"], baseline=stats["baseline"], samples=samples),
                         config).report
    except InputError as exc:
        event("analyze: InputError")
        assert str(exc) and "\n" not in str(exc).strip()
        return
    event("analyze: report")
    assert report["rows"] == {"baseline": base.num_rows, "current": cur.num_rows}
    from tfx_dcai.artifact_io import json_safe
    _no_silent_pass(json.loads(json.dumps(json_safe(report))))
    for entry in report["features"]:
        assert entry["effect_size"] is None or not math.isnan(entry["effect_size"]) or entry["drift"]
    assert np.isfinite(report["multivariate"]["auc"]) if report["multivariate"] else True
