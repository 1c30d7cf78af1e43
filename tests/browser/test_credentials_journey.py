"""Journey: a participant downloads their certificate's Open Badges credential from /learn/ and
verifies it on the site's verification page; after a revocation the same file fails, and says why.
Desktop (1366 px) and mobile (390 px)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from playwright.sync_api import expect

from lms import services
from lms.models import Certificate, CertificateStatus
from lms.services import certificates as certificate_services
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


@pytest.mark.parametrize("width", [1366, 390], ids=["desktop", "mobile"])
def test_download_the_credential_and_verify_it_on_the_site(
    page, live_server, settings, mini_programme, certificate_storage, assert_accessible, tmp_path, width
):
    settings.MICROLEARN_BASE_URL = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    participant = UserFactory(username="ada", first_name="Ada", last_name="Lovelace", password="pw-ada-2026")
    complete_course(services.enrolment_create(user=participant, course=mini_programme))
    certificate = Certificate.objects.get(enrolment__user=participant)
    assert certificate.status == CertificateStatus.ISSUED

    # 1. /learn/ offers the credential beside the PDF; download it.
    login(page, "ada", "pw-ada-2026")
    section = page.locator("section.certificates")
    link = section.get_by_role("link", name="Download credential (.json)")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "credential.json"
    download_info.value.save_as(saved)
    body = json.loads(saved.read_text())
    assert body["credential"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert body["credential"]["issuer"]["id"].startswith("did:web:")
    assert body["jwt"].count(".") == 2

    # 2. Upload it on the verification page (logged out, as an employer would): valid.
    page.get_by_role("button", name="Log out").click()
    page.goto("/credentials/verify/")
    page.get_by_label("Or upload the credential file").set_input_files(str(saved))
    page.get_by_role("button", name="Check credential").click()
    expect(page.locator("#credential-result")).to_have_text("Open Badges credential: valid.")
    assert "Ada Lovelace" in page.locator("#credential-check").inner_text()
    assert_accessible(page)

    # 3. The command-line verifier fetches did.json and the status list from the live site.
    out = StringIO()
    call_command("verify_credential", str(saved), stdout=out)
    assert out.getvalue().startswith("VALID: ")

    # 4. A tampered paste fails on the signature.
    body["credential"]["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    page.get_by_label("Paste the credential").fill(json.dumps(body))
    page.get_by_role("button", name="Check credential").click()
    expect(page.locator("#credential-result")).to_have_text("Open Badges credential: not valid (signature).")

    # 5. Revoked: the same file now fails, and says why.
    certificate_services.certificate_revoke(certificate=certificate, reason="Completed on a shared account")
    page.goto("/credentials/verify/")
    page.get_by_label("Paste the credential").fill(saved.read_text())
    page.get_by_role("button", name="Check credential").click()
    expect(page.locator("#credential-result")).to_have_text("Open Badges credential: not valid (revoked).")
    with pytest.raises(CommandError, match=r"NOT VALID \(revoked\)"):
        call_command("verify_credential", str(saved))
