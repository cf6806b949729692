"""The Beam bounded sample: exact counts, bounded size, uniform, and back to Arrow."""
import collections

import apache_beam as beam
import numpy as np
import pyarrow as pa

from components.drift_validator.beam_sampling import SampleRows, read_pickle, rows_to_record_batch, write_pickle


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
    assert result["rows_seen"] == 1000 and len(result["rows"]) == 50
    assert set(result["rows"][0]) == {"id"}
    ids = [r["id"][0] for r in result["rows"]]
    assert len(set(ids)) == 50
    small = _run(_batches(30), 50)
    assert small["rows_seen"] == 30 and len(small["rows"]) == 30


def test_sample_is_uniform_across_batches():
    counts = collections.Counter(r["id"][0] // 1000 for r in _run(_batches(10000), 2000, seed=3)["rows"])
    shares = np.array([counts[k] for k in range(10)]) / 2000
    assert np.all(np.abs(shares - 0.1) < 0.03), shares


def test_rows_back_to_record_batch():
    batch = rows_to_record_batch([{"a": [1.0], "b": None}, {"a": None, "c": [b"z"]}])
    assert batch.num_rows == 2 and batch.schema.names == ["a", "b", "c"]


def test_flat_columns_become_one_value_lists_with_nulls_kept():
    from components.drift_validator.tabular import to_list_columns
    batch = to_list_columns(pa.RecordBatch.from_arrays([pa.array([1.5, None]), pa.array([["a"], ["b"]])], ["x", "y"]))
    assert batch.column(0).to_pylist() == [[1.5], None] and batch.column(1).to_pylist() == [["a"], ["b"]]
