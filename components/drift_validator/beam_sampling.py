"""Beam transforms: a uniform bounded sample of rows from RecordBatches, with the exact row count.

The sample is a combinable reservoir (each row gets a random key; the `size` smallest keys are kept), so
it runs distributed and the count of rows seen is exact: rows in = rows sampled + rows not sampled.
"""
import heapq
import itertools
import random
from typing import List, Optional

import apache_beam as beam
import pyarrow as pa


class _BoundedSampleFn(beam.CombineFn):
    """Accumulator: (rows seen, heap of (-key, tiebreak, row)) holding the `size` smallest keys."""

    def __init__(self, size: int, columns: Optional[List[str]], seed: int):
        self._size, self._columns, self._seed = size, columns, seed

    def setup(self):
        self._random = random.Random(self._seed)

    def create_accumulator(self):
        return 0, []

    _tiebreak = itertools.count()

    def _push(self, heap, key, row):
        item = (-key, next(self._tiebreak), row)
        if len(heap) < self._size:
            heapq.heappush(heap, item)
        elif key < -heap[0][0]:
            heapq.heapreplace(heap, item)

    def add_input(self, accumulator, batch: pa.RecordBatch):
        seen, heap = accumulator
        if not hasattr(self, "_random"):
            self.setup()
        keys = [self._random.random() for _ in range(batch.num_rows)]
        bar = -heap[0][0] if len(heap) >= self._size else 2.0
        chosen = [i for i, key in enumerate(keys) if key < bar]  # only candidates become Python rows
        if chosen:
            keep = [c for c in batch.schema.names if self._columns is None or c in self._columns]
            table = pa.Table.from_batches([batch]).select(keep).take(pa.array(chosen))
            rows = table.to_pylist() if keep else [{} for _ in chosen]
            for i, row in zip(chosen, rows):
                self._push(heap, keys[i], row)
        return seen + batch.num_rows, heap

    def merge_accumulators(self, accumulators):
        seen, heap = 0, []
        for other_seen, other_heap in accumulators:
            seen += other_seen
            for neg_key, _, row in other_heap:
                self._push(heap, -neg_key, row)
        return seen, heap

    def extract_output(self, accumulator):
        seen, heap = accumulator
        return {"rows_seen": seen, "rows": [row for _, _, row in sorted(heap, key=lambda item: -item[0])]}


class SampleRows(beam.PTransform):
    """PCollection[RecordBatch] -> one {"rows_seen": int, "rows": [row dicts]} with at most `size` rows."""

    def __init__(self, size: int, columns: Optional[List[str]] = None, seed: int = 0):
        super().__init__()
        self._fn = _BoundedSampleFn(size, columns, seed)

    def expand(self, batches):
        return batches | "BoundedSample" >> beam.CombineGlobally(self._fn)


def rows_to_record_batch(rows: List[dict]) -> pa.RecordBatch:
    """Back to one RecordBatch (columns in first-seen order; absent cells are null)."""
    names = []
    for row in rows:
        names.extend(n for n in row if n not in names)
    return pa.RecordBatch.from_pylist([{n: row.get(n) for n in names} for row in rows]) if rows else \
        pa.RecordBatch.from_pylist([])


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
