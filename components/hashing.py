"""Hashes that are the same on every machine and in every process (Python's hash() of text is salted)."""
import hashlib

import numpy as np


def hash64(data: bytes) -> int:
    """The first 8 bytes of the SHA-256 of `data`, as an unsigned big-endian integer."""
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def stable_hash(*parts) -> int:
    """hash64 of the parts' text joined by "|"."""
    return hash64("|".join(map(str, parts)).encode("utf-8"))


def unit_hash(*parts) -> float:
    """stable_hash scaled to [0, 1): a deterministic uniform draw."""
    return stable_hash(*parts) / 2 ** 64


_FNV_OFFSET, _FNV_PRIME = np.uint64(0xCBF29CE484222325), np.uint64(0x100000001B3)
_MIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def text_hashes(texts: list) -> np.ndarray:
    """A 64-bit hash of each text, the same on every machine: FNV-1a over its UTF-8 bytes, then MurmurHash3's
    finalizer (so that every bit, the low ones used by `% n` included, depends on every byte). Texts of the
    same byte length are hashed together, one NumPy pass per byte position."""
    data = [text.encode("utf-8") for text in texts]
    lengths = np.fromiter(map(len, data), np.int64, len(data))
    hashes = np.full(len(data), _FNV_OFFSET)
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        block = np.frombuffer(b"".join([data[i] for i in rows.tolist()]), np.uint8).reshape(len(rows), length)
        h = hashes[rows]
        for j in range(length):
            h = (h ^ block[:, j]) * _FNV_PRIME
        hashes[rows] = h
    return mix64(hashes)


def mix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (fmix64) of each uint64: every output bit depends on every input bit."""
    hashes = np.array(values, dtype=np.uint64, copy=True)
    with np.errstate(over="ignore"):
        for multiplier in _MIX:
            hashes ^= hashes >> np.uint64(33)
            hashes *= multiplier
    return hashes ^ (hashes >> np.uint64(33))


_LENGTH_KEY = np.uint64(0x9E3779B97F4A7C15)


def _segment_sums(contributions: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Sum (mod 2**64) of contributions[start:end] for each segment, from one cumulative sum."""
    with np.errstate(over="ignore"):
        cumulative = np.concatenate([np.zeros(1, np.uint64), np.cumsum(contributions, dtype=np.uint64)])
        return cumulative[ends] - cumulative[starts]


def _value_hashes(values) -> np.ndarray:
    """A uint64 hash of each non-null value of a flat Arrow array (nulls get 0; callers mask them).

    Numbers hash their float64 value (-0.0 as 0.0, every NaN alike; integers beyond 2**53 round), so a column read
    as int64 in one file and float64 in another hashes alike (vectorized). Text and bytes hash their bytes with
    BLAKE2b (8-byte digest) straight from the array's data buffer: one C call per value, no copies (about 2 s per
    million serialized tf.Examples here, a fifth of a per-byte NumPy pass).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        numbers = pc.cast(values, pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False) + 0.0
        numbers[np.isnan(numbers)] = np.nan
        return mix64(numbers.view(np.uint64))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = values.cast(pa.large_binary() if pa.types.is_large_string(kind) else pa.binary())
        kind = values.type
    if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
        return _value_hashes(pc.cast(values, pa.string()))  # dates, decimals...: their text
    offset_type = np.int64 if pa.types.is_large_binary(kind) else np.int32
    _, offsets_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offsets_buffer, offset_type)[values.offset:values.offset + len(values) + 1].tolist()
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    digests = b"".join([hashlib.blake2b(data[start:end], digest_size=8).digest()
                        for start, end in zip(offsets[:-1], offsets[1:])])
    return np.frombuffer(digests, "<u8").astype(np.uint64) if digests else np.zeros(0, np.uint64)


def _cell_hashes(column):
    """(hash per row, present per row) of an Arrow column; list cells hash their values in order, and a null or
    empty cell is absent (as TFDV counts it missing)."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        offsets = column.offsets.to_numpy().astype(np.int64)
        flat = column.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
        offsets = offsets - offsets[0]
        lengths = np.diff(offsets)
        if column.null_count:
            lengths = np.where(column.is_null().to_numpy(zero_copy_only=False), 0, lengths)
        value_hashes = _value_hashes(flat)
        if flat.null_count:
            value_hashes = np.where(flat.is_null().to_numpy(zero_copy_only=False), _LENGTH_KEY, value_hashes)
        positions = np.arange(len(flat), dtype=np.int64) - np.repeat(offsets[:-1], np.diff(offsets))
        with np.errstate(over="ignore"):
            contributions = mix64(value_hashes + positions.astype(np.uint64) * _LENGTH_KEY)
            sums = _segment_sums(contributions, offsets[:-1], offsets[1:])
            return mix64(sums + lengths.astype(np.uint64)), lengths > 0
    present = ~column.is_null().to_numpy(zero_copy_only=False) if column.null_count else np.ones(len(column), bool)
    return _value_hashes(column), present


def row_hashes(table, seed: int = 0) -> np.ndarray:
    """A 64-bit hash of each row's content, the same on every machine, runner and file layout.

    The hash sums, over the columns (so their order does not matter), fmix64 of the cell's hash XOR the column
    name's hash; absent cells (null or empty) add nothing, so a column missing from one file equals a column of
    nulls. `seed` gives an independent family of hashes.

    Args:
      table: a pyarrow Table or RecordBatch.
      seed: any integer.

    Returns:
      uint64 array, one hash per row.
    """
    names = list(table.schema.names)
    name_keys = text_hashes(names) if names else np.zeros(0, np.uint64)
    total = np.zeros(table.num_rows, np.uint64)
    with np.errstate(over="ignore"):
        for index, name_key in zip(range(len(names)), name_keys):
            cells, present = _cell_hashes(table.column(index))
            total += np.where(present, mix64(cells ^ name_key), np.uint64(0))
        return mix64(total ^ mix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], np.uint64))[0])
