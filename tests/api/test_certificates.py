"""Certificates through the API: list, retrieve, PDF download, and the certificate webhooks."""

import json

import pytest

from api.models import WebhookDelivery, WebhookEndpoint
from api.v1 import webhooks
from lms import events
from lms.models import Certificate

pytestmark = pytest.mark.django_db


def test_list_retrieve_and_filter(token_client, world, other_world):
    rows = token_client.get("/api/v1/certificates/").json()["results"]
    assert [row["id"] for row in rows] == [str(world.certificate.uuid)]
    row = rows[0]
    assert row["serial"] == world.certificate.serial and row["status"] == "issued"
    assert row["verify_url"].endswith(f"/certificates/verify/{world.certificate.verification_code}/")
    assert row["expires_at"] == "2028-03-20" and row["issued_at"].endswith("Z")
    assert row["participant"] == str(world.member.uuid) and row["enrolment"] == str(world.enrolment.uuid)
    assert token_client.get(f"/api/v1/certificates/{row['id']}/").json() == row
    filtered = token_client.get("/api/v1/certificates/", {"participant": str(world.member.uuid)}).json()["results"]
    assert len(filtered) == 1
    assert token_client.get("/api/v1/certificates/", {"status": "revoked"}).json()["results"] == []


def test_pdf_download(token_client, world):
    response = token_client.get(f"/api/v1/certificates/{world.certificate.uuid}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert token_client.get(f"/api/v1/certificates/{world.certificate.uuid}/pdf/").status_code == 200


def test_certificate_webhooks(token_client, world, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(webhooks, "post", lambda url, body, headers: sent.append(json.loads(body)) or 200)
    WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(events=["certificate.issued", "certificate.revoked"])
    certificate = Certificate.objects.get(pk=world.certificate.pk)
    common = {"certificate_id": certificate.pk, "enrolment_id": world.enrolment.pk, "user_id": world.member.user_id}
    with django_capture_on_commit_callbacks(execute=True):
        # Webhooks push the events outbox, which send_on_commit writes (a bare signal is not recorded).
        events.send_on_commit(
            events.certificate_issued,
            Certificate,
            course_id=world.course.pk,
            occurred_at=certificate.created_at,
            **common,
        )
        events.send_on_commit(
            events.certificate_revoked,
            Certificate,
            course_id=world.course.pk,
            reason="error",
            occurred_at=certificate.created_at,
            **common,
        )
    assert [event["type"] for event in sent] == ["certificate.issued", "certificate.revoked"]
    assert sent[0]["data"]["serial"] == certificate.serial and sent[0]["data"]["id"] == str(certificate.uuid)
    assert "reason" not in sent[1]["data"]  # free text never goes into events
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 2


def test_the_certificate_credential(token_client, world, other_world):
    """The Open Badges credential of a certificate: the VC-JWT and its payload; org-scoped."""
    import jwt as pyjwt

    from lms.credentials import services as credential_services
    from lms.services.certificates import certificate_credential_issue

    url = f"/api/v1/certificates/{world.certificate.uuid}/credential/"
    assert token_client.get(url).status_code == 404  # issued before credentials existed: none yet
    credential = certificate_credential_issue(certificate=world.certificate)
    body = token_client.get(url).json()
    assert body["id"] == credential.urn and body["certificate"] == str(world.certificate.uuid)
    assert body["status"] == "active" and body["issuer"] == "did:web:testserver"
    assert body["status_list_index"] == credential.status_index
    assert body["jwt"] == credential.jwt
    document = credential_services.did_document()
    key = pyjwt.PyJWK.from_dict(document["verificationMethod"][0]["publicKeyJwk"], algorithm="EdDSA")
    payload = pyjwt.decode(body["jwt"], key=key, algorithms=["EdDSA"], options={"verify_sub": False})
    assert body["credential"] == {k: v for k, v in payload.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}}
    assert body["credential"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]

    other = f"/api/v1/certificates/{other_world.certificate.uuid}/credential/"
    certificate_credential_issue(certificate=other_world.certificate)
    assert token_client.get(other).status_code == 404  # another organisation's certificate

    Certificate.objects.filter(pk=world.certificate.pk).update(holder_erased_at="2026-01-01T00:00:00Z")
    assert token_client.get(url).status_code == 410


def test_the_credential_endpoint_is_in_the_schema():
    from tests.api.test_schema import load_schema

    operation = load_schema()["paths"]["/api/v1/certificates/{id}/credential/"]["get"]
    assert {"200", "404", "410"} <= set(operation["responses"])
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/CertificateCredentialOut")
