"""ComputeLabelConsistency on in-memory record batches (Beam + pyarrow, no TensorFlow)."""
import dataclasses
import json
import re

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from tfx_dcai.errors import InputError
from tfx_dcai.label_consistency import agreement_report
from tfx_dcai.label_consistency.beam_agreement import ComputeLabelConsistency
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.published_tables import DAWID_SKENE_1979
from tfx_dcai.label_consistency.report import render_html


_OUT = {}  # module-level: Beam pickles closures, so results are collected here, not in a local dict


def _run(rows, config, batch_size=7):
    names = list(rows[0])
    batches = [pa.RecordBatch.from_pydict({n: [r[n] for r in rows[i:i + batch_size]] for n in names})
               for i in range(0, len(rows), batch_size)]
    _OUT.clear()
    out = _OUT
    with beam.Pipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as p:
        result = p | beam.Create(batches) | ComputeLabelConsistency(config, consensus_location="consensus.csv")
        _ = result["report"] | "KeepReport" >> beam.Map(lambda r: _OUT.setdefault("report", r))
        _ = result["consensus"] | beam.combiners.ToList() | beam.Map(lambda r: _OUT.setdefault("consensus", r))
    return out["report"], sorted((r for bucket in out["consensus"] for r in bucket.consensus.rows()),
                                 key=lambda r: r["item"])


def _ds_rows():
    """Dawid & Skene's table with observer 1's first assessment only (one label per annotator and item)."""
    return [{"item_id": f"p{p:02d}", "annotator_id": f"obs{o}", "label": labels[0]}
            for p, observers in DAWID_SKENE_1979.items() for o, labels in observers.items()]


def test_beam_report_equals_in_memory_report_on_dawid_skene_table():
    rows = _ds_rows()
    config = LabelConsistencyConfig(consensus="dawid_skene", n_bootstrap=300)
    report, consensus = _run(rows, config)
    memory = agreement_report([(r["item_id"], r["annotator_id"], r["label"]) for r in rows],
                              consensus="dawid_skene", n_bootstrap=300)
    for key in ("status", "fleiss_kappa", "pairwise", "per_class", "confusions", "krippendorff_alpha"):
        assert report[key] == memory[key], key  # the same numbers, bootstrap CI included, whatever the order
    assert [(c["item"], c["label"]) for c in consensus] == sorted((c["item"], c["label"]) for c in memory["consensus"])
    assert report["rows"] == {"rows_in": 225, "rows_used": 225, "rows_dropped": {}, "items": 45}


def test_every_row_and_item_is_accounted_for():
    rows = [
        {"item_id": "a", "annotator_id": "X", "label": "cat"}, {"item_id": "a", "annotator_id": "Y", "label": "cat"},
        {"item_id": "a", "annotator_id": "Y", "label": "cat"},                      # duplicate, same label
        {"item_id": "b", "annotator_id": "X", "label": "cat"}, {"item_id": "b", "annotator_id": "Y", "label": "dog"},
        {"item_id": "b", "annotator_id": "Y", "label": "cat"},                      # conflicting duplicate
        {"item_id": "c", "annotator_id": "X", "label": "emu"}, {"item_id": "c", "annotator_id": "Y", "label": "dog"},
        {"item_id": None, "annotator_id": "X", "label": "dog"},                     # no item id
        {"item_id": "d", "annotator_id": None, "label": "dog"}, {"item_id": "d", "annotator_id": "X", "label": ""},
        {"item_id": "e", "annotator_id": "X", "label": "dog"}, {"item_id": "e", "annotator_id": "Y", "label": "dog"},
    ]
    report, consensus = _run(rows, LabelConsistencyConfig(label_domain=("cat", "dog"), n_bootstrap=50))
    dropped = {"duplicate_rows": 1, "conflicting_duplicate": 2, "unknown_label": 1, "missing_item_id": 1,
               "missing_annotator": 1, "missing_label": 1}
    assert report["rows"] == {"rows_in": 13, "rows_used": 6, "rows_dropped": dropped, "items": 5}
    assert list(report["rows"]["rows_dropped"]) == sorted(dropped)  # the same order whatever the buckets' order
    flags = {c["item"]: c["flags"] for c in consensus}
    assert flags == {"a": ["duplicate_rows"], "b": ["conflicting_duplicate", "single_label"],
                     "c": ["single_label", "unknown_label"], "d": ["missing_annotator", "missing_label",
                                                                    "no_valid_label"], "e": []}
    assert report["consensus"][3] == {"item": "d", "label": None, "confidence": 0.0,
                                      "flags": ["missing_annotator", "missing_label", "no_valid_label"]}


