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
