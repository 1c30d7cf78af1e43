"""The certificate's look (issue 16, item 7): a logo always (the site's or the shipped mark) and
the signatory's name and title when set."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lms.certificates.fetcher import resolve, static_url
from lms.certificates.pdf import FALLBACK_LOGO, certificate_context, render_certificate
from lms.models import Certificate, CertificateSettings


def certificate():
    return Certificate(
        serial="MC-005-2026-000123",
        verification_code="F04NF1TARR9Y3E4H",
        issued_on=dt.date(2026, 11, 29),
        holder_name="Grace Liu",
        course_title="Micro-connections at work",
        completed_on=dt.date(2026, 11, 28),
        programme_hours=Decimal("6.0"),
    )


def test_without_a_logo_the_shipped_mark_is_used_and_can_be_fetched():
    context = certificate_context(certificate(), CertificateSettings(issuer_name="Academy"))
    assert context["logo_url"] == static_url(FALLBACK_LOGO)
    body, mime = resolve(context["logo_url"])  # served by the hardened fetcher
    assert mime == "image/svg+xml" and body.startswith(b"<svg")


@pytest.mark.django_db
def test_the_signatory_is_printed():
    design = CertificateSettings(issuer_name="Academy", signatory_name="Amina Okafor", signatory_title="Director")
    _, _, pdf = render_certificate(certificate(), design=design)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Amina Okafor" in text and "Director" in text