def test_one_annotator_is_bad_input():
    rows = [{"item_id": str(i), "annotator_id": "solo", "label": "x"} for i in range(3)]
    with pytest.raises(Exception, match=re.escape("at least two annotators with valid labels; found 1 (['solo'])")):
        _run(rows, LabelConsistencyConfig(n_bootstrap=0))


def test_no_valid_label_is_bad_input_that_says_why():
    rows = [{"item_id": str(i), "annotator_id": a, "label": 7} for i in range(3) for a in "AB"]
    with pytest.raises(Exception, match=re.escape("found 0 ([]); 6 of 6 rows were dropped (unknown_label: 6)")):
        _run(rows, LabelConsistencyConfig(n_bootstrap=0, label_domain=("8",)))
    report, _ = _run(rows + [{"item_id": "0", "annotator_id": "C", "label": 8}],
                     LabelConsistencyConfig(n_bootstrap=0, label_domain=("7", "8")))  # compared as text: 7 is "7"
    assert report["rows"]["rows_dropped"] == {}


def test_bad_parameters_are_input_errors():
    with pytest.raises(InputError, match="consensus must be one of"):
        LabelConsistencyConfig(consensus="vote")
    with pytest.raises(InputError, match="must be named and differ"):
        LabelConsistencyConfig(item_column="x", annotator_column="x")


def test_transcripts_end_to_end_with_attribution_and_medoid():
    rows = []
    for i in range(20):
        base = "please call me back" if i % 2 else "the meeting is at noon"
        rows += [{"item_id": f"clip{i:02d}", "annotator_id": "A", "label": ("um " if i < 12 else "") + base},
                 {"item_id": f"clip{i:02d}", "annotator_id": "B", "label": base},
                 {"item_id": f"clip{i:02d}", "annotator_id": "C", "label": base if i != 19 else "   "}]
    report, consensus = _run(rows, LabelConsistencyConfig(kind="text", n_bootstrap=0))
    assert report["status"] == "INCONSISTENT"
    assert report["transcripts"]["attribution"][0]["rule"] == "fillers"
    assert any(f.startswith("annotator A writes fillers, B drops them") for f in report["findings"])
    assert consensus[0]["label"] == "the meeting is at noon" and consensus[0]["confidence"] == pytest.approx(2 / 3)
    assert "missing_label" in consensus[19]["flags"]
    html = render_html(report)
    assert "Transcripts" in html and "<script>alert" not in html


def test_html_escapes_labels_and_items():
    rows = [{"item_id": "<img src=x>", "annotator_id": a, "label": "<script>alert(1)</script>" if a == "A" else "ok"}
            for a in "AB"] + [{"item_id": "i2", "annotator_id": a, "label": "ok"} for a in "AB"]
    report, _ = _run(rows, LabelConsistencyConfig(n_bootstrap=20))
    html = render_html(report)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html


