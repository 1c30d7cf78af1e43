"""Certificate design preview in the admin: a PDF with sample data, and nothing issued."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pypdf import PdfReader
from wagtail.models import Site

from lms.models import Certificate, CertificateSerialCounter, CertificateSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PREVIEW = "microlearn_lms_certificate_preview"


def design_editor(client):
    user = UserFactory(username="designer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="change_certificatesettings", content_type__app_label="microlearn_lms"),
    )
    client.force_login(user)
    return user


def test_preview_is_a_pdf_of_the_saved_design_and_issues_nothing(client, certificate_storage):
    site = Site.objects.get(is_default_site=True)
    CertificateSettings.objects.update_or_create(site=site, defaults={"issuer_name": "Preview Academy"})
    design_editor(client)
    response = client.get(reverse(PREVIEW))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Preview Academy" in text
    assert "Alexandra Sample-Participant" in text
    assert not Certificate.objects.exists()
    assert not CertificateSerialCounter.objects.exists()
    assert not list(certificate_storage.rglob("*.pdf"))


def test_preview_needs_a_certificate_permission(client):
    client.force_login(UserFactory(username="nobody", is_staff=True))
    assert client.get(reverse(PREVIEW)).status_code in (302, 403)


def test_preview_is_offered_on_the_design_settings_and_the_certificate_list(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse(PREVIEW)
    site = Site.objects.get(is_default_site=True)
    settings_page = client.get(reverse("wagtailsettings:edit", args=["microlearn_lms", "certificatesettings", site.pk]))
    assert settings_page.status_code == 200
    assert url in settings_page.content.decode()
    listing = client.get(reverse("certificates:index"))
    assert url in listing.content.decode()
