"""Annotation rows -> items, one hash bucket at a time, column-wise (pyarrow + NumPy; no TensorFlow, no Beam).

Rows travel to their item's bucket as Arrow record batches; a bucket's rows are grouped by item with one sort,
so the per-row work is column operations. Items with one valid class label per annotator (under majority vote)
stay as arrays (votes.VoteTable); the others are assembled item by item (items.assemble_item).
"""
import dataclasses
import io
from itertools import repeat

import numpy as np
import pyarrow as pa

from tfx_dcai.columns import python_values
from tfx_dcai.hashing import text_hashes
from tfx_dcai.label_consistency.boxes import DegenerateBoxError, parse_box
from tfx_dcai.label_consistency.consensus import ConsensusColumns
from tfx_dcai.label_consistency.items import (BadInputError, InvalidLabel, assemble_item, normalize_label,
                                                valid_label)
from tfx_dcai.label_consistency.votes import VoteTable, run_starts
from tfx_dcai.predictions import label_sort_key

MISSING_ITEM = "\x00missing item id"
BYTES_PER_BUCKET = 1 << 20
MAX_BUCKETS = 64


def bucket_count(input_bytes: int) -> int:
    """Hash buckets for annotation files of this total size: one per MiB (a bucket's rows are held in memory
    together), at most MAX_BUCKETS. A sample of a few thousand rows is one bucket: one consensus file per split."""
    return max(1, min(MAX_BUCKETS, -(-input_bytes // BYTES_PER_BUCKET)))


@dataclasses.dataclass(frozen=True)
class Bucket:
    """The items of hash bucket `index`: `votes`, those with one valid class label per annotator when the consensus
    is a majority vote, as arrays; `items`, the others, one {item, labels, flags, dropped, n_rows} each (item None
    for the rows without item id). An item's position: votes' items in id order, then `items` in id order.
    features[name][k] = the value of a feature column at position k, from the item's first row in (annotator,
    label) order; consensus: ConsensusColumns by position, once computed."""
    index: int
    votes: VoteTable
    items: list
    features: dict
    consensus: ConsensusColumns = None

    def with_consensus(self, consensus: ConsensusColumns) -> "Bucket":
        return dataclasses.replace(self, consensus=consensus)

    def consensus_columns(self, positions: list, config) -> dict:
        """The consensus outputs of the items at `positions` as columns: the item id and consensus label (under
        their input column names), the consensus columns and the features."""
        consensus = self.consensus
        return {config.item_column: [consensus.items[k] for k in positions],
                config.label_column: [consensus.labels[k] for k in positions],
                **consensus.file_values(positions),
                **{name: [values[k] for k in positions] for name, values in self.features.items()
                   if name != config.item_column}}


def rows_by_bucket(batch: pa.RecordBatch, config, source: str = "annotations"):
    """(bucket, serialized record batch of its rows) for each hash bucket with rows in `batch`. A missing
    item, annotator or label column is a BadInputError naming it."""
    names = batch.schema.names
    for column in (config.item_column, config.annotator_column, config.label_column):
        if column not in names:
            raise BadInputError(f"{source}: no column {column!r}; columns are {sorted(names)}")
    keys = _item_keys(batch.column(names.index(config.item_column)))
    buckets = (text_hashes(keys) % np.uint64(config.n_buckets)).astype(np.int64)
    order = np.argsort(buckets, kind="stable")
    ordered = buckets[order]
    by_bucket = batch.take(pa.array(order))
    starts = run_starts(ordered).tolist()
    for start, end in zip(starts, [*starts[1:], len(order)]):
        yield int(ordered[start]), _serialize(by_bucket.slice(start, end - start))


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
        annotators += python_values(_utf8(batch.column(names.index(config.annotator_column)),
                                          config.annotator_column), config.annotator_column, keep_lists=True)
        labels += _labels(batch.column(names.index(config.label_column)), config)
        for name, values in columns.items():  # a column absent from a batch is missing in its rows
            values += (python_values(batch.column(names.index(name)), name, keep_lists=True) if name in names
                       else [None] * batch.num_rows)
    _check_one_annotator_per_row(annotators, config.annotator_column)
    item_ids = sorted(set(keys))
    item_of_row = _codes(keys, item_ids)
    order = np.argsort(item_of_row, kind="stable")  # rows by item, in input order within an item
    sizes = np.bincount(item_of_row, minlength=len(item_ids))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    feature_rows = _feature_rows(item_of_row, annotators, labels, starts)
    inconsistent = _inconsistent(columns.values(), order, feature_rows, starts, sizes)
    votes, in_votes = _vote_table(item_ids, item_of_row, annotators, labels, inconsistent, config)
    others = np.flatnonzero(~in_votes)
    items = [_item(item_ids[k], [(annotators[i], labels[i]) for i in order[starts[k]:ends[k]].tolist()],
                   inconsistent[k], config) for k in others.tolist()]
    rows = feature_rows[np.r_[np.flatnonzero(in_votes), others]].tolist()
    return Bucket(index, votes, items, {name: [values[r] for r in rows] for name, values in columns.items()})


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
    values = python_values(_utf8(column, "item id"), "item id")
    if set(map(type, values)) <= {str}:
        return values
    return [MISSING_ITEM if v is None else _id_text(v) for v in values]


def _id_text(value) -> str:
    """An item id as text: text as it is, integers exactly (never through a float), lists by their text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a float id came from a reader's type inference; the digits it holds, exactly
    return str(value)


def _utf8(column, name: str):
    """The column, after checking that its bytes (if any) are UTF-8: ids and labels are never decoded with
    replacement characters (two different byte strings would become one label)."""
    from tfx_dcai.columns import value_type

    kind = value_type(column.type)
    if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
        return column
    flat = column
    while hasattr(flat, "flatten") and (pa.types.is_list(flat.type) or pa.types.is_large_list(flat.type)):
        flat = flat.flatten()
    try:
        flat.cast(pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        bad = next(v for v in flat.to_pylist() if v is not None and _not_utf8(v))
        raise BadInputError(f"column {name!r}: value {bad[:40]!r} is not UTF-8 text; re-encode the file as UTF-8") \
            from None
    return column


def _not_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _check_one_annotator_per_row(annotators: list, column: str) -> None:
    if list in set(map(type, annotators)):
        several = next(a for a in annotators if isinstance(a, list))
        raise BadInputError(f"column {column!r}: expected one annotator id per row, got {several!r}; "
                            "write one row per annotator")


def _codes(values: list, distinct: list) -> np.ndarray:
    """Each value's index in `distinct` (-1 for values not in it)."""
    return _lookup(values, {value: k for k, value in enumerate(distinct)})


def _lookup(values: list, code_of: dict) -> np.ndarray:
    return np.fromiter(map(code_of.get, values, repeat(-1)), np.int64, len(values))


def _text_ranks(values: list) -> np.ndarray:
    """Each value's rank among the sorted texts of the values (equal texts, equal ranks)."""
    distinct = set(values)
    rank_of_text = {text: k for k, text in enumerate(sorted(set(map(str, distinct))))}
    return _lookup(values, {value: rank_of_text[str(value)] for value in distinct})


def _feature_rows(item_of_row, annotators, labels, starts) -> np.ndarray:
    """Per item (in id order), the index of its first row in (annotator, label) order, compared as text."""
    by_item = np.lexsort((_text_ranks(labels), _text_ranks(annotators), item_of_row))
    return by_item[starts]


def _inconsistent(columns, order, feature_rows, starts, sizes) -> np.ndarray:
    """Per item, whether any feature of any of its rows differs from its feature row (NaN equals NaN)."""
    differs = np.zeros(len(order), bool)
    feature_row_of = np.repeat(feature_rows, sizes)
    for values in columns:
        values = np.fromiter(values, object, len(values))
        mine, first = values[order], values[feature_row_of]
        differs |= (mine != first) & ((mine == mine) | (first == first))
    return np.logical_or.reduceat(differs, starts) if len(starts) else np.zeros(0, bool)


def _vote_table(item_ids, item_of_row, annotators, labels, inconsistent, config) -> tuple:
    """(VoteTable of the items with an id and one valid label per annotator, whether each item is in it). Only
    for class labels under majority vote, and only where the annotator ids are of one type and the labels too
    (their codes then keep the per-item order of predictions.label_sort_key and str)."""
    no_table = VoteTable.empty(), np.zeros(len(item_ids), bool)
    if config.kind != "class" or config.consensus != "majority":
        return no_table
    annotator_values = sorted(set(annotators) - {None}, key=str)
    label_values = sorted({v for v in set(labels) if valid_label(v, config.domain_texts)}, key=label_sort_key)
    if len(set(map(type, annotator_values))) > 1 or len(set(map(type, label_values))) > 1:
        return no_table
    annotator_of_row, label_of_row = _codes(annotators, annotator_values), _codes(labels, label_values)
    order = np.lexsort((annotator_of_row, item_of_row))
    item, annotator = item_of_row[order], annotator_of_row[order]
    repeated = np.r_[False, (item[1:] == item[:-1]) & (annotator[1:] == annotator[:-1])]
    bad_row = (annotator < 0) | (label_of_row[order] < 0) | repeated
    in_votes = np.bincount(item[bad_row], minlength=len(item_ids)) == 0
    missing = _codes([MISSING_ITEM], item_ids)[0]
    if missing >= 0:
        in_votes[missing] = False  # rows without item id: dropped and counted by _item
    rows = order[in_votes[item]]
    renumbered = np.cumsum(in_votes) - 1  # item codes among the items in the table
    return VoteTable([item_ids[k] for k in np.flatnonzero(in_votes).tolist()], inconsistent[in_votes],
                     renumbered[item_of_row[rows]], annotator_of_row[rows], label_of_row[rows], annotator_values,
                     label_values), in_votes


def _item(key, rows, inconsistent: bool, config) -> dict:
    """One item's {item, labels, flags, dropped, n_rows}; rows without annotator are dropped and counted."""
    if key == MISSING_ITEM:
        return {"item": None, "labels": {}, "flags": [], "dropped": {"missing_item_id": len(rows)},
                "n_rows": len(rows)}
    with_annotator = [row for row in rows if row[0] is not None]
    labels, flags, dropped = assemble_item(with_annotator, config.domain_texts, multiple=config.kind == "bbox")
    more_flags = {"inconsistent_features"} if inconsistent else set()
    if len(with_annotator) < len(rows):
        dropped = {"missing_annotator": len(rows) - len(with_annotator), **dropped}
        more_flags.add("missing_annotator")
    if more_flags:
        flags = sorted(set(flags) | more_flags)
    return {"item": key, "labels": labels, "flags": flags, "dropped": dropped, "n_rows": len(rows)}


def _labels(column, config) -> list:
    """The label column as labels: None when missing, InvalidLabel when unreadable."""
    values = python_values(_utf8(column, config.label_column), config.label_column, keep_lists=True)
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
    except DegenerateBoxError:
        return InvalidLabel("degenerate_box")
    except BadInputError:
        return InvalidLabel("malformed_box")


def _serialize(batch: pa.RecordBatch) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()


def _deserialize(payload: bytes) -> pa.RecordBatch:
    return pa.ipc.open_stream(payload).read_next_batch()


def splits_for(item_ids: list, splits: dict) -> list:
    """Each item's split, by a hash of its id; `splits` maps split names to hash buckets. The split comes from
    the hash's high half, the item's hash bucket (rows_by_bucket) from its low bits: independent."""
    names = sorted(splits)
    ends = np.cumsum([splits[name] for name in names])
    slots = (text_hashes(item_ids) >> np.uint64(32)) % np.uint64(ends[-1])
    return [names[k] for k in np.searchsorted(ends, slots.astype(np.int64), side="right").tolist()]