def test_boxes_end_to_end_flag_malformed_rows():
    rows = []
    for i in range(6):
        x = 100 * i
        for annotator in "AB":
            rows.append({"item_id": f"img{i}", "annotator_id": annotator, "label": f"{x} 0 {x + 10} 10 car"})
        rows.append({"item_id": f"img{i}", "annotator_id": "B", "label": f"{x + 50} 0 {x + 60} 10 car"})
    rows.append({"item_id": "img0", "annotator_id": "A", "label": "30 0 20 10 car"})  # x2 < x1
    report, consensus = _run(rows, LabelConsistencyConfig(kind="bbox", n_bootstrap=0))
    assert report["rows"]["rows_dropped"] == {"malformed_box": 1}
    assert report["boxes"]["pairwise"][0]["extra"] == 6 and report["boxes"]["pairwise"][0]["matches"] == 6
    assert "malformed_box" in consensus[0]["flags"]
    assert report["krippendorff_alpha"]["level"] == "1 - IoU"
    assert "Boxes" in render_html(report)


def test_examples_diagnostics_find_conflicts_and_injected_label_errors():
    import numpy as np
    from tfx_dcai.label_consistency.beam_examples import DiagnoseExamples, ExamplesConfig

    _OUT.clear()
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    colour = rng.choice(["red", "blue"], n)
    truth = ((x > 0) ^ (colour == "red")).astype(int)
    flipped = rng.random(n) < 0.1
    label = np.where(flipped, 1 - truth, truth)
    examples = pa.RecordBatch.from_pydict({"ex": [f"e{i:03d}" for i in range(n)], "x": x.tolist(),
                                           "colour": colour.tolist(), "y": label.tolist()})
    rows = _ds_rows()
    batches = [pa.RecordBatch.from_pydict({k: [r[k] for r in rows] for k in rows[0]})]
    with beam.Pipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as p:
        diagnostics = (p | "Examples" >> beam.Create([examples])
                       | DiagnoseExamples(ExamplesConfig(label_column="y", id_column="ex", n_bins=4, n_folds=3)))
        result = (p | "Annotations" >> beam.Create(batches)
                  | ComputeLabelConsistency(LabelConsistencyConfig(n_bootstrap=0), examples_diagnostics=diagnostics))
        _ = result["report"] | beam.Map(lambda r: _OUT.setdefault("report", r))
    report = _OUT["report"]
    conflicts = report["xy_conflicts"]
    assert conflicts["n_examples"] == n and conflicts["n_conflicting_groups"] >= 1
    assert sum(g["n"] for g in conflicts["groups"]) == conflicts["n_examples_in_conflicts"]
    errors = report["label_errors"]
    flagged = {e["item"] for e in errors["flagged"]}
    truly = {f"e{i:03d}" for i in np.flatnonzero(flipped)}
    assert errors["n_sample"] == n and len(flagged & truly) / len(flagged) >= 0.7
    assert any("confident learning suspects" in f for f in report["findings"])


def test_python_values_equal_to_pylist_for_every_fast_path_type():
    from tfx_dcai.columns import python_values as column_values

    columns = [pa.array([1, -2], pa.int64()), pa.array([1, 2], pa.uint8()), pa.array([0.1, 2.5], pa.float32()),
               pa.array([0.1, float("nan")]), pa.array([True, False]), pa.array(["naïve", "☕"]),
               pa.array(["a", "b"], pa.large_string()), pa.array([1, None])]
    for column in columns:  # the same values of the same Python types, NaN included
        assert [repr(v) for v in column_values(column)] == [repr(v) for v in column.to_pylist()], column.type
    assert column_values(pa.array([b"x", None])) == ["x", None]  # bytes as text (the shared columns rule)


def test_labels_and_ids_that_are_not_utf8_are_bad_input_naming_the_column():
    rows = [{"item_id": "i1", "annotator_id": "A", "label": b"\xff"}, {"item_id": "i1", "annotator_id": "B",
                                                                        "label": b"\xfe"}]
    with pytest.raises(InputError, match="column 'label': .* not UTF-8"):
        _run(rows, LabelConsistencyConfig(n_bootstrap=0))


