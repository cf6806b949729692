"""DriftValidator's Beam transform, applied by both the executor and `dcai drift` to each side's record batches.

`DriftSide` turns one side's PCollection of pyarrow RecordBatches into files in a scratch directory that the caller
reads back after the pipeline with `read_side`:
- a bounded sample of at most `sample_size` rows with the exact number of rows seen. Every row gets a key that is a
  stable 64-bit hash of its content (`tfx_dcai.hashing.row_hashes`: of the serialized record when the rows are
  raw tf.Examples, else of the values of its columns) and the rows with the smallest keys are kept. The sample
  therefore does not depend on the runner, the number of files or the row order; rows with identical content
  share a key and are kept or left out together. Rows stay in Arrow the whole way (keys in numpy): no per-row
  Python objects beyond the kept rows;
- with `stats_options`, TFDV statistics of every row (`tfdv.GenerateStatistics`, the computation StatisticsGen runs).

Files are written with Beam's FileSystems, so the scratch directory can be on any filesystem Beam supports.
"""
import os
import pickle
from typing import List, Optional

import apache_beam as beam
import numpy as np
import pyarrow as pa

from tfx_dcai import columns as cols
from tfx_dcai.hashing import row_hashes
from tfx_dcai.model_scoring import RAW_RECORD_COLUMN

_EMPTY = pa.table({})


def sample_path(scratch_dir: str, side: str) -> str:
    return os.path.join(scratch_dir, f"sample-{side}.pkl")


def statistics_path(scratch_dir: str, side: str) -> str:
    return os.path.join(scratch_dir, f"statistics-{side}.pb")


