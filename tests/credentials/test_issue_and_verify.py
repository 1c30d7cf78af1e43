"""Issuing and verifying Open Badges 3.0 credentials, checked with independent implementations:
PyJWT (not our signer) for the signature, jsonschema with the 1EdTech schema for the shape, and a
status-list decoder written here from the W3C Bitstring Status List specification."""

import base64
import datetime as dt
import gzip
import io
import json
import uuid
from importlib import resources

import jsonschema
import jwt as pyjwt
import pytest
from django.db.models import Max
from django.utils import timezone

from lms.credentials import did, documents, jws, keys, services, statuslist, verify
from lms.models import IssuedCredential, SigningKey
from lms.services import certificates as certificate_services
from tests.factories import UserFactory

from .conftest import public_check

pytestmark = pytest.mark.django_db


# --- Independent helpers (written from the specifications, sharing no code with lms.credentials) ---


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pyjwt_verify(token: str, did_document: dict) -> dict:
    """Verify with PyJWT, resolving the header's kid in the DID document."""
    kid = pyjwt.get_unverified_header(token)["kid"]
    method = next(m for m in did_document["verificationMethod"] if m["id"] == kid)
    assert kid in did_document["assertionMethod"]
    key = pyjwt.PyJWK.from_dict(method["publicKeyJwk"], algorithm="EdDSA")
    return pyjwt.decode(token, key=key, algorithms=["EdDSA"], options={"verify_aud": False, "verify_sub": False})


