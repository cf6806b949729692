"""Consensus rows as serialized tf.Examples, encoded in batches by tfx_bsl's C++ encoder (no TensorFlow)."""
from itertools import chain

import numpy as np
import pyarrow as pa
from tfx_bsl.coders.example_coder import RecordBatchToExamplesEncoder

from tfx_dcai.hashing import text_hashes

_VALUE_TYPES = {"int": pa.int64(), "float": pa.float32(), "bytes": pa.large_binary()}


def to_tf_examples(rows: list) -> list:
    """Serialized tf.Examples of feature dicts (see encode_columns); a feature a row lacks is absent."""
    names = dict.fromkeys(chain.from_iterable(rows))
    return encode_columns({name: [row.get(name) for row in rows] for name in names}, len(rows))


def encode_columns(columns: dict, n_rows: int) -> list:
    """Serialized tf.Examples of columns of Python values: int/bool -> int64_list, float -> float_list,
    text -> bytes_list, None -> feature absent. Rows whose values have the same kinds are encoded together by
    tfx_bsl."""
    uniform = {}
    for name, values in columns.items():
        kinds = {_kind(t) for t in set(map(type, values))}
        if len(kinds) == 1:
            uniform[name] = kinds.pop()
    varying = [name for name in columns if name not in uniform]
    examples = [b""] * n_rows
    for signature, indices in _row_groups(columns, varying, n_rows).items():
        kinds = {**uniform, **dict(zip(varying, signature))}
        group = columns if len(indices) == n_rows else {n: [columns[n][i] for i in indices] for n in kinds}
        arrays = {n: _list_array(group[n], k) for n, k in kinds.items() if k != "absent"}
        if arrays:
            for i, example in zip(indices, RecordBatchToExamplesEncoder().encode(pa.RecordBatch.from_pydict(arrays))):
                examples[i] = example
    return examples


def _row_groups(columns: dict, varying: list, n_rows: int) -> dict:
    """Row indices by the kinds of their values in the `varying` columns."""
    if not varying:
        return {(): range(n_rows)}
    groups = {}
    for i, signature in enumerate(zip(*([_kind(type(v)) for v in columns[n]] for n in varying))):
        groups.setdefault(signature, []).append(i)
    return groups


def _kind(value_type) -> str:
    """How encode_columns writes values of a Python type."""
    if value_type is type(None):
        return "absent"
    if issubclass(value_type, int):  # bool included
        return "int"
    return "float" if issubclass(value_type, float) else "bytes"


def _list_array(values: list, kind: str) -> pa.LargeListArray:
    """One-value lists: ints as int64, floats as float32, anything else as bytes (text as UTF-8)."""
    types = set(map(type, values))
    if kind == "int" and types != {int}:
        values = [int(v) for v in values]
    elif kind == "bytes" and not types <= {str, bytes}:
        values = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values]
    flat = pa.array(values, _VALUE_TYPES[kind])
    return pa.LargeListArray.from_arrays(pa.array(np.arange(len(values) + 1, dtype=np.int64)), flat)


def splits_for(item_ids: list, splits: dict) -> list:
    """Each item's split, by a hash of its id; `splits` maps split names to hash buckets. The split comes from
    the hash's high half, the item's hash bucket (buckets.rows_by_bucket) from its low bits: independent."""
    names = sorted(splits)
    ends = np.cumsum([splits[name] for name in names])
    slots = (text_hashes(item_ids) >> np.uint64(32)) % np.uint64(ends[-1])
    return [names[k] for k in np.searchsorted(ends, slots.astype(np.int64), side="right").tolist()]
