"""Beam transforms: a uniform bounded sample of rows from RecordBatches, with the exact row count.

The sample is a combinable bottom-k sketch: each row's key is a stable 64-bit hash of its content
(tfx_dcai.hashing.row_hashes, with the seed), and the `size` rows with the smallest keys are kept, in key order.
The sample is therefore a function of the set of rows only: the same on every runner, for any number of input
files, any batching and any row order, and its order is canonical (so what is computed from it, such as the
domain classifier and the concept-drift bootstrap, does not depend on the row order either). Identical rows get
identical keys and are interchangeable; distinct rows collide with probability about 2**-64. The count of rows
seen is exact: rows in = rows sampled + rows not sampled. Rows stay in Arrow the whole way (keys in numpy, rows in
a pyarrow Table): no per-row Python.
"""
from typing import List, Optional

import apache_beam as beam
import numpy as np
import pyarrow as pa

from tfx_dcai.hashing import row_hashes

_EMPTY = pa.table({})


def _concat(tables: List[pa.Table]) -> pa.Table:
    """Tables of one side; a column absent from some batches is null there. Type conflicts name the column."""
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return _EMPTY
    try:
        return pa.concat_tables(tables, promote=True)
    except pa.ArrowInvalid as exc:
        types = {}
        for table in tables:
            for field in table.schema:
                types.setdefault(field.name, set()).add(str(field.type))
        mixed = {name: sorted(t) for name, t in types.items() if len(t) > 1}
        raise ValueError(f"examples: columns change type between record batches: {mixed} ({exc})") from None


def _smallest(keys: np.ndarray, table: pa.Table, size: int):
    """The `size` rows with the smallest keys, in key order."""
    order = np.argsort(keys, kind="stable")[:size]
    return keys[order], table.take(pa.array(order))



class _BoundedSampleFn(beam.CombineFn):
    """Accumulator: (rows seen, keys of the kept rows, pyarrow Table of the kept rows), at most `size` rows."""

    def __init__(self, size: int, columns: Optional[List[str]], seed: int):
        self._size, self._columns, self._seed = size, columns, seed

    def create_accumulator(self):
        return 0, np.empty(0, np.uint64), _EMPTY

    def add_input(self, accumulator, batch: pa.RecordBatch):
        seen, keys, table = accumulator
        new_keys = row_hashes(batch, self._seed)
        full = len(keys) >= self._size
        chosen = np.flatnonzero(new_keys < keys[-1]) if full else np.arange(batch.num_rows)  # only candidates
        if len(chosen):
            keep = [c for c in batch.schema.names if self._columns is None or c in self._columns]
            rows = pa.Table.from_batches([batch]).select(keep).take(pa.array(chosen))
            keys, table = _smallest(np.concatenate([keys, new_keys[chosen]]), _concat([table, rows]), self._size)
        return seen + batch.num_rows, keys, table

    def merge_accumulators(self, accumulators):
        accumulators = list(accumulators)
        seen = sum(a[0] for a in accumulators)
        keys, table = _smallest(np.concatenate([np.asarray(a[1], np.uint64) for a in accumulators]),
                                _concat([a[2] for a in accumulators]), self._size)
        return seen, keys, table

    def extract_output(self, accumulator):
        seen, _, table = accumulator
        return {"rows_seen": seen, "table": table}


class SampleRows(beam.PTransform):
    """PCollection[RecordBatch] -> one {"rows_seen": int, "table": pyarrow Table} with at most `size` rows.

    Args:
      size: the most rows kept.
      columns: the columns kept (all by default); the keys hash every column of the batch.
      seed: selects an independent family of hashes (another sample of the same rows).
    """

    def __init__(self, size: int, columns: Optional[List[str]] = None, seed: int = 0):
        super().__init__()
        self._fn = _BoundedSampleFn(size, columns, seed)

    def expand(self, batches):
        return batches | "BoundedSample" >> beam.CombineGlobally(self._fn)


def write_pickle(value, path: str) -> None:
    """Store a pipeline result where the executor can read it after the pipeline (local or remote FS)."""
    import pickle
    from apache_beam.io.filesystems import FileSystems
    with FileSystems.create(path) as f:
        f.write(pickle.dumps(value))


def read_pickle(path: str):
    import pickle
    from apache_beam.io.filesystems import FileSystems
    with FileSystems.open(path) as f:
        return pickle.loads(f.read())
