"""The Beam bounded sample: exact counts, bounded size, uniform, and back to Arrow."""
import collections

import apache_beam as beam
import numpy as np
import pyarrow as pa

import pytest

from tfx_dcai.drift_validator.beam_sampling import SampleRows, read_pickle, write_pickle
from tfx_dcai.drift_validator.tabular import table_columns


def _batches(n, size=97):
    return [pa.RecordBatch.from_arrays([pa.array([[i] for i in range(s, min(s + size, n))]),
                                        pa.array([[b"x"]] * (min(s + size, n) - s))], ["id", "tag"])
            for s in range(0, n, size)]


def _run(batches, size, seed=0, columns=None):
    import tempfile
    path = tempfile.mktemp(suffix=".pkl")
    with beam.Pipeline(argv=["--direct_running_mode=in_memory"]) as p:
        _ = (p | beam.Create(batches, reshuffle=False) | SampleRows(size, columns, seed)
             | beam.Map(write_pickle, path))
    return read_pickle(path)


def test_sample_is_bounded_counts_every_row_and_keeps_selected_columns():
    result = _run(_batches(1000), 50, columns=["id"])
    assert result["rows_seen"] == 1000 and result["table"].num_rows == 50
    assert result["table"].column_names == ["id"]
    ids = [r[0] for r in result["table"].column("id").to_pylist()]
    assert len(set(ids)) == 50
    small = _run(_batches(30), 50)
    assert small["rows_seen"] == 30 and small["table"].num_rows == 30


def test_sample_is_uniform_across_batches():
    ids = _run(_batches(10000), 2000, seed=3)["table"].column("id").to_pylist()
    counts = collections.Counter(r[0] // 1000 for r in ids)
    shares = np.array([counts[k] for k in range(10)]) / 2000
    assert np.all(np.abs(shares - 0.1) < 0.03), shares


def test_a_column_absent_from_some_batches_is_null_there_and_a_type_change_is_named():
    with_tag = pa.RecordBatch.from_arrays([pa.array([[1], [2]]), pa.array([[b"x"], [b"y"]])], ["id", "tag"])
    without = pa.RecordBatch.from_arrays([pa.array([[3]])], ["id"])
    table = _run([with_tag, without], 10)["table"]
    assert sorted(table.column("tag").to_pylist(), key=str) == [None, [b"x"], [b"y"]]
    retyped = pa.RecordBatch.from_arrays([pa.array([[b"4"]])], ["id"])
    with pytest.raises(Exception, match="columns change type between record batches.*'id'"):
        _run([with_tag, retyped], 10)


def test_first_values_of_list_columns_with_empty_null_and_non_utf8_cells():
    table = pa.table({"n": pa.array([[1], [], None, [2, 3]]), "s": pa.array([[b"x"], [b"\xff"], None, []]),
                      "flat": pa.array([1.5, None, 2.0, 3.0]), "none": pa.array([[], None], pa.list_(pa.float32()))
                      .take(pa.array([0, 1, 0, 1]))}).slice(1)
    columns = table_columns(table, ["n", "s", "flat", "none", "absent"])
    np.testing.assert_array_equal(columns["n"], [np.nan, np.nan, 2.0])
    assert columns["s"].tolist() == ["\ufffd", None, None]
    np.testing.assert_array_equal(columns["flat"], [np.nan, 2.0, 3.0])
    assert np.isnan(columns["none"]).all() and "absent" not in columns


def test_flat_columns_become_one_value_lists_with_nulls_kept():
    from tfx_dcai.drift_validator.tabular import to_list_columns
    batch = to_list_columns(pa.RecordBatch.from_arrays([pa.array([1.5, None]), pa.array([["a"], ["b"]])], ["x", "y"]))
    assert batch.column(0).to_pylist() == [[1.5], None] and batch.column(1).to_pylist() == [["a"], ["b"]]


def _rows(table):
    return list(zip(*[table.column(c).to_pylist() for c in table.column_names]))


def test_the_sample_depends_on_the_rows_only_not_on_their_order_batching_or_runner_partitioning():
    rows = _batches(3000, size=3000)[0]
    shuffled = pa.Table.from_batches([rows]).take(pa.array(np.random.default_rng(1).permutation(3000)))
    one = _run(_batches(3000, size=97), 400)
    other = _run(shuffled.to_batches(max_chunksize=250), 400)
    assert one["rows_seen"] == other["rows_seen"] == 3000
    assert _rows(one["table"]) == _rows(other["table"])  # the same rows in the same (key) order
    whole = _run(shuffled.to_batches(max_chunksize=250), 5000)  # every row kept: still a canonical order
    assert _rows(whole["table"]) == _rows(_run(_batches(3000, size=1000), 5000)["table"])
    assert _rows(_run(_batches(3000), 400, seed=1)["table"]) != _rows(one["table"])  # the seed picks another sample


def test_the_sample_is_the_rows_with_the_smallest_content_hashes():
    from tfx_dcai.hashing import row_hashes
    table = pa.Table.from_batches(_batches(1000, size=1000))
    expected = table.take(pa.array(np.argsort(row_hashes(table, 5), kind="stable")[:60]))
    assert _rows(_run(_batches(1000, size=33), 60, seed=5)["table"]) == _rows(expected)
