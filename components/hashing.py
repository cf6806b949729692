"""Hashes that are the same on every machine and in every process (Python's hash() of text is salted)."""
import hashlib


def hash64(data: bytes) -> int:
    """The first 8 bytes of the SHA-256 of `data`, as an unsigned big-endian integer."""
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def stable_hash(*parts) -> int:
    """hash64 of the parts' text joined by "|"."""
    return hash64("|".join(map(str, parts)).encode("utf-8"))


def unit_hash(*parts) -> float:
    """stable_hash scaled to [0, 1): a deterministic uniform draw."""
    return stable_hash(*parts) / 2 ** 64
