"""The issuer's identity: ``did:web`` of the site's host, and its DID document."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..conf import conf

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]


def site_base_url() -> str:
    return conf.base_url() or "http://localhost"


def issuer_did(base_url: str | None = None) -> str:
    """``did:web:<host>``; a port is percent-encoded (``did:web:localhost%3A8000``)."""
    parts = urlsplit(base_url or site_base_url())
    host = (parts.hostname or "localhost").lower()
    if parts.port:
        host = f"{host}%3A{parts.port}"
    return f"did:web:{host}"


def did_json_url(did: str) -> str:
    """Where ``did:web`` resolves (the DID method's rule; https, except for localhost in development)."""
    host = did.removeprefix("did:web:").split(":")[0].replace("%3A", ":")
    scheme = "http" if host.split(":")[0] in {"localhost", "127.0.0.1", "testserver"} else "https"
    return f"{scheme}://{host}/.well-known/did.json"


def verification_method_id(did: str, kid: str) -> str:
    return f"{did}#{kid}"


def did_document(keys) -> dict:
    """The DID document: one ``JsonWebKey2020`` method per key, newest last, all for assertions."""
    did = issuer_did()
    methods = []
    for key in keys:
        jwk = {k: key.public_jwk[k] for k in ("kty", "crv", "x")}
        methods.append(
            {
                "id": verification_method_id(did, key.kid),
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": jwk,
            }
        )
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
