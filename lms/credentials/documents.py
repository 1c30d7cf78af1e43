"""The shapes we sign: an Open Badges 3.0 ``OpenBadgeCredential`` and the revocation status list.

Both are VC-JWTs as OB 3.0 §8.2 describes: JOSE header ``{"alg": "EdDSA", "kid": <DID URL>,
"typ": "JWT"}`` (no other header is allowed), payload = the credential itself plus the JWT
claims ``iss`` (issuer.id), ``jti`` (id), ``sub`` (credentialSubject.id), ``nbf`` (validFrom)
and ``exp`` (validUntil, when there is one).
"""

from __future__ import annotations

import datetime as dt
import uuid

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def subject_id(credential_uuid: uuid.UUID) -> str:
    """A per-credential subject id: it identifies the holder of this credential and links nothing else."""
    return f"urn:uuid:{uuid.uuid5(credential_uuid, 'credentialSubject')}"


def issuer_profile(*, did: str, name: str, url: str) -> dict:
    return {"id": did, "type": ["Profile"], "name": name, "url": url}


def open_badge_credential(
    *,
    credential_id: str,
    subject: str,
    subject_name: str,
    issuer: dict,
    achievement: dict,
    evidence: list[dict],
    valid_from: dt.datetime,
    valid_until: dt.datetime | None,
    status_entry: dict,
) -> dict:
    credential_subject = {"id": subject, "type": ["AchievementSubject"], "achievement": achievement}
    if subject_name:
        credential_subject["identifier"] = [
            {"type": "IdentityObject", "identityHash": subject_name, "identityType": "name", "hashed": False}
        ]
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": achievement.get("name", ""),
        "issuer": issuer,
        "validFrom": iso(valid_from),
        "credentialSubject": credential_subject,
        "credentialSchema": [{"id": OB_SCHEMA_ID, "type": OB_SCHEMA_TYPE}],
        "credentialStatus": status_entry,
    }
    if valid_until is not None:
        credential["validUntil"] = iso(valid_until)
    if evidence:
        credential["evidence"] = evidence
    return credential


def status_entry(*, list_url: str, index: int) -> dict:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(*, list_url: str, issuer_did: str, encoded_list: str, valid_from: dt.datetime) -> dict:
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }


def jwt_payload(credential: dict) -> dict:
    """The credential plus its JWT claims (OB 3.0 §8.2.2)."""
    payload = dict(credential)
    payload["iss"] = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else credential["issuer"]
    payload["jti"] = credential["id"]
    subject = credential["credentialSubject"]
    if isinstance(subject, dict) and subject.get("id"):
        payload["sub"] = subject["id"]
    payload["nbf"] = int(dt.datetime.fromisoformat(credential["validFrom"]).timestamp())
    if credential.get("validUntil"):
        payload["exp"] = int(dt.datetime.fromisoformat(credential["validUntil"]).timestamp())
    return payload


def credential_from_payload(payload: dict) -> dict:
    """The credential inside a JWT payload (also accepts the VC 1.1 ``vc`` claim)."""
    if isinstance(payload.get("vc"), dict):
        return payload["vc"]
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
