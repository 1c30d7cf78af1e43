"""W3C Bitstring Status List: the bitstring, its GZIP + base64url multibase encoding, and back.

Index 0 is the left-most (most significant) bit of the first byte. The list holds
``LIST_SIZE`` = 131,072 entries (16 KiB), the minimum the specification asks for, for herd privacy.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

LIST_SIZE = 131_072


class StatusListError(ValueError):
    pass


def encode(revoked: Iterable[int], size: int = LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise StatusListError(f"index {index} outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (prefix 'u')")
    try:
        data = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        bits = gzip.decompress(data)
    except (ValueError, OSError, EOFError) as exc:
        raise StatusListError(f"encodedList is not GZIP + base64url: {exc}") from exc
    if len(bits) * 8 < LIST_SIZE:
        raise StatusListError("the status list is shorter than 131,072 entries")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