def raw_records(column) -> List[bytes]:
    """The serialized records of a RAW_RECORD_COLUMN (flat binary, or one-value lists of binary), as bytes."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.binary())
    if cols.is_list_type(column.type):
        column = column.flatten()
    return [value or b"" for value in column.to_pylist()]


def _concat(tables: List[pa.Table]) -> pa.Table:
    """Tables of one side; a column absent from some batches is null there. Type conflicts name the column."""
    from tfx_dcai.errors import InputError

    tables = [t for t in tables if t.num_rows]
    if not tables:
        return _EMPTY
    try:
        return pa.concat_tables(tables, promote=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        types = {}
        for table in tables:
            for field in table.schema:
                types.setdefault(field.name, set()).add(str(field.type))
        mixed = {name: sorted(t) for name, t in types.items() if len(t) > 1}
        raise InputError(f"examples: columns change type between record batches: {mixed} ({exc})") from None


def _smallest(keys: np.ndarray, table: pa.Table, size: int):
    """The `size` rows with the smallest keys (ties by the rows' order, which only identical rows share)."""
    order = np.argsort(keys, kind="stable")[:size]
    return keys[order], table.take(pa.array(order))


class _BoundedSampleFn(beam.CombineFn):
    """Accumulator: (rows seen, keys of the kept rows, pyarrow Table of the kept rows), at most `size` rows."""

    def __init__(self, size: int):
        self._size = size

    def create_accumulator(self):
        return 0, np.empty(0, dtype=np.uint64), _EMPTY

    def add_input(self, accumulator, batch: pa.RecordBatch):
        seen, keys, table = accumulator
        if not batch.num_rows:
            return accumulator
        new_keys = row_hashes(batch)
        chosen = (np.arange(batch.num_rows) if len(keys) < self._size
                  else np.flatnonzero(new_keys < keys[-1]))  # only candidates are copied
        if len(chosen):
            rows = pa.Table.from_batches([batch]).take(pa.array(chosen))
            keys, table = _smallest(np.concatenate([keys, new_keys[chosen]]), _concat([table, rows]), self._size)
        return seen + batch.num_rows, keys, table

    def merge_accumulators(self, accumulators):
        accumulators = list(accumulators)
        seen = sum(a[0] for a in accumulators)
        keys, table = _smallest(np.concatenate([a[1] for a in accumulators]),
                                _concat([a[2] for a in accumulators]), self._size)
        return seen, keys, table

    def extract_output(self, accumulator):
        seen, _, table = accumulator
        return {"rows_seen": seen, "table": table}


class SampleRows(beam.PTransform):
    """PCollection[RecordBatch] -> one {"rows_seen": int, "table": pyarrow Table} with at most `size` rows.

    Args:
      size: the most rows kept.
    """

    def __init__(self, size: int):
        super().__init__()
        self._size = size

    def expand(self, batches):
        return batches | "BoundedSample" >> beam.CombineGlobally(_BoundedSampleFn(self._size))


def to_list_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The features as TFDV expects them: flat columns (CSV) become one-value list columns (a null cell a null
    list); a RAW_RECORD_COLUMN (the serialized record, kept for scoring) is left out."""
    import pyarrow.compute as pc

    if RAW_RECORD_COLUMN in batch.schema.names:
        keep = [i for i, name in enumerate(batch.schema.names) if name != RAW_RECORD_COLUMN]
        batch = pa.RecordBatch.from_arrays([batch.column(i) for i in keep], [batch.schema.names[i] for i in keep])
    arrays = []
    for column in batch.columns:
        if cols.is_list_type(column.type):
            arrays.append(column)
            continue
        valid = column.is_valid()
        counts = pc.cast(valid, pa.int32()).to_numpy(zero_copy_only=False)
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
        arrays.append(pa.ListArray.from_arrays(offsets, column.drop_null(), mask=pc.invert(valid)))
    return pa.RecordBatch.from_arrays(arrays, batch.schema.names)


def serialized_examples_batch(records: List[bytes]) -> pa.RecordBatch:
    """Serialized tf.Examples as a one-column RecordBatch (RAW_RECORD_COLUMN), sampled before they are decoded."""
    return pa.RecordBatch.from_arrays([pa.array(records, pa.binary())], [RAW_RECORD_COLUMN])


def _write(value: bytes, path: str) -> None:
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.create(path) as f:
        f.write(value)


class DriftSide(beam.PTransform):
    """One side's record batches -> its bounded sample (and TFDV statistics) written under `scratch_dir`.

    Args:
      side: the side's name ("baseline", "current", "feedback", "evaluation"); labels the stages and files.
      scratch_dir: a directory every Beam worker can write (any Beam filesystem).
      sample_size: the most rows in the sample.
      stats_options: a tfdv.StatsOptions to compute the side's statistics too (None: sample only).
    """

    def __init__(self, side: str, scratch_dir: str, sample_size: int, stats_options=None):
        super().__init__(label=f"DriftSide[{side}]")
        self._side, self._scratch, self._size, self._stats_options = side, scratch_dir, sample_size, stats_options

    def expand(self, batches):
        _ = (batches | "Sample" >> SampleRows(self._size)
             | "WriteSample" >> beam.Map(lambda s, path: _write(pickle.dumps(s), path),
                                         sample_path(self._scratch, self._side)))
        if self._stats_options is not None:
            import tensorflow_data_validation as tfdv

            _ = (batches | "ListColumns" >> beam.Map(to_list_columns)
                 | "Statistics" >> tfdv.GenerateStatistics(self._stats_options)
                 | "WriteStatistics" >> beam.Map(lambda s, path: _write(s.SerializeToString(), path),
                                                 statistics_path(self._scratch, self._side)))
        return batches.pipeline


def read_side(scratch_dir: str, side: str, with_statistics: bool = False):
    """What DriftSide wrote for `side`, after the pipeline: (sample, statistics or None).

    The sample is {"rows_seen": int, "table": pyarrow Table}; serialized tf.Examples are decoded here (the raw
    record is kept in RAW_RECORD_COLUMN, so a model can score the rows as they were read).
    """
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(sample_path(scratch_dir, side)) as f:
        sample = pickle.loads(f.read())
    if sample["table"].column_names == [RAW_RECORD_COLUMN]:
        sample["table"] = decode_examples(sample["table"])
    statistics = None
    if with_statistics:
        from tensorflow_metadata.proto.v0 import statistics_pb2

        with FileSystems.open(statistics_path(scratch_dir, side)) as f:
            statistics = statistics_pb2.DatasetFeatureStatisticsList.FromString(f.read()).datasets[0]
    return sample, statistics


def decode_examples(table: pa.Table) -> pa.Table:
    """A table of serialized tf.Examples (RAW_RECORD_COLUMN) -> their features, with the serialized column kept."""
    from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder

    records = raw_records(table.column(RAW_RECORD_COLUMN))
    decoded = pa.Table.from_batches([ExamplesToRecordBatchDecoder().DecodeBatch(records)]) if records else pa.table({})
    return decoded.append_column(RAW_RECORD_COLUMN, pa.array([[r] for r in records], pa.list_(pa.binary())))


def empty_statistics(side: str) -> Optional[object]:
    """Statistics of a side that had no rows (TFDV writes none): a dataset with 0 examples."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    return statistics_pb2.DatasetFeatureStatistics(name=side, num_examples=0)
