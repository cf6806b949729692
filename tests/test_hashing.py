"""text_hashes against a byte-by-byte reference (FNV-1a's published vectors, MurmurHash3's finalizer)."""
import random

from tfx_dcai.hashing import text_hashes

MASK = (1 << 64) - 1


def _fnv1a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    return h ^ (h >> 33)


def test_reference_gives_fnv1a_published_vectors():
    assert [_fnv1a(t) for t in (b"", b"a", b"foobar")] == [0xCBF29CE484222325, 0xAF63DC4C8601EC8C,
                                                          0x85944171F73967E8]


def test_text_hashes_equal_the_reference_on_texts_of_every_length():
    rng = random.Random(0)
    alphabet = "ab\x00é漢🙂 "
    texts = ["", "a", "foobar", "item1", "item1\x00"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(40))) for _ in range(300)]
    assert text_hashes(texts).tolist() == [_fmix64(_fnv1a(t.encode("utf-8"))) for t in texts]
    assert text_hashes([]).tolist() == []


def test_row_hashes_depend_on_content_not_on_column_order_batching_or_types_of_equal_numbers():
    import numpy as np
    import pyarrow as pa

    from tfx_dcai.hashing import row_hashes

    table = pa.table({"n": pa.array([[1], [2, 3], None, [], [4]]), "s": pa.array(["a", "bc", None, "", "a"]),
                      "f": pa.array([1.5, -0.0, float("nan"), None, 2.0])})
    hashes = row_hashes(table)
    assert len(set(hashes.tolist())) == 5
    reordered = table.select(["f", "s", "n"])
    assert row_hashes(reordered).tolist() == hashes.tolist()
    assert row_hashes(table.slice(1, 3)).tolist() == hashes[1:4].tolist()
    as_bytes = table.set_column(1, "s", pa.array([b"a", b"bc", None, b"", b"a"]))
    assert row_hashes(as_bytes).tolist() == hashes.tolist()
    zero = pa.table({"f": pa.array([0.0, -0.0]), "i": pa.array([0, 0])})
    assert len(set(row_hashes(zero).tolist())) == 1
    ints = pa.table({"x": pa.array([1, 2], pa.int64())})
    assert row_hashes(ints).tolist() == row_hashes(pa.table({"x": pa.array([1.0, 2.0])})).tolist()
    # a null cell equals an absent column; the seed gives another hash family
    assert row_hashes(pa.table({"x": [1.0], "y": pa.array([None], pa.float64())})).tolist() == \
        row_hashes(pa.table({"x": [1.0]})).tolist()
    assert row_hashes(table, seed=1).tolist() != hashes.tolist()
    assert hashes.dtype == np.uint64


def test_row_hashes_of_bytes_differ_by_byte_order_and_length():
    import pyarrow as pa

    from tfx_dcai.hashing import row_hashes

    values = [b"ab", b"ba", b"a", b"aa", b"", b"\x00", b"\x00\x00"]
    hashes = row_hashes(pa.table({"b": pa.array(values, pa.binary())})).tolist()
    assert len(set(hashes[:4] + hashes[5:])) == 6
