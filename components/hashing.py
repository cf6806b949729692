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
    for multiplier in _MIX:
        hashes ^= hashes >> np.uint64(33)
        hashes *= multiplier
    return hashes ^ (hashes >> np.uint64(33))
