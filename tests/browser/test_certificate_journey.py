"""Journey: complete a course, find the certificate on /learn/, download it, verify it, staff revoke it.

Course completion is driven through the real services (the participant module pages belong to
the learning-records UI); everything after it happens in Chromium.
"""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from lms import services
from lms.models import Certificate, CertificateStatus
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.factories_certificates import complete_course

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def certificate_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "certificates")},
        },
    }


def test_participant_gets_downloads_and_verifies_a_certificate_then_staff_revoke_it(
    page, live_server, settings, mini_programme, certificate_storage, assert_accessible, tmp_path
):
    settings.MICROLEARN_BASE_URL = live_server.url
    participant = UserFactory(username="ada", first_name="Ada", last_name="Lovelace", password="pw-ada-2026")
    UserFactory(username="boss", is_staff=True, is_superuser=True, password="pw-boss-2026")

    # 1. Complete the course (the certificate task runs on commit: tests use the ImmediateBackend).
    enrolment = services.enrolment_create(user=participant, course=mini_programme)
    complete_course(enrolment)
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.status == CertificateStatus.ISSUED

    # 2. The certificate appears on /learn/.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "ada", "pw-ada-2026")
    section = page.locator("section.certificates")
    assert section.get_by_role("heading", name="My certificates").is_visible()
    assert certificate.serial in section.inner_text()
    assert_accessible(page)

    # 3. Download it: the stored PDF, holding the participant's name.
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Download PDF").click()
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    assert "Ada Lovelace" in PdfReader(io.BytesIO(data)).pages[0].extract_text()

    # The copy button (progressive enhancement) copies the verification link.
    link = section.get_by_label("Verification link").input_value()
    section.get_by_role("button", name="Copy link").click()
    # The status is written when the clipboard promise resolves: wait for it, don't race it.
    expect(section.locator(".copy-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    linkedin = section.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")

    # 4. Open the verification link: valid.
    page.goto(link)
    assert page.locator("#certificate-status").inner_text().strip() == "This certificate is valid."
    assert "Ada Lovelace" in page.locator(".verification").inner_text()
    assert_accessible(page)

    # 5. Staff revoke it in the Wagtail admin; the verification page says revoked.
    page.get_by_role("button", name="Log out").click()
    login(page, "boss", "pw-boss-2026")
    page.goto(f"/admin/certificates/edit/{certificate.pk}/")
    page.get_by_label("Reason").fill("Completed on a shared account")
    page.get_by_role("button", name="Revoke certificate").click()
    page.wait_for_url(f"**/admin/certificates/edit/{certificate.pk}/")
    assert "Revoked" in page.locator("#certificate-admin-status").inner_text()

    page.goto(link)
    status = page.locator("#certificate-status").inner_text()
    assert "This certificate was revoked on" in status
    assert "Completed on a shared account" in page.locator(".verification").inner_text()
