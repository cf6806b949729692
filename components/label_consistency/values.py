"""Small shared helpers: Arrow columns as Python scalars."""


def scalar(value):
    """One value: one-value lists unwrapped, empty lists None, bytes decoded (invalid UTF-8 replaced)."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else (None if not value else value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return value


def column_values(column) -> list:
    """A pyarrow column as Python scalars: one-value lists (tf.Example features) unwrapped, UTF-8 bytes as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        if column.null_count == 0 and pc.all(pc.equal(pc.list_value_length(column), 1)).as_py() is not False:
            column = column.flatten()
        else:
            return [v if not isinstance(v, list) else (v[0] if len(v) == 1 else (None if not v else v))
                    for v in column.to_pylist()]
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        try:
            column = column.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # not UTF-8: the label check names the column; features are decoded with replacement
    return _to_pylist(column)


def _to_pylist(array) -> list:
    """array.to_pylist(), through NumPy for null-free numbers, booleans and text (pyarrow 10 converts per value)."""
    import pyarrow as pa

    t = array.type
    if array.null_count == 0 and (pa.types.is_integer(t) or pa.types.is_float32(t) or pa.types.is_float64(t)
                                  or pa.types.is_boolean(t) or pa.types.is_string(t) or pa.types.is_large_string(t)
                                  or pa.types.is_binary(t) or pa.types.is_large_binary(t)):
        return array.to_numpy(zero_copy_only=False).tolist()
    return array.to_pylist()


def scalar_values(column) -> list:
    """A pyarrow column as one `scalar` per row."""
    values = column_values(column)
    types = set(map(type, values))
    return [scalar(v) for v in values] if list in types or bytes in types else values
