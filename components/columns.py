"""Arrow columns as flat values, and whether a feature is numeric or categorical: one rule for every component.

Conventions:
- A tf.Example feature is a list per row. Its value is the list's single value; an empty list or a null cell is
  missing. A row with several values is either an error naming the feature (`multivalent="error"`) or reduced to
  its first value (`multivalent="first"`), as the caller documents.
- Bytes are decoded as UTF-8 text; bytes that are not UTF-8 are decoded with U+FFFD replacement characters.
- Kinds (`NUMERIC`, `CATEGORICAL`): strings, bytes and booleans are categorical; integers and floats numeric,
  except integers the schema marks categorical (`int_domain.is_categorical`, or a string domain) and features a
  schema types BYTES. `kinds_from_schema` reads the schema's verdict; `kind_of_type` decides from the Arrow type.
"""
from typing import Dict, Iterable, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_dcai.errors import InputError

NUMERIC, CATEGORICAL = "numeric", "categorical"


def is_list_type(arrow_type: pa.DataType) -> bool:
    return pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)


def value_type(arrow_type: pa.DataType) -> pa.DataType:
    """The element type of a (possibly nested) list type, or the type itself."""
    while is_list_type(arrow_type):
        arrow_type = arrow_type.value_type
    return arrow_type


def first_values(column, feature: str = "", multivalent: str = "first") -> pa.Array:
    """A flat array: one value per row (see the module conventions); text for bytes.

    Args:
      column: a pyarrow Array or ChunkedArray, flat or of lists.
      feature: the column's name, for error messages.
      multivalent: "first" keeps the first of several values; "error" raises InputError naming the feature.

    Returns:
      A flat pyarrow Array, nulls where the value is missing.

    Raises:
      InputError: with multivalent="error", when a row holds more than one value.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    if is_list_type(column.type):
        lengths = pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        if multivalent == "error" and (lengths > 1).any():
            raise InputError(f"feature {feature!r} has rows with several values (up to {int(lengths.max())}): "
                             "exclude it, or give one value per row")
        present = lengths > 0
        starts = column.offsets.to_numpy()[:-1]
        if not present.any():
            column = pa.nulls(len(column), column.type.value_type)
        else:
            firsts = column.values.take(pa.array(np.where(present, starts, starts[present][0])))
            column = pc.if_else(pa.array(present), firsts, pa.nulls(len(firsts), firsts.type))
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        try:
            column = column.cast(pa.string())
        except pa.ArrowInvalid:
            column = pa.array([None if v is None else v.decode("utf-8", errors="replace")
                               for v in column.to_pylist()], pa.string())
    return column


def scalar(value):
    """One Python value as `first_values` sees it: single-value lists unwrapped, empty lists None, bytes as text.
    Lists of several values are returned as they are."""
    if isinstance(value, (list, tuple)):
        value = value[0] if len(value) == 1 else (None if not value else value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return value


def is_numeric_type(arrow_type: pa.DataType) -> bool:
    """Integers and floats (inside lists too); booleans are not numeric."""
    t = value_type(arrow_type)
    return pa.types.is_integer(t) or pa.types.is_floating(t)


def kind_of_type(arrow_type: pa.DataType, categorical: bool = False) -> str:
    """NUMERIC or CATEGORICAL for an Arrow type; `categorical` True when the schema marks the feature so."""
    return NUMERIC if is_numeric_type(arrow_type) and not categorical else CATEGORICAL


def kinds_from_schema(schema, names: Optional[Iterable[str]] = None) -> Dict[str, str]:
    """{feature: NUMERIC or CATEGORICAL} as a TFMD Schema types the features (STRUCT features left out).

    BYTES features, and INT features with a string domain or `int_domain.is_categorical`, are categorical; other
    INT and FLOAT features numeric.
    """
    from tensorflow_metadata.proto.v0 import schema_pb2

    wanted = set(names) if names is not None else None
    kinds = {}
    for feature in schema.feature:
        if (wanted is not None and feature.name not in wanted) or feature.type == schema_pb2.STRUCT:
            continue
        categorical = (feature.type == schema_pb2.BYTES or feature.HasField("domain")
                       or feature.HasField("string_domain")
                       or (feature.HasField("int_domain") and feature.int_domain.is_categorical))
        kinds[feature.name] = CATEGORICAL if categorical else NUMERIC
    return kinds


def text_codes(values: pa.Array, max_length: int = 1 << 10):
    """(codes, distinct texts) of a text array, nulls as -1; memory bounded by rows, not by the longest value:
    texts longer than `max_length` characters are compared by their first `max_length` characters plus a stable
    hash of the rest (documented truncation for statistics and display).

    Args:
      values: a flat pyarrow string (or binary) array.
      max_length: characters kept of a long text.

    Returns:
      (int64 numpy codes, list of the distinct (possibly shortened) texts in code order).
    """
    values = first_values(values)
    lengths = pc.utf8_length(values).fill_null(0).to_numpy(zero_copy_only=False)
    if len(lengths) and lengths.max() > max_length:
        from tfx_dcai.hashing import stable_hash

        long = np.flatnonzero(lengths > max_length)
        texts = values.to_pylist()
        for i in long.tolist():
            texts[i] = f"{texts[i][:max_length]}...#{stable_hash(texts[i]) % 10**8:08d}"
        values = pa.array(texts, pa.string())
    encoded = pc.dictionary_encode(values)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    codes = np.where(encoded.is_null().to_numpy(zero_copy_only=False), -1, np.nan_to_num(indices, nan=-1))
    return codes.astype(np.int64), encoded.dictionary.to_pylist()


def python_values(column, feature: str = "", keep_lists: bool = False) -> list:
    """A column as one Python value per row, by the `scalar` rule: single-value lists unwrapped, empty lists and
    nulls None, bytes as text. Rows with several values keep their list (`keep_lists`, e.g. a box's four
    coordinates) or are reduced to their first value.

    Args:
      column: a pyarrow Array or ChunkedArray, flat or of lists.
      feature: the column's name, for error messages.
      keep_lists: whether a row with several values stays a list.

    Returns:
      A list of Python values (str, int, float, bool, None, or lists of them).
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    if is_list_type(column.type):
        lengths = pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        if keep_lists and len(lengths) and lengths.max() > 1:
            return [scalar(v) for v in column.to_pylist()]
    return to_pylist(first_values(column, feature))


def to_pylist(array: pa.Array) -> list:
    """array.to_pylist(), through NumPy for null-free numbers, booleans and text (much faster per value)."""
    t = array.type
    if array.null_count == 0 and (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                                  or pa.types.is_string(t) or pa.types.is_large_string(t)):
        return array.to_numpy(zero_copy_only=False).tolist()
    return array.to_pylist()
