"""Absolute links printed on and offered with a certificate."""

from urllib.parse import urlencode

from django.urls import reverse

from ..conf import conf

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"


def verification_url(certificate) -> str:
    """The public verification page, on ``MICROLEARN_BASE_URL`` or ``WAGTAILADMIN_BASE_URL``."""
    path = reverse("microlearn_lms:certificate_verify", kwargs={"code": certificate.verification_code})
    return conf.base_url() + path


def linkedin_url(certificate, issuer: str) -> str:
    """LinkedIn's public "add certification" link, pre-filled from the certificate."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": issuer,
        "issueYear": certificate.issued_on.year,
        "issueMonth": certificate.issued_on.month,
        "certUrl": verification_url(certificate),
        "certId": certificate.serial,
    }
    if certificate.expires_on:
        params.update(expirationYear=certificate.expires_on.year, expirationMonth=certificate.expires_on.month)
    return f"{LINKEDIN_ADD_URL}?{urlencode(params)}"
