"""Per-row losses per task (vs scikit-learn), and the feature encoding (bins, sketch, missing, top values, lists)."""
import functools

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, zero_one_loss

from tfx_dcai import predictions
from tfx_dcai.slice_error_analyzer import encoding, slice_metrics
from tfx_dcai.slice_error_analyzer.encoding import (FeatureEncoding, ValueSketch, categorical_encoding, describe,
                                                      encode_batch, numeric_encoding)
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 2, 300)
PROBS = np.clip(RNG.random(300), 0.001, 0.999)


def _pred(labels, values):
    return predictions.from_columns(list(labels), predictions.PredictionColumns("single", ("p",)),
                                    {"p": list(values)})


def test_losses_agree_with_scikit_learn():
    pred = _pred(LABELS, PROBS)
    losses, _ = slice_metrics.row_losses("error_rate", pred)
    assert losses.mean() == pytest.approx(zero_one_loss(LABELS, PROBS > 0.5))
    losses, _ = slice_metrics.row_losses("log_loss", pred)
    assert losses.mean() == pytest.approx(log_loss(LABELS, PROBS))
    y, p = RNG.normal(size=50), RNG.normal(size=50)
    regression = _pred(y, p)
    assert slice_metrics.row_losses("abs_error", regression)[0].mean() == pytest.approx(mean_absolute_error(y, p))
    assert slice_metrics.row_losses("squared_error", regression)[0].mean() == pytest.approx(mean_squared_error(y, p))


def test_recall_counts_only_the_rows_of_its_class():
    pred = _pred([0, 1, 1, 1, 0], [0.9, 0.8, 0.2, 0.7, 0.1])
    losses, inside = slice_metrics.row_losses("recall", pred, 1)
    assert list(inside) == [False, True, True, True, False]
    assert 1 - losses[inside].mean() == pytest.approx(2 / 3)  # recall of class 1
    assert slice_metrics.shown_value("recall", 1 / 3) == pytest.approx(2 / 3)
    assert slice_metrics.shown_interval("recall", 0.1, 0.5) == (0.5, 0.9)


def test_metrics_must_fit_the_task():
    with pytest.raises(SliceInputError, match="does not apply to a regression task"):
        slice_metrics.check_metric_for_task("error_rate", "regression")
    with pytest.raises(SliceInputError, match="does not apply to a multiclass task"):
        slice_metrics.check_metric_for_task("squared_error", "multiclass")
    pred = _pred(["a", "b", "a"], ["a", "a", "a"])
    with pytest.raises(SliceInputError, match="log_loss needs probabilities"):
        slice_metrics.row_losses("log_loss", pred)


def test_numeric_bins_are_half_open_and_missing_has_its_own_code():
    enc = numeric_encoding("fare", [0.0, 10.0, 20.0, 30.0])  # min, 2 interior quantiles, max
    assert enc.edges == (10.0, 20.0) and enc.domain == 4
    assert list(enc.codes(pa.array([5.0, 10.0, 19.9, 20.0, None, float("nan"), float("inf")]))) == [0, 1, 1, 2, 3, 3,
                                                                                                     2]
    assert describe(enc.predicate(1)) == "fare in [10, 20)"
    assert enc.predicate(3)["op"] == "is_missing"
    assert numeric_encoding("x", [0.0, float("inf"), float("inf")]).edges == ()  # non-finite edges dropped


def test_categorical_keeps_top_values_and_folds_the_rest_into_other():
    enc = categorical_encoding("company", {"A": 10, "B": 7, "C": 7, "D": 1}, max_values=2)
    assert enc.values == ("A", "B")  # tie B/C broken by value text
    assert list(enc.codes(pa.array([b"A", b"C", None, b"B"], pa.binary()))) == [0, 2, 3, 1]
    assert enc.predicate(2) == {"feature": "company", "op": "not_in", "value": ["A", "B"]}


def test_list_columns_take_their_single_value_and_long_texts_are_cut():
    enc = categorical_encoding("tag", {"x": 3}, 5)
    column = pa.array([["x"], [], None, ["y"]], pa.list_(pa.string()))
    assert list(enc.codes(column)) == [0, 2, 2, 1]
    long = "z" * 100_000
    codes, texts = encoding.text_codes(pa.array([long, long, "a"]))
    assert codes[0] == codes[1] and max(len(t) for t in texts) < encoding.MAX_TEXT + 20
    profile = encoding.profile_column("tag", pa.array([long] * 3), categorical=True)
    assert list(profile.counts.values()) == [3] and len(next(iter(profile.counts))) < encoding.MAX_TEXT + 20


def test_encode_batch_names_the_missing_feature():
    batch = pa.RecordBatch.from_pydict({"x": [1.0]})
    with pytest.raises(SliceInputError, match="'y' is missing"):
        encode_batch(batch, [FeatureEncoding("y", "numeric")])


def test_sketch_is_exact_for_few_values_and_independent_of_the_merge_order():
    values = RNG.normal(size=1000)
    sketch = ValueSketch.of(values)
    assert sketch.bits == 52 and sketch.n == 1000
    quantiles = sketch.quantiles(4)
    ordered = np.sort(values)
    assert quantiles[0] == ordered[0] and quantiles[-1] == ordered[-1]
    assert quantiles[2] == ordered[499]  # inverted CDF: the 500th value reaches half the rows
    many = np.concatenate([RNG.lognormal(0, 3, 30_000), -RNG.exponential(5, 10_000), [0.0] * 50])
    parts = np.array_split(many, 17)
    in_order = functools.reduce(ValueSketch.merge, map(ValueSketch.of, parts))
    shuffled = [ValueSketch.of(p) for p in np.array_split(RNG.permutation(many), 5)]
    s0, s1, s2, s3, s4 = shuffled
    tree = s0.merge(s3).merge(s4.merge(s2.merge(s1)))
    assert in_order.bits == tree.bits and np.array_equal(in_order.values, tree.values)
    assert np.array_equal(in_order.counts, tree.counts) and in_order.n == len(many)
    assert len(in_order.values) <= encoding.SKETCH_CAP
    exact = np.quantile(many, [0.25, 0.5, 0.75], method="inverted_cdf")
    approx = in_order.quantiles(4)[1:4]
    assert np.allclose(approx, exact, rtol=2.0 ** -in_order.bits * 4, atol=1e-12)
