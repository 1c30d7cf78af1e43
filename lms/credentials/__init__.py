"""Open Badges 3.0 credentials, signed as VC-JWT with Ed25519 (docs/credentials.md, ADR 0006).

Modules: ``jws`` (compact JWS, EdDSA), ``keys`` (signing keys: lazy creation, rotation,
encryption at rest), ``did`` (the ``did:web`` issuer and its DID document), ``documents`` (the
credential and status-list shapes), ``statuslist`` (Bitstring Status List encoding),
``services`` (issue, revoke, erase: the public surface), ``verify`` (offline verification with
a reason), ``data/`` (the bundled JSON-LD contexts and the OB 3.0 JSON Schema).
"""
