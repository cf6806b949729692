"""Exported SlicingSpecs that TFMA can run (issue 12 item 6): every slice_keys_sql compiles with tfx_bsl's
RecordBatchSQLSliceQuery (the engine of TFMA's SqlSliceKeyExtractor) on tf.Example record batches with awkward
column names and string values, and selects exactly the slice's rows."""
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tfx_bsl")
from tfx_bsl.arrow import sql_util  # noqa: E402

from tfx_dcai.slice_error_analyzer import find_slices, slicing_specs  # noqa: E402

VALUES = ["it's", 'Café "Paris"', "back\\slash", "plain", "ünï", "tab\tx"]


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "pay type": rng.choice(VALUES, n),
        "fare-amount": np.where(rng.random(n) < 0.05, np.nan, rng.gamma(2.0, 6.0, n)),
        "o'clock": rng.integers(0, 24, n),
        "naïve": rng.choice(["x", "y", None], n),
        "back`tick": rng.choice(list("abcdefghijklmnopqrstuvwxyz"), n),
        "a.b": rng.normal(0, 1, n)})
    risky = (frame["pay type"] == "it's") | (frame["fare-amount"] > 20) | frame["fare-amount"].isna() | \
        frame["naïve"].isna() | (frame["o'clock"] < 6)
    frame["label"] = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(risky, 0.35, 0.05)
    frame["prediction"] = np.where(wrong, 1 - frame.label, frame.label)
    return frame


def _record_batch(frame: pd.DataFrame):
    """The frame as tf.Examples (strings as bytes, missing values absent or a stored NaN), decoded by tfx_bsl's
    example coder into the record batch of list columns that TFMA slices."""
    import tensorflow as tf
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_bsl.coders import example_coder

    schema = schema_pb2.Schema()
    kinds = {}
    for name in frame.columns:
        kind = (schema_pb2.BYTES if frame[name].dtype == object else schema_pb2.INT
                if frame[name].dtype.kind in "iu" else schema_pb2.FLOAT)
        schema.feature.add(name=name, type=kind)
        kinds[name] = kind
    records = []
    for i, row in enumerate(frame.to_dict("records")):
        example = tf.train.Example()
        for name, value in row.items():
            if value is None or (isinstance(value, float) and np.isnan(value) and i % 2):
                continue  # missing: absent (odd rows) or a stored NaN (even rows)
            feature = example.features.feature[name]
            if kinds[name] == schema_pb2.BYTES:
                feature.bytes_list.value.append(value.encode("utf-8"))
            elif kinds[name] == schema_pb2.INT:
                feature.int64_list.value.append(int(value))
            else:
                feature.float_list.value.append(float(value))
        records.append(example.SerializeToString())
    return example_coder.ExamplesToRecordBatchDecoder(schema.SerializeToString()).DecodeBatch(records)


def _matched_rows(sql: str, record_batch) -> np.ndarray:
    query = sql_util.RecordBatchSQLSliceQuery(f"SELECT ARRAY({sql}) as slice_key FROM Examples as example;",
                                              record_batch.schema)
    return np.array([bool(keys) for keys in query.Execute(record_batch)])


def test_every_exported_sql_spec_compiles_and_selects_the_slice():
    """Every level-1 predicate and every pair of predicates over the analysis' own encodings, as a SlicingSpec:
    its SQL compiles and selects exactly the rows the encoding puts in the slice; and the exported file."""
    import itertools

    from tfx_dcai.slice_error_analyzer.api import to_record_batches
    from tfx_dcai.slice_error_analyzer.encoding import describe, encode_batch, from_entry

    frame = _data()
    report = find_slices(frame, "label", max_level=2, min_support=40)
    features = [f for f in frame.columns if f not in ("label", "prediction")]
    record_batch = _record_batch(frame[features])
    encodings = [from_entry(f) for f in report["features"]]
    codes = encode_batch(to_record_batches(frame)[0], encodings)
    value_types = {e.name: e.value_type for e in encodings}
    terms = [(f, c) for f, e in enumerate(encodings) for c in range(e.domain)]
    slices = [[t] for t in terms] + [list(pair) for pair in itertools.combinations(terms[::3], 2)
                                     if pair[0][0] != pair[1][0]]
    ops = set()
    for chosen in slices:
        predicates = [encodings[f].predicate(c) for f, c in chosen]
        entry = {"predicates": predicates, "description": " and ".join(describe(p) for p in predicates)}
        spec = slicing_specs.slicing_spec(entry, value_types)
        expected = np.all([codes[:, f] == c for f, c in chosen], axis=0)
        if "slice_keys_sql" in spec:
            assert (_matched_rows(spec["slice_keys_sql"], record_batch) == expected).all(), spec["slice_keys_sql"]
            ops |= {p["op"] for p in predicates}
        else:
            for p in predicates:
                assert spec["feature_values"][p["feature"]] == p["value"]
    assert {"in", "<", ">=", "is_missing", "==", "not_in"} <= ops  # every kind of predicate was compiled
    assert len(slices) > 100
    exported = slicing_specs.slicing_specs(report)["slicing_specs"]
    assert report["n_significant"] and len(exported) == sum(s["significant"] for s in report["slices"])
    for spec in exported:
        if "slice_keys_sql" in spec:
            _matched_rows(spec["slice_keys_sql"], record_batch)


@pytest.mark.parametrize("predicate,value_type,expected", [
    ({"feature": "pay type", "op": "==", "value": "it's"}, "bytes", [True, False, False, False]),
    ({"feature": "pay type", "op": "not_in", "value": ["it's"]}, "bytes", [False, True, True, False]),
    ({"feature": "fare-amount", "op": "in", "value": [1.0, 3.0]}, "float", [True, True, False, False]),
    ({"feature": "fare-amount", "op": "is_missing", "value": None}, "float", [False, False, True, True]),
    ({"feature": "o'clock", "op": ">=", "value": 2.5}, "int", [False, True, True, True]),
])
def test_single_predicates_on_awkward_names(predicate, value_type, expected):
    import pyarrow as pa
    record_batch = pa.RecordBatch.from_arrays([
        pa.array([[b"it's"], [b"Caf\xc3\xa9"], [b"x"], None], pa.list_(pa.binary())),
        pa.array([[1.0], [2.5], [float("nan")], []], pa.list_(pa.float32())),
        pa.array([[1], [3], [4], [5]], pa.list_(pa.int64()))], ["pay type", "fare-amount", "o'clock"])
    sql = slicing_specs.slicing_spec({"predicates": [predicate, {"feature": "o'clock", "op": "<", "value": 100}],
                                      "description": "d'écrit \\ `x`"}, {predicate["feature"]: value_type,
                                                                         "o'clock": "int"})["slice_keys_sql"]
    assert list(_matched_rows(sql, record_batch)) == expected
