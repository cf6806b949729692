"""Assembling a bucket: the array path (votes.VoteTable) equals the item-by-item path on random tables, and bad rows
are named (pyarrow + NumPy, no Beam)."""
import random
import re

import numpy as np
import pyarrow as pa
import pytest

from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.buckets import assemble_bucket, rows_by_bucket
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.consensus import consensus_row
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.votes import _row_counts

def _table(seed: int, classes: list, n_items: int = 400, annotators=(1, 2, 3, 4, 10, 20)) -> tuple:
    """(rows, {item: valid labels}, {item: flags}) of random items: 1-5 annotators each, ties and single labels;
    some items' rows differ in a feature (flags ["inconsistent_features"]), some have a row without label, which
    sends them down the item-by-item path (flags None)."""
    rng = random.Random(seed)
    rows, labels_of, flags_of = [], {}, {}
    for i in range(n_items):
        item = f"item{rng.randrange(10 ** 6):06d}-{i}"
        labels = {a: rng.choice(classes) for a in rng.sample(annotators, rng.randint(1, 5))}
        fare = rng.choice([1.5, float("nan"), None])
        item_rows = [{"item_id": item, "annotator_id": a, "label": label, "fare": fare} for a, label in labels.items()]
        anomaly = rng.random()
        if anomaly < 0.1 and len(item_rows) > 1:
            item_rows[-1]["fare"] = 99.0
            flags_of[item] = ["inconsistent_features"]
        elif anomaly < 0.2:
            item_rows.append(dict(item_rows[0], label=None))  # a missing label: the item-by-item path
            flags_of[item] = None
        labels_of[item] = labels
        rows += item_rows
    rng.shuffle(rows)
    return rows, labels_of, flags_of


def _bucket(rows: list, config):
    batch = pa.RecordBatch.from_pylist(rows)
    [(index, payload)] = list(rows_by_bucket(batch, config))
    return assemble_bucket((index, [payload]), config)


@pytest.mark.parametrize("classes", [["cat", "dog", "emu"], [3, 1, 2, 10], [0.5, 2.0, 1.25]])
@pytest.mark.parametrize("annotators", [(1, 2, 3, 4, 10, 20), ("b", "a", "c", "d", "e")])  # 10 < 2 as text
def test_vote_table_equals_adding_items_one_by_one(classes, annotators):
    config = LabelConsistencyConfig(n_buckets=1, min_confidence=0.6)
    rows, labels_of, flags_of = _table(len(classes), classes, annotators=annotators)
    bucket = _bucket(rows, config)
    votes = bucket.votes
    in_votes = sorted(item for item in labels_of if flags_of.get(item, []) is not None)
    assert votes.item_ids == in_votes
    assert sorted(it["item"] for it in bucket.items) == sorted(set(labels_of) - set(in_votes))

    expected = AgreementAccumulator()
    for item in in_votes:
        expected.add_item(item, labels_of[item])
    assert votes.agreement().__getstate__() == expected.__getstate__()

    consensus = votes.majority(config.min_confidence)
    assert [consensus.row(k) for k in range(votes.n_items)] == [
        consensus_row(item, labels_of[item], flags_of.get(item, []), min_confidence=0.6) for item in in_votes]
    flags = {flag for flags in consensus.flags for flag in flags}
    assert {"tie", "single_label", "low_confidence", "inconsistent_features"} <= flags  # every flag is exercised

    agreed, given = {}, {}
    for item, row in zip(in_votes, consensus.rows()):
        for annotator, label in labels_of[item].items():
            given[annotator] = given.get(annotator, 0) + 1
            agreed[annotator] = agreed.get(annotator, 0) + (label == row["label"])
    assert votes.annotator_agreement(consensus.labels) == {a: (agreed[a], given[a]) for a in given}


def test_other_kinds_and_dawid_skene_take_the_item_by_item_path():
    rows, labels_of, _ = _table(7, ["cat", "dog"], n_items=50)
    for config in (LabelConsistencyConfig(n_buckets=1, consensus="dawid_skene"),
                   LabelConsistencyConfig(n_buckets=1, kind="text")):
        bucket = _bucket(rows, config)
        assert bucket.votes.n_items == 0 and len(bucket.items) == len(labels_of)


def test_an_empty_vote_table_adds_nothing():
    bucket = _bucket([{"item_id": None, "annotator_id": "a", "label": "cat"}], LabelConsistencyConfig(n_buckets=1))
    assert bucket.votes.n_items == 0 and bucket.votes.annotator_agreement([]) == {}
    assert bucket.votes.agreement().__getstate__() == AgreementAccumulator().__getstate__()
    assert len(bucket.votes.majority()) == 0 and [it["item"] for it in bucket.items] == [None]


@pytest.mark.parametrize("high", [5, 1 << 40])  # 1 << 40: four such columns do not fit one int64 key
def test_row_counts_equal_numpys_unique_rows(high):
    rng = np.random.default_rng(high)
    columns = [rng.integers(0, high, 500) // (high // 4) * (high // 4) for _ in range(4)]
    rows, counts = np.unique(np.stack(columns, axis=1), axis=0, return_counts=True)
    assert _row_counts(*columns) == list(zip(map(tuple, rows.tolist()), counts.tolist()))


def test_several_annotator_ids_in_one_row_is_bad_input_naming_the_column():
    rows = [{"item_id": "a", "annotator_id": ["x", "y"], "label": "cat"}, {"item_id": "a", "annotator_id": ["z"],
                                                                          "label": "dog"}]
    with pytest.raises(BadInputError, match=re.escape("column 'annotator_id': expected one annotator id per row, "
                                                      "got ['x', 'y']")):
        _bucket(rows, LabelConsistencyConfig(n_buckets=1))
