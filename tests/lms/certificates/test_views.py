"""Verification page, throttling, downloads (permission matrix), the /learn/ section, the admin."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.certificates import pdf
from lms.models import Certificate, CertificateStatus
from lms.services import certificates as certificate_services
from tests.factories import CohortFactory, UserFactory
from tests.factories_certificates import completed_enrolment, issued_certificate

pytestmark = pytest.mark.django_db


def verify_path(certificate) -> str:
    return reverse("microlearn_lms:certificate_verify", kwargs={"code": certificate.verification_code})


def download_path(certificate) -> str:
    return reverse("microlearn_lms:certificate_download", kwargs={"uuid": certificate.uuid})


# --- Verification ------------------------------------------------------------------------------


def test_valid_certificate_shows_name_course_date_issuer_and_nothing_else(client, mini_programme):
    cohort = CohortFactory(course=mini_programme, organisation__name="Secret Client Ltd")
    certificate = issued_certificate(
        mini_programme, cohort=cohort, first_name="Ada", last_name="Lovelace", email="ada@private.example"
    )
    response = client.get(verify_path(certificate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is valid." in html
    for shown in ("Ada Lovelace", "Test course", certificate.issued_on.strftime("%Y"), "Micro-connections Academy"):
        assert shown in html
    for hidden in ("ada@private.example", "Secret Client Ltd", certificate.serial, str(certificate.uuid)):
        assert hidden not in html
    assert response["X-Robots-Tag"] == "noindex"


def test_revoked_expired_and_superseded_states(client, certificate, django_capture_on_commit_callbacks):
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=datetime.date(2020, 1, 1))
    assert "This certificate expired on 1 January 2020." in client.get(verify_path(certificate)).content.decode()

    certificate_services.certificate_revoke(certificate=certificate, reason="Completed by someone else")
    html = client.get(verify_path(certificate)).content.decode()
    assert "This certificate was revoked on" in html and "Completed by someone else" in html

    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_services.certificate_reissue(certificate=certificate)
    html = client.get(verify_path(certificate)).content.decode()
    assert "superseded" in html and f'href="{verify_path(new)}"' in html
    assert "This certificate is valid." in client.get(verify_path(new)).content.decode()


def test_unknown_codes_serials_and_pending_certificates_answer_404_helpfully(client, mini_programme, certificate):
    pending = certificate_services.certificate_issue(enrolment=completed_enrolment(mini_programme))
    for code in ("ZZZZZZZZZZZZZZZZ", certificate.serial, pending.verification_code, "not-a-code"):
        response = client.get(reverse("microlearn_lms:certificate_verify", kwargs={"code": code}))
        assert response.status_code == 404, code
        assert "We could not find that certificate" in response.content.decode()
        assert 'name="code"' in response.content.decode()  # a form to try again


def test_typed_codes_are_normalised(client, certificate):
    typed = certificate.display_code.lower()
    response = client.get(reverse("microlearn_lms:certificate_verify", kwargs={"code": typed}))
    assert response.status_code == 302 and response["Location"] == verify_path(certificate)
    response = client.get(reverse("microlearn_lms:certificate_verify_lookup"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == verify_path(certificate)
    assert client.get(reverse("microlearn_lms:certificate_verify_lookup")).status_code == 200


def test_verification_is_throttled_per_client_address(client, settings, certificate):
    settings.MICROLEARN_CERTIFICATE_VERIFY_RATE = (3, 60)
    for _ in range(3):
        assert client.get(verify_path(certificate), REMOTE_ADDR="10.0.0.1").status_code == 200
    response = client.get(verify_path(certificate), REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Too many checks" in response.content.decode()
    assert client.get(reverse("microlearn_lms:certificate_verify_lookup"), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(verify_path(certificate), REMOTE_ADDR="10.0.0.2").status_code == 200


# --- Downloads ---------------------------------------------------------------------------------


@pytest.fixture
def matrix(mini_programme):
    trainer, other_trainer = UserFactory(), UserFactory()
    cohort, other_cohort = CohortFactory(course=mini_programme), CohortFactory(course=mini_programme)
    cohort.trainers.add(trainer)
    other_cohort.trainers.add(other_trainer)
    certificate = issued_certificate(mini_programme, cohort=cohort)
    return {
        "certificate": certificate,
        "holder": certificate.enrolment.user,
        "trainer": trainer,
        "other_trainer": other_trainer,
        "other_participant": issued_certificate(mini_programme).enrolment.user,
        "staff": UserFactory(is_staff=True),
    }


@pytest.mark.parametrize(
    ("who", "issued_status", "revoked_status"),
    [
        ("holder", 200, 404),
        ("trainer", 200, 200),
        ("staff", 200, 200),
        ("other_trainer", 404, 404),
        ("other_participant", 404, 404),
    ],
)
def test_download_permission_matrix(client, matrix, monkeypatch, who, issued_status, revoked_status):
    certificate = matrix["certificate"]
    monkeypatch.setattr(pdf, "render_certificate", lambda *a, **k: pytest.fail("downloads must not re-render"))
    client.force_login(matrix[who])
    response = client.get(download_path(certificate))
    assert response.status_code == issued_status
    if issued_status == 200:
        with certificate.pdf.open("rb") as stored:
            assert b"".join(response.streaming_content) == stored.read()
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="certificate-{certificate.serial}.pdf"' in response["Content-Disposition"]
    certificate_services.certificate_revoke(certificate=certificate, reason="test")
    assert client.get(download_path(certificate)).status_code == revoked_status


def test_anonymous_download_goes_to_login(client, certificate):
    response = client.get(download_path(certificate))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- /learn/ -----------------------------------------------------------------------------------


def test_learn_page_lists_certificates_with_download_copy_and_linkedin(client, certificate):
    client.force_login(certificate.enrolment.user)
    html = client.get(reverse("microlearn_lms:learn")).content.decode()
    assert "My certificates" in html and certificate.serial in html
    assert download_path(certificate) in html
    assert f'value="http://testserver{verify_path(certificate)}"' in html
    assert "microlearn_lms/js/certificates.js" in html and "<script>" not in html
    linkedin = html.split('href="https://www.linkedin.com/profile/add?', 1)[1].split('"', 1)[0]
    params = parse_qs(urlsplit("?" + linkedin.replace("&amp;", "&")).query)
    assert params["startTask"] == ["CERTIFICATION_NAME"]
    assert params["name"] == ["Test course"] and params["organizationName"] == ["Micro-connections Academy"]
    assert params["certId"] == [certificate.serial]
    assert params["certUrl"] == [f"http://testserver{verify_path(certificate)}"]
    assert params["issueYear"] == [str(certificate.issued_on.year)]
    assert params["issueMonth"] == [str(certificate.issued_on.month)]


def test_learn_page_queries_do_not_grow_with_certificates(client, mini_programme, mini_course_two):
    certificate = issued_certificate(mini_programme)
    user = certificate.enrolment.user
    client.force_login(user)
    client.get(reverse("microlearn_lms:learn"))  # warm the site settings cache
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("microlearn_lms:learn"))
    issued_certificate(mini_course_two, user=user)
    with CaptureQueriesContext(connection) as two:
        response = client.get(reverse("microlearn_lms:learn"))
    assert response.content.decode().count("Download PDF") == 2
    assert len(one) == len(two)


# --- Wagtail admin -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_revokes_and_reissues(admin_client, certificate, django_capture_on_commit_callbacks):
    index = admin_client.get("/admin/certificates/")
    assert index.status_code == 200 and certificate.serial in index.content.decode()
    assert "/admin/certificates/new/" not in index.content.decode()
    manage = f"/admin/certificates/edit/{certificate.pk}/"
    assert "Revoke certificate" in admin_client.get(manage).content.decode()

    response = admin_client.post(manage, {"action": "revoke", "reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = admin_client.post(manage, {"action": "revoke", "reason": "Name misspelt"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED and certificate.revoked_reason == "Name misspelt"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(manage, {"action": "reissue"})
    new = Certificate.objects.exclude(pk=certificate.pk).get(enrolment=certificate.enrolment)
    assert response.status_code == 302 and response["Location"] == f"/admin/certificates/edit/{new.pk}/"
    assert new.status == CertificateStatus.ISSUED
    history = admin_client.get(f"/admin/certificates/history/{certificate.pk}/").content.decode()
    assert "Certificate revoked: Name misspelt" in history and f"re-issued as {new.serial}" in history
    assert admin_client.get("/admin/certificates/new/").status_code in {302, 403}
    assert admin_client.get(f"/admin/certificates/delete/{new.pk}/").status_code in {302, 403}


def test_admin_manage_page_needs_change_permission(client, certificate):
    from django.contrib.auth.models import Permission

    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    response = client.get(f"/admin/certificates/edit/{certificate.pk}/")
    assert response.status_code in {302, 403}
    response = client.post(f"/admin/certificates/edit/{certificate.pk}/", {"action": "revoke", "reason": "x"})
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
