"""Per-example errors (vs scikit-learn) and the feature encoding (bins, missing, top values, list columns)."""
import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error, zero_one_loss

from tfx_dcai.slice_error_analyzer.encoding import (FeatureEncoding, categorical_encoding, describe,
                                                      encode_batch, first_values, numeric_encoding)
from tfx_dcai.slice_error_analyzer.errors import SliceInputError, example_errors

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 2, 300)
PROBS = np.clip(RNG.random(300), 0.001, 0.999)


def test_metrics_agree_with_scikit_learn():
    assert example_errors(LABELS, PROBS, "error_rate").mean() == pytest.approx(
        zero_one_loss(LABELS, PROBS >= 0.5))
    assert example_errors(LABELS, PROBS, "log_loss").mean() == pytest.approx(log_loss(LABELS, PROBS))
    y, p = RNG.normal(size=50), RNG.normal(size=50)
    assert example_errors(y, p, "abs_error").mean() == pytest.approx(mean_absolute_error(y, p))
    assert example_errors(y, p, "squared_error").mean() == pytest.approx(mean_squared_error(y, p))
    assert list(example_errors(np.array(["a", "b"]), np.array(["a", "c"]), "error_rate")) == [0.0, 1.0]


@pytest.mark.parametrize("labels,predictions,metric,message", [
    ([0, 1], [0.2, 1.5], "log_loss", "outside the label's domain"),
    ([0, 2], [0.2, 0.5], "log_loss", "0/1 labels"),
    ([0.0, 1.0], [np.nan, 0.5], "abs_error", "NaN or infinite"),
    ([0, 1], [0, 1], "accuracy", "unknown metric"),
    (np.array(["a"]), np.array([1.0]), "squared_error", "must be numeric"),
])
def test_bad_values_raise_clear_errors(labels, predictions, metric, message):
    with pytest.raises(SliceInputError, match=message):
        example_errors(np.asarray(labels), np.asarray(predictions), metric, "y", "p")


def test_numeric_bins_are_half_open_and_missing_has_its_own_code():
    encoding = numeric_encoding("fare", [0.0, 10.0, 20.0, 30.0])  # min, 2 interior quantiles, max
    assert encoding.edges == (10.0, 20.0) and encoding.domain == 4
    codes = encoding.codes(pa.array([5.0, 10.0, 19.9, 20.0, None, float("nan")]))
    assert list(codes) == [0, 1, 1, 2, 3, 3]
    assert describe(encoding.predicate(1)) == "fare in [10, 20)"
    assert encoding.predicate(3)["op"] == "is_missing"


def test_categorical_keeps_top_values_and_folds_the_rest_into_other():
    encoding = categorical_encoding("company", {"A": 10, "B": 7, "C": 7, "D": 1}, max_values=2)
    assert encoding.values == ("A", "B")  # tie B/C broken by value text
    codes = encoding.codes(pa.array([b"A", b"C", None, b"B"], pa.binary()))
    assert list(codes) == [0, 2, 3, 1]
    assert encoding.predicate(2) == {"feature": "company", "op": "not_in", "value": ["A", "B"]}


def test_list_columns_take_their_single_value_and_reject_multivalent_rows():
    column = pa.array([[1.5], [], None, [2.5]], pa.list_(pa.float32()))
    assert first_values(column, "x").to_pylist() == [1.5, None, None, 2.5]
    with pytest.raises(SliceInputError, match="'tags' has rows with several values"):
        first_values(pa.array([["a", "b"]], pa.list_(pa.string())), "tags")


def test_encode_batch_names_the_missing_feature():
    batch = pa.RecordBatch.from_pydict({"x": [1.0]})
    with pytest.raises(SliceInputError, match="'y' is missing"):
        encode_batch(batch, [FeatureEncoding("y", "numeric")])