def test_a_feature_column_absent_from_one_record_batch_is_missing_there_not_inconsistent():
    config = LabelConsistencyConfig(n_bootstrap=50)
    with_fare = pa.RecordBatch.from_pydict({"item_id": ["i1", "i2"], "annotator_id": ["A", "A"], "label": ["x", "y"],
                                            "fare": [None, 7.5]})
    without_fare = pa.RecordBatch.from_pydict({"item_id": ["i1", "i2"], "annotator_id": ["B", "B"],
                                               "label": ["x", "y"]})
    _OUT.clear()
    with beam.Pipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as p:
        result = p | beam.Create([with_fare, without_fare]) | ComputeLabelConsistency(config)
        _ = result["consensus"] | beam.combiners.ToList() | beam.Map(lambda r: _OUT.setdefault("consensus", r))
    flags = {row["item"]: row["flags"] for bucket in _OUT["consensus"] for row in bucket.consensus.rows()}
    assert "inconsistent_features" not in flags["i1"]  # no fare in either row
    assert "inconsistent_features" in flags["i2"]  # 7.5 in one row, none in the other



def _rounded(value):
    """A report with floats rounded to 9 digits (sums over items may differ in the last bits with their order)."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 9) if isinstance(value, float) else value


@pytest.mark.parametrize("kind", ["class", "text", "bbox"])
def test_the_report_does_not_depend_on_the_order_of_rows_batches_or_buckets(kind):
    import random

    rng = random.Random(7)
    choices = {"class": ["cat", "dog", "emu", "yak"], "text": ["um the cat", "the cat", "The cat.", "a dog"],
               "bbox": ["0 0 10 10 car", "1 0 11 10 car", "0 0 10 10 bus", "50 50 60 60 car"]}[kind]
    rows = [{"item_id": f"i{i:03d}", "annotator_id": a, "label": rng.choice(choices)}
            for i in range(150) for a in "ABC"]
    for k, fault in enumerate([{"item_id": None}, {"annotator_id": None}, {"label": None}] * 3):
        rows[40 * k].update(fault)  # rows dropped for three reasons, wherever their items' buckets are
    config = LabelConsistencyConfig(kind=kind, n_bootstrap=50)
    report, consensus = _run(rows, config, batch_size=7)
    rng.shuffle(rows)
    shuffled, shuffled_consensus = _run(rows, dataclasses.replace(config, n_buckets=1), batch_size=31)
    # the same JSON text: example items, findings' tie-breaks, sums and the order of keys alike
    assert json.dumps(_rounded(shuffled)) == json.dumps(_rounded(report))
    assert shuffled_consensus == consensus


def test_a_feature_whose_type_differs_between_record_batches_is_compared_as_values():
    config = LabelConsistencyConfig(n_bootstrap=0)
    numbers = pa.RecordBatch.from_pydict({"item_id": ["i1", "i2"], "annotator_id": ["A", "A"], "label": ["x", "y"],
                                          "fare": [1, 2]})
    floats = pa.RecordBatch.from_pydict({"item_id": ["i1", "i2"], "annotator_id": ["B", "B"], "label": ["x", "y"],
                                         "fare": [1.5, 2.0]})
    _OUT.clear()
    with beam.Pipeline(options=PipelineOptions(["--direct_running_mode=in_memory"])) as p:
        result = p | beam.Create([numbers, floats]) | ComputeLabelConsistency(config)
        _ = result["consensus"] | beam.combiners.ToList() | beam.Map(lambda r: _OUT.setdefault("consensus", r))
    flags = {row["item"]: row["flags"] for bucket in _OUT["consensus"] for row in bucket.consensus.rows()}
    assert flags == {"i1": ["inconsistent_features"], "i2": []}  # int64 and double columns: 1 != 1.5, 2 == 2.0


def test_one_hash_bucket_per_mebibyte_of_annotation_files_at_most_64():
    from tfx_dcai.label_consistency.buckets import bucket_count

    assert [bucket_count(n) for n in (0, 50_000, 1 << 20, (1 << 20) + 1, 10 ** 12)] == [1, 1, 1, 2, 64]
