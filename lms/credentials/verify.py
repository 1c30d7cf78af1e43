"""Verify an Open Badges 3.0 VC-JWT using public data only: the DID document and the status list.

Nothing here reads the database or the network: callers pass the issuer's DID document and the
signed status list (the site passes its own; ``manage.py verify_credential`` fetches them or reads
files). The result says *why* a credential fails, as one of ``REASONS``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from importlib import resources

from . import documents, jws, statuslist

MALFORMED = "malformed"
ISSUER_UNKNOWN = "issuer unknown"
SIGNATURE = "signature"
SCHEMA = "schema"
EXPIRED = "expired"
NOT_YET_VALID = "not yet valid"
REVOKED = "revoked"
STATUS_UNAVAILABLE = "status unavailable"
REASONS = (MALFORMED, ISSUER_UNKNOWN, SIGNATURE, SCHEMA, EXPIRED, NOT_YET_VALID, REVOKED, STATUS_UNAVAILABLE)
MAX_INPUT = 256 * 1024


@dataclass
class VerificationResult:
    valid: bool
    reason: str = ""
    message: str = ""
    credential: dict | None = field(default=None, repr=False)
    kid: str = ""

    @property
    def achievement_name(self) -> str:
        try:
            return self.credential["credentialSubject"]["achievement"]["name"]
        except (KeyError, TypeError):
            return ""

    @property
    def subject_name(self) -> str:
        try:
            for identifier in self.credential["credentialSubject"].get("identifier", []):
                if identifier.get("identityType") == "name" and not identifier.get("hashed"):
                    return identifier.get("identityHash", "")
        except (KeyError, TypeError, AttributeError):
            pass
        return ""


class _Fail(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


def data_file(name: str) -> bytes:
    return resources.files("lms.credentials").joinpath("data", name).read_bytes()


@functools.cache
def schema_validator():
    import jsonschema

    schema = json.loads(data_file("ob_v3p0_achievementcredential_schema.json"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def extract_token(text: str) -> tuple[str, dict | None]:
    """The compact JWS in a pasted or uploaded credential: a raw JWT, or our ``.json`` file
    (``{"credential": {...}, "jwt": "..."}``), or a JSON string holding the JWT."""
    text = (text or "").strip()
    if not text:
        raise _Fail(MALFORMED, "The credential is empty.")
    if len(text) > MAX_INPUT:
        raise _Fail(MALFORMED, "The credential is too large to be one of ours.")
    if text[0] in '{"':
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise _Fail(MALFORMED, f"The file is not valid JSON ({exc.msg}).") from exc
        if isinstance(data, str):
            return data.strip(), None
        if isinstance(data, dict) and isinstance(data.get("jwt"), str):
            shown = data.get("credential")
            return data["jwt"].strip(), shown if isinstance(shown, dict) else None
        raise _Fail(MALFORMED, 'The JSON holds no VC-JWT: expected a "jwt" member with the signed credential.')
    return text, None


def _key_for(kid: str, did_document: dict, issuer: str):
    if not isinstance(did_document, dict) or did_document.get("id") != issuer:
        raise _Fail(ISSUER_UNKNOWN, f"The issuer {issuer or '(none)'} is not the issuer whose DID document we have.")
    if not kid.startswith(issuer + "#"):
        raise _Fail(ISSUER_UNKNOWN, "The signing key does not belong to the issuer.")
    assertion = set(did_document.get("assertionMethod") or [])
    for method in did_document.get("verificationMethod") or []:
        if isinstance(method, dict) and method.get("id") == kid and kid in assertion:
            try:
                return jws.public_key_from_jwk(method.get("publicKeyJwk"))
            except jws.JWSError as exc:
                raise _Fail(ISSUER_UNKNOWN, f"The issuer's key is unusable: {exc}.") from exc
    raise _Fail(ISSUER_UNKNOWN, "The signing key is not one the issuer publishes.")


def _verified_payload(token: str, did_document: dict) -> tuple[dict, str]:
    try:
        header, payload, signing_input, signature = jws.parse(token)
    except jws.JWSError as exc:
        raise _Fail(MALFORMED, f"Not a compact JWS: {exc}.") from exc
    if header.get("alg") != "EdDSA" or header.get("typ", "JWT") != "JWT" or not isinstance(header.get("kid"), str):
        raise _Fail(MALFORMED, "The JOSE header must be alg EdDSA, typ JWT, with a kid.")
    issuer = payload.get("iss")
    if not isinstance(issuer, str):
        raise _Fail(MALFORMED, "The JWT has no iss claim.")
    public_key = _key_for(header["kid"], did_document, issuer)
    if not jws.verify_signature(signing_input=signing_input, signature=signature, public_key=public_key):
        raise _Fail(SIGNATURE, "The signature does not match: the credential was altered or not signed by the issuer.")
    return payload, header["kid"]


def _parse_time(value) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise _Fail(MALFORMED, f"Not a date-time: {value!r}.") from exc
    if moment.tzinfo is None:
        raise _Fail(MALFORMED, f"A date-time without a time zone: {value!r}.")
    return moment


def _check_status(credential: dict, did_document: dict, status_list: str | None, now: dt.datetime) -> None:
    entry = credential.get("credentialStatus")
    if entry is None:
        return
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise _Fail(MALFORMED, "credentialStatus is not a BitstringStatusListEntry.")
    if entry.get("statusPurpose") != "revocation":
        return  # only revocation is checked
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError) as exc:
        raise _Fail(MALFORMED, "statusListIndex is not a number.") from exc
    if not status_list:
        raise _Fail(STATUS_UNAVAILABLE, "The status list could not be read, so revocation cannot be ruled out.")
    try:
        list_payload, _kid = _verified_payload(status_list, did_document)
    except _Fail as exc:
        raise _Fail(STATUS_UNAVAILABLE, f"The status list does not verify ({exc.reason}).") from exc
    list_credential = documents.credential_from_payload(list_payload)
    if list_credential.get("id") != entry.get("statusListCredential"):
        raise _Fail(STATUS_UNAVAILABLE, "The status list given is not the one the credential names.")
    if list_payload.get("iss") != credential_issuer(credential):
        raise _Fail(STATUS_UNAVAILABLE, "The status list was issued by someone else.")
    subject = list_credential.get("credentialSubject") or {}
    if subject.get("statusPurpose") != "revocation":
        raise _Fail(STATUS_UNAVAILABLE, "The status list is not a revocation list.")
    try:
        revoked = statuslist.is_set(statuslist.decode(subject.get("encodedList")), index)
    except statuslist.StatusListError as exc:
        raise _Fail(STATUS_UNAVAILABLE, f"The status list is unreadable: {exc}.") from exc
    if revoked:
        raise _Fail(REVOKED, "The issuer has revoked this credential.")


def credential_issuer(credential: dict) -> str:
    issuer = credential.get("issuer")
    return issuer.get("id", "") if isinstance(issuer, dict) else issuer or ""


def verify(text: str, *, did_document: dict, status_list: str | None, now: dt.datetime | None = None):
    """Verify a credential (raw VC-JWT or our ``.json`` file). Checks, in order: well-formed,
    issuer and key known, signature, OB 3.0 JSON Schema, validity period, revocation."""
    now = now or dt.datetime.now(dt.UTC)
    credential = None
    kid = ""
    try:
        token, shown = extract_token(text)
        payload, kid = _verified_payload(token, did_document)
        credential = documents.credential_from_payload(payload)
        if shown is not None and shown != credential:
            raise _Fail(SIGNATURE, "The readable credential in the file differs from the signed one.")
        if credential_issuer(credential) != payload.get("iss") or payload.get("jti") != credential.get("id"):
            raise _Fail(MALFORMED, "The JWT claims (iss, jti) do not match the credential.")
        errors = sorted(schema_validator().iter_errors(credential), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path) or "(root)"
            raise _Fail(SCHEMA, f"Not a valid Open Badges 3.0 credential at {where}: {errors[0].message[:200]}")
        if "OpenBadgeCredential" not in credential.get("type", []) and "AchievementCredential" not in credential.get(
            "type", []
        ):
            raise _Fail(SCHEMA, "Not an OpenBadgeCredential.")
        status_failure = None
        try:
            _check_status(credential, did_document, status_list, now)
        except _Fail as failure:
            if failure.reason == REVOKED:
                raise  # revocation says more than expiry
            status_failure = failure
        if _parse_time(credential["validFrom"]) > now:
            raise _Fail(NOT_YET_VALID, f"The credential is valid only from {credential['validFrom']}.")
        if credential.get("validUntil") and _parse_time(credential["validUntil"]) <= now:
            raise _Fail(EXPIRED, f"The credential expired on {credential['validUntil']}.")
        if status_failure is not None:
            raise status_failure
    except _Fail as failure:
        return VerificationResult(False, failure.reason, failure.message, credential, kid)
    return VerificationResult(True, "", "The credential is genuine, current and not revoked.", credential, kid)
