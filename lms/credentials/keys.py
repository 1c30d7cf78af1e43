"""Issuer signing keys: created lazily, rotated on demand, private halves encrypted at rest.

The private key is stored as AES-256-GCM ciphertext under a key derived (HKDF-SHA256) from
``SECRET_KEY``; ``SECRET_KEY_FALLBACKS`` are tried on decryption, so the usual Django secret
rotation keeps old keys usable. Nothing outside this module sees a private key.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..conf import conf
from ..models import SigningKey
from .jws import b64url_encode

_INFO = b"microlearn credential signing key v1"


class KeyDecryptionError(Exception):
    """A stored private key cannot be decrypted (SECRET_KEY changed without a fallback)."""


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint of an OKP public key."""
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def _wrapping_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def _secrets() -> list[str]:
    return [conf.host_setting("SECRET_KEY", ""), *conf.host_setting("SECRET_KEY_FALLBACKS", [])]


def _encrypt(raw: bytes, kid: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_wrapping_key(_secrets()[0])).encrypt(nonce, raw, kid.encode())


@functools.lru_cache(maxsize=32)
def _decrypt(blob: bytes, kid: str, secrets: tuple[str, ...]) -> bytes:
    nonce, ciphertext = blob[:12], blob[12:]
    for secret in secrets:
        with contextlib.suppress(InvalidTag):  # not this secret: try the next one
            return AESGCM(_wrapping_key(secret)).decrypt(nonce, ciphertext, kid.encode())
    raise KeyDecryptionError(f"The private key {kid} cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS.")


def private_key(key: SigningKey) -> Ed25519PrivateKey:
    raw = _decrypt(bytes(key.private_key_encrypted), key.kid, tuple(_secrets()))
    return Ed25519PrivateKey.from_private_bytes(raw)


def _new_key_row(*, active: bool) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw_public)}
    kid = thumbprint(jwk)
    jwk["kid"] = kid
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return SigningKey(kid=kid, public_jwk=jwk, private_key_encrypted=_encrypt(raw_private, kid), active=active)


def active_key() -> SigningKey:
    """The active key, created on first use. Concurrent first callers get the same key."""
    key = SigningKey.objects.filter(active=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _new_key_row(active=True)
            key.save()
            return key
    except IntegrityError:  # another process created it first (one active key: partial unique constraint)
        return SigningKey.objects.get(active=True)


def rotate() -> SigningKey:
    """Retire the active key (its public half stays published) and make a new active one."""
    with transaction.atomic():
        list(SigningKey.objects.select_for_update().filter(active=True))
        SigningKey.objects.filter(active=True).update(active=False, retired_at=timezone.now())
        key = _new_key_row(active=True)
        key.save()
    return key


def published_keys():
    """Every key whose public half is published (all of them: retired keys still verify old credentials)."""
    return SigningKey.objects.order_by("created_at", "pk")
