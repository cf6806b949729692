"""beam_drift.DriftSide: a bounded sample with exact counts, chosen by content hashes (the same whatever the row
order or batching), TFDV statistics, and the bounded sample columns (memory bounded by rows)."""
import collections

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pytest

from tfx_dcai.beam_options import LOCAL_BEAM_ARGS
from tfx_dcai.drift_validator import beam_drift
from tfx_dcai.drift_validator.sample_columns import MAX_TEXT, encode, table_columns


def _batches(ids, size=97):
    return [pa.RecordBatch.from_arrays([pa.array([[i] for i in ids[s:s + size]]),
                                        pa.array([[b"x"]] * len(ids[s:s + size]))], ["id", "tag"])
            for s in range(0, len(ids), size)]


def _run(batches, size, scratch, stats=None):
    with beam.Pipeline(argv=list(LOCAL_BEAM_ARGS)) as p:
        _ = p | beam.Create(batches, reshuffle=False) | beam_drift.DriftSide("side", scratch, size, stats)
    return beam_drift.read_side(scratch, "side", with_statistics=stats is not None)


def test_sample_is_bounded_counts_every_row_and_does_not_depend_on_order_or_batching(tmp_path):
    ids = list(range(1000))
    sample, _ = _run(_batches(ids), 50, str(tmp_path / "a"))
    assert sample["rows_seen"] == 1000 and sample["table"].num_rows == 50
    chosen = sorted(r[0] for r in sample["table"].column("id").to_pylist())
    shuffled = list(np.random.default_rng(0).permutation(ids))
    again, _ = _run(_batches(shuffled, size=31), 50, str(tmp_path / "b"))
    assert sorted(r[0] for r in again["table"].column("id").to_pylist()) == chosen
    small, _ = _run(_batches(list(range(30))), 50, str(tmp_path / "c"))
    assert small["rows_seen"] == 30 and small["table"].num_rows == 30


def test_sample_is_uniform_across_batches(tmp_path):
    sample, _ = _run(_batches(list(range(10000))), 2000, str(tmp_path))
    counts = collections.Counter(r[0] // 1000 for r in sample["table"].column("id").to_pylist())
    shares = np.array([counts[k] for k in range(10)]) / 2000
    assert np.all(np.abs(shares - 0.1) < 0.03), shares


def test_statistics_are_tfdv_s_and_an_empty_side_counts_zero(tmp_path):
    import tensorflow_data_validation as tfdv

    flat = [pa.RecordBatch.from_arrays([pa.array([1.0, None, 3.0]), pa.array(["a", "b", None])], ["x", "y"])]
    sample, stats = _run(flat, 10, str(tmp_path / "s"), tfdv.StatsOptions())
    assert stats.num_examples == 3 and sorted(f.path.step[0] for f in stats.features) == ["x", "y"]
    assert sample["rows_seen"] == 3


def test_a_column_absent_from_some_batches_is_null_there_and_a_type_change_is_named(tmp_path):
    with_tag = pa.RecordBatch.from_arrays([pa.array([[1], [2]]), pa.array([[b"x"], [b"y"]])], ["id", "tag"])
    without = pa.RecordBatch.from_arrays([pa.array([[3]])], ["id"])
    table = _run([with_tag, without], 10, str(tmp_path / "a"))[0]["table"]
    assert sorted(table.column("tag").to_pylist(), key=str) == [None, [b"x"], [b"y"]]
    retyped = pa.RecordBatch.from_arrays([pa.array([[b"4"]])], ["id"])
    with pytest.raises(Exception, match="columns change type between record batches.*'id'"):
        _run([with_tag, retyped], 10, str(tmp_path / "b"))


def test_raw_records_are_keyed_and_decoded_after_the_sample(tmp_path):
    from tfx_dcai.tf_example import to_example

    records = [to_example({"x": [float(i)], "s": [b"v\xff"]}).SerializeToString() for i in range(20)]
    sample, _ = _run([beam_drift.serialized_examples_batch(records)], 5, str(tmp_path))
    table = sample["table"]
    assert table.num_rows == 5 and set(table.column_names) == {"x", "s", beam_drift.RAW_RECORD_COLUMN}
    assert all(r[0] in records for r in table.column(beam_drift.RAW_RECORD_COLUMN).to_pylist())


def test_first_values_of_list_columns_with_empty_null_and_non_utf8_cells():
    table = pa.table({"n": pa.array([[1], [], None, [2, 3]]), "s": pa.array([[b"x"], [b"\xff"], None, []]),
                      "flat": pa.array([1.5, None, 2.0, 3.0]), "none": pa.array([[], None], pa.list_(pa.float32()))
                      .take(pa.array([0, 1, 0, 1]))}).slice(1)
    columns = table_columns(table, ["n", "s", "flat", "none", "absent"])
    np.testing.assert_array_equal(columns["n"], [np.nan, np.nan, 2.0])
    assert columns["s"].tolist() == ["\ufffd", None, None]
    np.testing.assert_array_equal(columns["flat"], [np.nan, 2.0, 3.0])
    assert np.isnan(columns["none"]).all() and "absent" not in columns


def test_long_text_values_are_shortened_and_never_widen_an_array():
    long = "x" * 1_000_000
    table = pa.table({"t": [long] + ["a", "b"] * 1000})
    column = table_columns(table, ["t"])["t"]
    assert column.dtype == object and len(column[0]) < MAX_TEXT + 20 and column[1] == "a"
    xb, xc, categorical = encode({"t": column}, {"t": column[::-1]}, ["t"])
    assert categorical.tolist() == [True] and xb.dtype == np.float64 and xb.nbytes == 8 * len(column)


def test_flat_columns_become_one_value_lists_with_nulls_kept():
    batch = beam_drift.to_list_columns(pa.RecordBatch.from_arrays([pa.array([1.5, None]), pa.array([["a"], ["b"]])],
                                                                  ["x", "y"]))
    assert batch.column(0).to_pylist() == [[1.5], None] and batch.column(1).to_pylist() == [["a"], ["b"]]
