"""Compact JWS with EdDSA (Ed25519), RFC 7515 / RFC 8037. Small on purpose: one algorithm only."""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class JWSError(ValueError):
    """Not a well-formed compact JWS."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(ch not in _B64URL for ch in text):
        raise JWSError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode()


def sign(*, header: dict, payload: dict, private_key: Ed25519PrivateKey) -> str:
    signing_input = f"{b64url_encode(_json(header))}.{b64url_encode(_json(payload))}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def parse(token: str) -> tuple[dict, dict, bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS; :class:`JWSError` if malformed."""
    if not isinstance(token, str):
        raise JWSError("not a string")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JWSError("a compact JWS has three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise JWSError(f"undecodable part: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JWSError("header and payload must be JSON objects")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def verify_signature(*, signing_input: bytes, signature: bytes, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(signature, signing_input)
    except InvalidSignature:
        return False
    return True


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        raise JWSError("not an Ed25519 public JWK")
    raw = b64url_decode(jwk.get("x", ""))
    if len(raw) != 32:
        raise JWSError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)
