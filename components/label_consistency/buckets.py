"""Annotation rows -> items, one hash bucket at a time, column-wise (pyarrow + NumPy; no TensorFlow, no Beam).

Rows travel to their item's bucket as Arrow record batches; a bucket's rows are grouped by item with one sort,
so the per-row work is column operations and the per-item work (labels, flags) sees whole items.
"""
import dataclasses
import io

import numpy as np
import pyarrow as pa

from components.gc_pause import collector_paused
from components.hashing import stable_hash
from components.label_consistency.boxes import parse_box
from components.label_consistency.items import BadInputError, InvalidLabel, assemble_item, normalize_label
from components.label_consistency.values import column_values, scalar_values

MISSING_ITEM = "\x00missing item id"
BYTES_PER_BUCKET = 1 << 20
MAX_BUCKETS = 64


def bucket_count(input_bytes: int) -> int:
    """Hash buckets for annotation files of this total size: one per MiB (a bucket's rows are held in memory
    together), at most MAX_BUCKETS. A sample of a few thousand rows is one bucket: one consensus file per split."""
    return max(1, min(MAX_BUCKETS, -(-input_bytes // BYTES_PER_BUCKET)))


@dataclasses.dataclass(frozen=True)
class Bucket:
    """The items of hash bucket `index`, sorted by id. items[k] = {item, labels, flags, dropped, n_rows} (item None
    for the rows without item id); features[name][k] = item k's value of a feature column, from its first row in
    (annotator, label) order; consensus[k] = its consensus row (None without item id), once computed."""
    index: int
    items: list
    features: dict
    consensus: list = None

    def with_consensus(self, rows: list) -> "Bucket":
        return dataclasses.replace(self, consensus=rows)


def rows_by_bucket(batch: pa.RecordBatch, config, source: str = "annotations"):
    """(bucket, serialized record batch of its rows) for each hash bucket with rows in `batch`. A missing
    item, annotator or label column is a BadInputError naming it."""
    names = batch.schema.names
    for column in (config.item_column, config.annotator_column, config.label_column):
        if column not in names:
            raise BadInputError(f"{source}: no column {column!r}; columns are {sorted(names)}")
    keys = _item_keys(batch.column(names.index(config.item_column)))
    bucket_of = {key: stable_hash(key) % config.n_buckets for key in set(keys)}
    buckets = np.fromiter(map(bucket_of.__getitem__, keys), np.int64, len(keys))
    order = np.argsort(buckets, kind="stable")
    ordered = buckets[order]
    by_bucket = batch.take(pa.array(order))
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(order) else []
    for start, end in zip(starts, [*starts[1:], len(order)]):
        yield int(ordered[start]), _serialize(by_bucket.slice(start, end - start))


@collector_paused()
def assemble_bucket(keyed, config) -> Bucket:
    """All serialized row batches of one hash bucket -> its Bucket. Rows keep their input order within an item."""
    index, payloads = keyed
    batches = [_deserialize(p) for p in payloads]
    feature_names = list(dict.fromkeys(n for b in batches for n in b.schema.names if n not in config.label_columns))
    keys, annotators, labels = [], [], []
    columns = {name: [] for name in feature_names}
    for batch in _as_few_batches(batches):
        names = batch.schema.names
        keys += _item_keys(batch.column(names.index(config.item_column)))
        annotators += scalar_values(batch.column(names.index(config.annotator_column)))
        labels += _labels(batch.column(names.index(config.label_column)), config)
        for name, values in columns.items():  # a column absent from a batch is missing in its rows
            values += scalar_values(batch.column(names.index(name))) if name in names else [None] * batch.num_rows
    order = sorted(range(len(keys)), key=keys.__getitem__)
    starts = [k for k in range(len(order)) if k == 0 or keys[order[k]] != keys[order[k - 1]]]
    ends = starts[1:] + [len(order)]
    feature_rows = _feature_rows(keys, annotators, labels, starts)
    inconsistent = _inconsistent(columns.values(), order, feature_rows, starts, ends)
    items = [_item(keys[order[s]], [(annotators[i], labels[i]) for i in order[s:e]], bad, config)
             for s, e, bad in zip(starts, ends, inconsistent)]
    return Bucket(index, items, {name: [values[r] for r in feature_rows] for name, values in columns.items()})


def _as_few_batches(batches: list) -> list:
    """The batches concatenated into one (columns absent from some batches are null there), or as they are when
    a column's type differs between them."""
    try:
        table = pa.concat_tables([pa.Table.from_batches([b]) for b in batches], promote=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return batches
    return table.combine_chunks().to_batches() or batches


def _item_keys(column) -> list:
    """Item ids as text keys; rows without one share MISSING_ITEM."""
    values = scalar_values(column)
    if set(map(type, values)) <= {str}:
        return values
    return [MISSING_ITEM if v is None else str(v) for v in values]


def _feature_rows(keys, annotators, labels, starts) -> list:
    """Per item (in key order), the index of its first row in (annotator, label) order."""
    by_key = sorted(range(len(keys)), key=lambda i: (keys[i], str(annotators[i]), str(labels[i])))
    return [by_key[s] for s in starts]


def _inconsistent(columns, order, feature_rows, starts, ends) -> list:
    """Per item, whether any feature of any of its rows differs from its feature row (NaN equals NaN)."""
    differs = np.zeros(len(order), bool)
    feature_row_of = np.repeat(feature_rows, np.subtract(ends, starts)) if starts else []
    for values in columns:
        differs |= np.fromiter((a != b and (a == a or b == b) for a, b in
                                zip(map(values.__getitem__, order), map(values.__getitem__, feature_row_of))),
                               bool, len(order))
    return np.logical_or.reduceat(differs, starts).tolist() if starts else []


def _item(key, rows, inconsistent: bool, config) -> dict:
    """One item's {item, labels, flags, dropped, n_rows}; rows without annotator are dropped and counted."""
    if key == MISSING_ITEM:
        return {"item": None, "labels": {}, "flags": [], "dropped": {"missing_item_id": len(rows)},
                "n_rows": len(rows)}
    with_annotator = [row for row in rows if row[0] is not None]
    labels, flags, dropped = assemble_item(with_annotator, config.label_domain, multiple=config.kind == "bbox")
    more_flags = {"inconsistent_features"} if inconsistent else set()
    if len(with_annotator) < len(rows):
        dropped = {"missing_annotator": len(rows) - len(with_annotator), **dropped}
        more_flags.add("missing_annotator")
    if more_flags:
        flags = sorted(set(flags) | more_flags)
    return {"item": key, "labels": labels, "flags": flags, "dropped": dropped, "n_rows": len(rows)}


def _labels(column, config) -> list:
    """The label column as labels: None when missing, InvalidLabel when unreadable."""
    values = column_values(column)
    if config.kind == "class" and config.level == "nominal" and set(map(type, values)) <= {str, int}:
        return [None if v == "" else v for v in values]  # what _label gives text and integers, without the calls
    return [_label(v, config) for v in values]


def _label(value, config):
    if config.kind == "text":
        label = normalize_label(value, config.level, config.label_column)
        return None if isinstance(label, str) and not label.strip() else label  # an empty transcript is missing
    if config.kind != "bbox":
        return normalize_label(value, config.level, config.label_column)
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, bytes) or (isinstance(value, list) and len(value) == 1):
        value = normalize_label(value, "nominal", config.label_column)
    try:
        return parse_box(value, config.label_column)
    except BadInputError:
        return InvalidLabel("malformed_box")


def _serialize(batch: pa.RecordBatch) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()


def _deserialize(payload: bytes) -> pa.RecordBatch:
    return pa.ipc.open_stream(payload).read_next_batch()
