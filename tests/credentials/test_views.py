"""The credential pages: DID document, status list, the holder's download, the verification page."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lms.credentials import jws
from lms.services import certificates as certificate_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VERIFY = "/credentials/verify/"


def download_url(certificate):
    return f"/certificates/{certificate.uuid}/credential.json"


def test_did_document_is_public_and_lists_the_key(client, credential):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    document = response.json()
    assert document["id"] == "did:web:testserver"
    [method] = document["verificationMethod"]
    assert method["type"] == "JsonWebKey2020" and method["controller"] == "did:web:testserver"
    assert method["publicKeyJwk"] == {k: credential.key.public_jwk[k] for k in ("kty", "crv", "x")}
    assert document["assertionMethod"] == [method["id"]]


def test_status_list_is_a_signed_vc_jwt(client, credential):
    response = client.get("/credentials/status/revocation")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    header, payload, _input, _signature = jws.parse(response.content.decode())
    assert header["alg"] == "EdDSA" and payload["id"] == "http://testserver/credentials/status/revocation"


def test_the_holder_downloads_the_credential_file(client, certificate, credential):
    client.force_login(certificate.enrolment.user)
    response = client.get(download_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="credential-{credential.uuid}.json"'
    body = json.loads(response.content)
    assert body["jwt"] == credential.jwt and body["format"] == "vc-jwt"
    assert body["credential"]["id"] == credential.urn
    assert "iss" not in body["credential"]


def test_nobody_else_downloads_it(client, certificate, settings):
    other = UserFactory()
    client.force_login(other)
    assert client.get(download_url(certificate)).status_code == 404
    client.logout()
    assert client.get(download_url(certificate)).status_code == 302  # to the login page
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get(download_url(certificate)).status_code == 404  # the holder's own file only


def test_a_revoked_certificate_has_no_credential_to_download(client, certificate):
    certificate_services.certificate_revoke(certificate=certificate, reason="Error")
    client.force_login(certificate.enrolment.user)
    assert client.get(download_url(certificate)).status_code == 404


def test_learn_offers_the_credential_next_to_the_pdf(client, certificate):
    client.force_login(certificate.enrolment.user)
    html = client.get("/learn/").content.decode()
    assert f'href="{download_url(certificate)}"' in html
    assert "Download credential (.json)" in html


def test_verify_a_pasted_jwt(client, credential):
    response = client.post(VERIFY, {"credential": credential.jwt})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-valid="true"' in html and "Ada Lovelace" in html


def test_verify_an_uploaded_file(client, certificate, credential):
    client.force_login(certificate.enrolment.user)
    file_body = client.get(download_url(certificate)).content
    client.logout()
    upload = SimpleUploadedFile("credential.json", file_body, content_type="application/json")
    response = client.post(VERIFY, {"file": upload})
    assert response.status_code == 200 and 'data-valid="true"' in response.content.decode()


def test_verify_says_revoked(client, certificate, credential):
    certificate_services.certificate_revoke(certificate=certificate, reason="Error")
    response = client.post(VERIFY, {"credential": credential.jwt})
    assert response.status_code == 422
    assert 'data-reason="revoked"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Paste a credential or choose its file."), ({"credential": " "}, "Paste a credential or choose its file.")],
)
def test_verify_asks_for_a_credential(client, data, message):
    response = client.post(VERIFY, data)
    assert response.status_code == 200 and message in response.content.decode()


def test_verify_says_malformed(client, db):
    response = client.post(VERIFY, {"credential": "hello"})
    assert response.status_code == 422 and 'data-reason="malformed"' in response.content.decode()


def test_the_code_page_shows_the_credential_check(client, certificate, credential):
    html = client.get(f"/certificates/verify/{certificate.verification_code}/").content.decode()
    assert 'id="credential-check"' in html and 'data-valid="true"' in html
    certificate_services.certificate_revoke(certificate=certificate, reason="Error")
    html = client.get(f"/certificates/verify/{certificate.verification_code}/").content.decode()
    assert 'data-reason="revoked"' in html


def test_verify_credential_command(tmp_path, client, credential, certificate):
    from django.core.management import CommandError, call_command

    token = tmp_path / "credential.jwt"
    token.write_text(credential.jwt)
    did_file = tmp_path / "did.json"
    did_file.write_text(client.get("/.well-known/did.json").content.decode())
    status_file = tmp_path / "status.jwt"
    status_file.write_text(client.get("/credentials/status/revocation").content.decode())
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        call_command(
            "verify_credential", str(token), did_document=str(did_file), status_list=str(status_file), stdout=stdout
        )
    assert out.read_text().startswith("VALID: ")

    certificate_services.certificate_revoke(certificate=certificate, reason="Error")
    status_file.write_text(client.get("/credentials/status/revocation").content.decode())
    with pytest.raises(CommandError, match=r"NOT VALID \(revoked\)"):
        call_command("verify_credential", str(token), did_document=str(did_file), status_list=str(status_file))
    token.write_text("garbage")
    with pytest.raises(CommandError, match=r"NOT VALID \(malformed\)"):
        call_command("verify_credential", str(token), did_document=str(did_file), status_list=str(status_file))


def test_learn_certificates_section_runs_a_constant_number_of_queries(
    rf, certificate, mini_course_two, django_assert_num_queries
):
    """Certificates, then their credentials: one query each, whatever their number."""
    from lms.views.certificates import certificates_section
    from tests.factories_certificates import issued_certificate

    user = certificate.enrolment.user
    request = rf.get("/learn/")
    request.user = user
    certificates_section(request)  # warm: the site and its certificate settings are cached on the request
    with django_assert_num_queries(2):
        section = certificates_section(request)
    assert [bool(row["credential"]) for row in section["rows"]] == [True]
    issued_certificate(mini_course_two, user=user)
    with django_assert_num_queries(2):
        section = certificates_section(request)
    assert [bool(row["credential"]) for row in section["rows"]] == [True, True]


def test_issue_certificates_backfills_missing_credentials(certificate, credential):
    from io import StringIO

    from django.core.management import call_command

    from lms.models import IssuedCredential

    IssuedCredential.objects.all().delete()  # as if issued before credentials existed
    out = StringIO()
    call_command("issue_certificates", stdout=out)
    assert "Signed 1 missing Open Badges credential(s)." in out.getvalue()
    backfilled = IssuedCredential.objects.get(object_id=str(certificate.uuid))
    assert backfilled.holder == certificate.enrolment.user
    out = StringIO()
    call_command("issue_certificates", stdout=out)
    assert "missing Open Badges" not in out.getvalue()
