"""Property-based fuzzing (Hypothesis) of find_slices and `dcai slices` on generated messy tables: every run ends
with a report (exit 0/1) whose row accounting is exact, or with SliceInputError (exit 2, one stderr line), never
another exception (exit 3). The example budget is small in `make test` (8 for the API, 4 for the CLI) and larger in
`make fuzz` (HYPOTHESIS_PROFILE=fuzz: 200 and 100)."""
import json
import math
import os
import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from tfx_dcai.pipelines.cli import main
from tfx_dcai.slice_error_analyzer import SliceInputError, find_slices

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"  # make fuzz; the profiles are in tests/conftest.py
EXAMPLES = 200 if FUZZ else 8
CLI_EXAMPLES = EXAMPLES // 2
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.fuzz

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
ODD_FLOATS = st.sampled_from([0.0, 1.0, -1.0, 0.5, 1e308, -1e308, math.inf, -math.inf, math.nan, 1e-300, 3.7])


def _column(kind, n, data):
    if kind == "binary":
        return data.draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
    if kind == "int":
        return data.draw(st.lists(st.integers(-3, 40), min_size=n, max_size=n))
    if kind == "float":
        return data.draw(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), ODD_FLOATS), min_size=n,
                                  max_size=n))
    if kind == "probability":
        return data.draw(st.lists(st.one_of(st.floats(0, 1), st.just(math.nan), st.just(1.5)), min_size=n,
                                  max_size=n))
    if kind == "text":
        vocabulary = data.draw(st.lists(st.one_of(TEXT, st.just("x" * 5000)), min_size=1, max_size=5))
        return data.draw(st.lists(st.one_of(st.sampled_from(vocabulary), st.none()), min_size=n, max_size=n))
    if kind == "bool":
        return data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return [None] * n  # all missing


@st.composite
def tables(draw):
    data = draw(st.data())
    n = draw(st.integers(0, 250))
    label_kind = draw(st.sampled_from(["binary", "int", "float", "text", "missing"]))
    prediction_kind = draw(st.sampled_from(["binary", "int", "float", "probability", "text", "missing"]))
    columns = {"label": _column(label_kind, n, data), "prediction": _column(prediction_kind, n, data)}
    names = draw(st.lists(TEXT.filter(lambda t: t.strip() and t not in ("label", "prediction")
                                      and not t.startswith("prediction_")), min_size=1, max_size=4, unique=True))
    for name in names:
        columns[name] = _column(draw(st.sampled_from(["int", "float", "text", "bool", "missing"])), n, data)
    frame = pd.DataFrame(columns)
    if n and draw(st.booleans()):  # some missing labels or predictions
        frame.loc[frame.sample(frac=0.1, random_state=0).index, draw(st.sampled_from(["label", "prediction"]))] = None
    parameters = draw(st.fixed_dictionaries({}, optional={
        "min_support": st.integers(1, 60), "max_level": st.integers(1, 3), "num_bins": st.integers(2, 6),
        "metric": st.sampled_from(["error_rate", "log_loss", "abs_error", "recall"]),
        "task": st.sampled_from(["binary", "multiclass", "regression"])}))
    return frame, parameters


def _check_report(report, n_rows):
    rows = report["rows"]
    assert rows["read"] == n_rows
    assert rows["read"] == rows["used"] + sum(rows["dropped"].values())
    assert rows["used"] == report["overall"]["n"] >= report["parameters"]["min_support"]
    for entry in report["slices"]:
        assert 0 < entry["size"] <= rows["used"]
        assert 0.0 <= entry["p_value"] <= 1.0 and 0.0 <= entry["q_value"] <= 1.0
        assert entry["metric_value"] is not None and math.isfinite(entry["metric_value"])
    assert report["status"] in ("SIGNIFICANT_SLICES", "NO_SIGNIFICANT_SLICE")
    json.dumps(report, allow_nan=True)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(tables())
def test_find_slices_reports_or_rejects(table):
    frame, parameters = table
    try:
        report = find_slices(frame, "label", **parameters)
    except SliceInputError as exc:
        event("find_slices: SliceInputError")
        assert str(exc) and "\n" not in str(exc).strip()
        return
    event("find_slices: report")
    _check_report(report, len(frame))


@settings(max_examples=CLI_EXAMPLES, **SETTINGS)
@given(tables())
def test_dcai_slices_ends_0_1_or_2(table):
    frame, parameters = table
    flags = []
    for key, value in parameters.items():
        flags += [f"--{key.replace('_', '-')}", str(value)]
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "data.csv")
        frame.to_csv(path, index=False)
        out = os.path.join(scratch, "out")
        import contextlib
        import io
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                code = main(["slices", "--examples", path, "--label-column", "label", "--prediction-column",
                             "prediction", "--output-dir", out, "--quiet", *flags])
            except SystemExit as exc:
                code = exc.code
        event(f"dcai slices exit {code}")  # the survey by exit code: pytest --hypothesis-show-statistics
        assert code in (0, 1, 2), err.getvalue()[-3000:]
        if code == 2:
            assert "Traceback" not in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1
            assert not os.path.exists(os.path.join(out, "slice_report.json"))
            return
        with open(os.path.join(out, "slice_report.json")) as f:
            _check_report(json.load(f), len(pd.read_csv(path, keep_default_na=False, dtype=str)))


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"label": [1, 0] * 40, "prediction": [0.5] * 80, "f": ["a"] * 80}),
    pd.DataFrame({"label": ["x"] * 80, "prediction": ["x"] * 80, "f": np.arange(80)}),
])
def test_degenerate_tables_found_by_fuzzing(frame):
    """Shapes that once broke the analysis: a constant prediction at the threshold, one class and a perfect model."""
    report = find_slices(frame, "label")
    _check_report(report, len(frame))
