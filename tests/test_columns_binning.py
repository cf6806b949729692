"""The shared column conventions (first values, kinds, bounded text codes) and the one quantile-binning rule."""
import numpy as np
import pyarrow as pa
import pytest

from tfx_dcai import binning, columns
from tfx_dcai.errors import InputError


def test_first_values_of_list_columns_and_bytes():
    column = pa.array([[1.5], [], None, [2.0, 3.0]], pa.list_(pa.float64()))
    assert columns.first_values(column).to_pylist() == [1.5, None, None, 2.0]
    with pytest.raises(InputError, match="feature 'fare' has rows with several values"):
        columns.first_values(column, "fare", multivalent="error")
    text = pa.array([[b"caf\xc3\xa9"], [b"\xff"], []], pa.list_(pa.binary()))
    assert columns.first_values(text).to_pylist() == ["café", "\ufffd", None]


def test_kinds():
    assert columns.kind_of_type(pa.list_(pa.int64())) == columns.NUMERIC
    assert columns.kind_of_type(pa.int64(), categorical=True) == columns.CATEGORICAL
    assert columns.kind_of_type(pa.bool_()) == columns.kind_of_type(pa.string()) == columns.CATEGORICAL


def test_text_codes_memory_is_bounded_by_rows_not_by_the_longest_value():
    long = "x" * 5_000_000
    codes, texts = columns.text_codes(pa.array(["a", long, None, "a", long + "y"]), max_length=100)
    assert codes.tolist()[:4] == [0, 1, -1, 0] and codes[4] not in (0, 1, -1)
    assert max(map(len, texts)) < 200


def test_binning_is_half_open_with_missing_apart():
    edges = binning.quantile_edges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)
    assert edges == [3.25, 5.5, 7.75]
    assert binning.bin_indices(np.array([3.25, 3.0, np.nan, 100.0]), edges).tolist() == [1, 0, -1, 3]
    assert [binning.bin_label(i, edges) for i in (-1, 0, 1, 3)] == ["(missing)", "< 3.25", "[3.25, 5.5)", ">= 7.75"]
    assert binning.edges_from_quantiles([0, 1, 1, 2, 9]) == [1.0, 2.0]