def bit_is_set(encoded_list: str, index: int) -> bool:
    """W3C Bitstring Status List §3.2: multibase base64url ('u'), GZIP, index 0 = left-most bit."""
    assert encoded_list[0] == "u"
    bitstring = gzip.decompress(b64url(encoded_list[1:]))
    assert len(bitstring) * 8 >= 131_072
    return (bitstring[index // 8] >> (7 - index % 8)) & 1 == 1


def ob3_schema_validator():
    schema = json.loads(
        resources.files("lms.credentials").joinpath("data", "ob_v3p0_achievementcredential_schema.json").read_text()
    )
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


def served_status(client) -> dict:
    token = client.get("/credentials/status/revocation").content.decode()
    return pyjwt_verify(token, client.get("/.well-known/did.json").json())


def tamper(token: str, change) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(b64url(payload))
    change(data)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


# --- The credential ---------------------------------------------------------------------------


def test_an_issued_certificate_is_an_open_badge_credential(credential, certificate, client):
    payload = pyjwt_verify(credential.jwt, client.get("/.well-known/did.json").json())
    header = pyjwt.get_unverified_header(credential.jwt)
    assert header == {"alg": "EdDSA", "kid": f"did:web:testserver#{credential.key.kid}", "typ": "JWT"}

    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["id"] == f"urn:uuid:{credential.uuid}" == payload["jti"]
    assert payload["issuer"] == {
        "id": "did:web:testserver",
        "type": ["Profile"],
        "name": "Micro-connections Academy",
        "url": "http://testserver/",
    }
    assert payload["iss"] == "did:web:testserver"
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert payload["sub"] == subject["id"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityHash": "Ada Lovelace", "identityType": "name", "hashed": False}
    ]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == certificate.course_title
    assert achievement["description"] and achievement["criteria"]["narrative"]
    assert payload["evidence"][0]["id"].endswith(f"/certificates/verify/{certificate.verification_code}/")
    assert payload["nbf"] == int(dt.datetime.fromisoformat(payload["validFrom"]).timestamp())
    assert payload["credentialStatus"] == {
        "id": f"http://testserver/credentials/status/revocation#{credential.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(credential.status_index),
        "statusListCredential": "http://testserver/credentials/status/revocation",
    }
    credential_only = {k: v for k, v in payload.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}}
    assert list(ob3_schema_validator().iter_errors(credential_only)) == []


def test_the_credential_verifies_here(credential):
    result = public_check(credential.jwt)
    assert result.valid, result.message
    assert result.achievement_name and result.subject_name == "Ada Lovelace"


def test_the_bundled_contexts_are_the_published_ones():
    data = resources.files("lms.credentials").joinpath("data")
    vc = json.loads(data.joinpath("credentials_v2_context.json").read_text())
    ob = json.loads(data.joinpath("ob_v3p0_context-3.0.3.json").read_text())
    assert "BitstringStatusListEntry" in vc["@context"]
    assert "OpenBadgeCredential" in ob["@context"] and "AchievementSubject" in ob["@context"]


def test_expiry_follows_the_certificate(mini_programme):
    mini_programme.certificate_validity_months = 12
    mini_programme.save_revision().publish()
    from tests.factories_certificates import issued_certificate

    certificate = issued_certificate(mini_programme)
    credential = IssuedCredential.objects.get(object_id=str(certificate.uuid))
    payload = jws.parse(credential.jwt)[1]
    until = dt.datetime.fromisoformat(payload["validUntil"])
    assert timezone.localtime(until).date() == certificate.expires_on + dt.timedelta(days=1)
    assert payload["exp"] == int(until.timestamp())
    assert public_check(credential.jwt, now=until - dt.timedelta(seconds=1)).valid
    expired = public_check(credential.jwt, now=until)
    assert (expired.valid, expired.reason) == (False, "expired")


# --- Keys ---------------------------------------------------------------------------------------


def test_keys_are_created_on_first_issue_and_private_halves_never_published(mini_programme, client):
    assert not SigningKey.objects.exists()
    from tests.factories_certificates import issued_certificate

    issued_certificate(mini_programme)
    key = SigningKey.objects.get()
    assert key.active
    document = client.get("/.well-known/did.json").json()
    assert '"d"' not in json.dumps(document)
    raw_private = keys.private_key(key).private_bytes_raw()
    assert raw_private not in bytes(key.private_key_encrypted)


def test_a_rotated_key_keeps_old_credentials_valid(credential, certificate, client, mini_course_two):
    from django.core.management import call_command

    old_kid = credential.key.kid
    out = io.StringIO()
    call_command("rotate_credential_key", stdout=out)
    assert "1 older key(s) still published" in out.getvalue()
    active = SigningKey.objects.get(active=True)
    assert active.kid != old_kid and SigningKey.objects.count() == 2
    document = client.get("/.well-known/did.json").json()
    assert [m["id"] for m in document["verificationMethod"]] == [
        f"did:web:testserver#{old_kid}",
        f"did:web:testserver#{active.kid}",
    ]
    assert pyjwt_verify(credential.jwt, document)["jti"] == credential.urn
    assert public_check(credential.jwt).valid

    from tests.factories_certificates import issued_certificate

    newer = issued_certificate(mini_course_two)
    new_credential = IssuedCredential.objects.get(object_id=str(newer.uuid))
    assert new_credential.key == active
    assert pyjwt.get_unverified_header(new_credential.jwt)["kid"].endswith(active.kid)
    assert public_check(new_credential.jwt).valid


def test_a_key_encrypted_under_an_old_secret_still_signs(credential, settings):
    key = credential.key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-after-rotation"
    keys._decrypt.cache_clear()
    assert keys.private_key(key).public_key().public_bytes_raw() == b64url(key.public_jwk["x"])
    settings.SECRET_KEY_FALLBACKS = []
    keys._decrypt.cache_clear()
    with pytest.raises(keys.KeyDecryptionError):
        keys.private_key(key)
    keys._decrypt.cache_clear()


def test_did_web_encodes_the_port():
    assert did.issuer_did("http://localhost:8000/") == "did:web:localhost%3A8000"
    assert did.issuer_did("https://Learn.Example.org") == "did:web:learn.example.org"
    assert did.did_json_url("did:web:localhost%3A8000") == "http://localhost:8000/.well-known/did.json"
    assert did.did_json_url("did:web:learn.example.org") == "https://learn.example.org/.well-known/did.json"


# --- Revocation -------------------------------------------------------------------------------


def test_revoking_the_certificate_revokes_the_credential(credential, certificate, client):
    before = served_status(client)
    assert not bit_is_set(before["credentialSubject"]["encodedList"], credential.status_index)
    certificate_services.certificate_revoke(certificate=certificate, reason="Issued in error")
    after = served_status(client)
    assert after["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert after["credentialSubject"]["statusPurpose"] == "revocation"
    assert bit_is_set(after["credentialSubject"]["encodedList"], credential.status_index)
    result = public_check(credential.jwt)
    assert (result.valid, result.reason) == (False, "revoked")


def test_a_reissue_revokes_the_old_credential_and_issues_a_new_one(credential, certificate):
    new = certificate_services.certificate_reissue(certificate=certificate)
    certificate_services.certificate_render(certificate_id=new.pk)
    assert public_check(credential.jwt).reason == "revoked"
    replacement = IssuedCredential.objects.get(object_id=str(new.uuid))
    assert replacement.status_index != credential.status_index
    assert public_check(replacement.jwt).valid


def test_status_list_encoding_round_trips_and_is_big_enough():
    encoded = statuslist.encode([0, 7, 8, 131_071])
    assert all(bit_is_set(encoded, i) for i in (0, 7, 8, 131_071))
    assert not any(bit_is_set(encoded, i) for i in (1, 6, 9, 131_070))
    assert len(statuslist.decode(encoded)) == 16_384
    with pytest.raises(statuslist.StatusListError):
        statuslist.encode([131_072])


# --- Failures and their reasons -------------------------------------------------------------


def test_a_tampered_credential_fails_on_the_signature(credential):
    forged = tamper(credential.jwt, lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Mallory"))
    result = public_check(forged)
    assert (result.valid, result.reason) == (False, "signature")
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt_verify(forged, services.did_document())


def test_a_tampered_readable_part_of_the_file_fails_on_the_signature(credential):
    file = services.credential_file(credential)
    assert public_check(json.dumps(file)).valid
    file["credential"]["name"] = "Something grander"
    assert public_check(json.dumps(file)).reason == "signature"


def test_a_credential_from_another_issuer_is_unknown(credential, settings):
    settings.MICROLEARN_BASE_URL = "https://elsewhere.example"
    result = public_check(credential.jwt)
    assert (result.valid, result.reason) == (False, "issuer unknown")


def test_a_key_we_never_published_is_unknown(credential):
    document = services.did_document()
    document["verificationMethod"] = []
    result = verify.verify(credential.jwt, did_document=document, status_list=services.status_list_jwt())
    assert result.reason == "issuer unknown"


@pytest.mark.parametrize("text", ["", "not a credential", "a.b.c", '{"credential": {}}', "[1, 2]"])
def test_garbage_is_malformed(db, text):
    result = verify.verify(text, did_document=services.did_document(), status_list=None)
    assert (result.valid, result.reason) == (False, "malformed")


def test_a_signed_credential_that_breaks_the_ob3_schema_fails_on_the_schema(credential):
    payload = jws.parse(credential.jwt)[1]
    del payload["credentialSubject"]["achievement"]["criteria"]
    token = services._sign(payload, credential.key)
    result = public_check(token)
    assert (result.valid, result.reason) == (False, "schema")
    assert "criteria" in result.message


def test_without_the_status_list_revocation_cannot_be_ruled_out(credential):
    result = verify.verify(credential.jwt, did_document=services.did_document(), status_list=None)
    assert (result.valid, result.reason) == (False, "status unavailable")


# --- The generic issuing API -------------------------------------------------------------------


def achievement(**extra):
    return {
        "id": "urn:uuid:" + str(uuid.uuid4()),
        "name": "Practice streak",
        "description": "Eight weeks of practice.",
        "criteria": {"narrative": "Practise every week."},
        **extra,
    }


def test_issue_credential_is_generic_and_idempotent(db):
    holder = UserFactory()
    kwargs = {
        "kind": "practice_badge",
        "object_id": "42",
        "holder": holder,
        "achievement": achievement(),
        "evidence": [],
        "valid_from": timezone.now(),
        "valid_until": None,
        "subject_name": "Grace Hopper",
    }
    first = services.issue_credential(**kwargs)
    again = services.issue_credential(**kwargs)
    assert first.pk == again.pk and first.status_index == 0
    assert public_check(first.jwt).valid
    assert services.revoke_credential("practice_badge", "42", "withdrawn").revoked_at is not None
    assert services.revoke_credential("practice_badge", "42", "withdrawn") is None
    assert public_check(first.jwt).reason == "revoked"
    renewed = services.issue_credential(**kwargs)
    assert renewed.pk != first.pk and renewed.status_index == 1


def test_an_achievement_without_criteria_is_refused(db):
    bad = achievement()
    del bad["criteria"]
    with pytest.raises(services.CredentialError, match="criteria"):
        services.issue_credential(
            kind="practice_badge",
            object_id="1",
            holder=None,
            achievement=bad,
            evidence=[],
            valid_from=timezone.now(),
            valid_until=None,
            subject_name="",
        )


def test_a_status_index_taken_concurrently_moves_to_the_next(db, monkeypatch):
    """Two issuers read the same maximum; the unique constraint makes the loser take the next index."""
    common = {"holder": None, "evidence": [], "valid_from": timezone.now(), "valid_until": None, "subject_name": ""}
    services.issue_credential(kind="practice_badge", object_id="a", achievement=achievement(), **common)
    real_aggregate = IssuedCredential.objects.aggregate
    calls = []

    def stale_then_real(*args, **kwargs):
        calls.append(1)
        return {"m": None} if len(calls) == 1 else real_aggregate(*args, **kwargs)

    monkeypatch.setattr(IssuedCredential.objects, "aggregate", stale_then_real)
    second = services.issue_credential(kind="practice_badge", object_id="b", achievement=achievement(), **common)
    assert len(calls) == 2 and second.status_index == 1
    assert IssuedCredential.objects.aggregate(m=Max("status_index"))["m"] == 1


def test_a_credential_not_yet_valid(db):
    start = timezone.now() + dt.timedelta(days=2)
    issued = services.issue_credential(
        kind="practice_badge",
        object_id="future",
        holder=None,
        achievement=achievement(),
        evidence=[{"type": ["Evidence"], "name": "Log"}],
        valid_from=start,
        valid_until=None,
        subject_name="",
    )
    assert public_check(issued.jwt).reason == "not yet valid"
    assert public_check(issued.jwt, now=start + dt.timedelta(seconds=1)).valid


# --- Erasure -----------------------------------------------------------------------------------


def test_erasing_the_account_drops_the_credential_holder_and_name(credential, certificate, client):
    from lms.services.account_erasure import account_erase

    user = certificate.enrolment.user
    token = credential.jwt
    account_erase(user=user)
    credential.refresh_from_db()
    assert (credential.holder, credential.subject_name, credential.jwt) == (None, "", "")
    assert credential.holder_erased_at is not None
    assert public_check(token).valid  # the copy the person kept still verifies, as the certificate does


def test_documents_iso_is_utc_seconds():
    moment = dt.datetime(2026, 5, 1, 12, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert documents.iso(moment) == "2026-05-01T10:30:15Z"
