"""HR API fixtures: two organisations with a key each, a course, cohorts, members, enrolments."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ApiScope
from tests.factories import OrganisationFactory, UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, WebhookEndpointFactory, api_key_for, cohort_for


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.MICROLEARN_API_THROTTLE_RATE = "100000/min"
    cache.clear()
    yield
    cache.clear()


def make_client(raw_key: str | None) -> APIClient:
    client = APIClient()
    if raw_key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Globex", slug="globex")


@pytest.fixture
def api_key(organisation):
    return api_key_for(organisation)


@pytest.fixture
def token_client(api_key):
    """An API client authenticated with a read-write key of ``organisation`` (pretix style)."""
    return make_client(api_key[1])


@pytest.fixture
def read_only_client(organisation):
    return make_client(api_key_for(organisation, scope=ApiScope.READ, name="read")[1])


@pytest.fixture
def other_client(other_organisation):
    return make_client(api_key_for(other_organisation)[1])


def org_world(organisation, course):
    """A member, a cohort, an enrolment and a webhook endpoint of ``organisation``."""
    member = MemberFactory(organisation=organisation, user=UserFactory())
    cohort = cohort_for(organisation, course)
    enrolment = EnrolmentFactory(user=member.user, course=course, cohort=cohort)
    webhook = WebhookEndpointFactory(organisation=organisation)
    certificate = issued_certificate(enrolment)
    return SimpleNamespace(
        member=member, cohort=cohort, enrolment=enrolment, webhook=webhook, course=course, certificate=certificate
    )


def issued_certificate(enrolment):
    """An issued certificate with a (fake) stored PDF, without running WeasyPrint."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from lms.models import Certificate, CertificateStatus

    certificate = Certificate(
        enrolment=enrolment,
        serial=f"TEST-{enrolment.pk:05d}",
        verification_code=f"code{enrolment.pk:028d}",
        status=CertificateStatus.ISSUED,
        issued_on=dt.date(2026, 3, 20),
        expires_on=dt.date(2028, 3, 20),
        holder_name="Holder",
        course_title="Course",
        completed_on=dt.date(2026, 3, 20),
        programme_hours=1,
    )
    certificate.pdf.save(f"{enrolment.pk}.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    certificate.save()
    return certificate


@pytest.fixture
def world(organisation, mini_programme):
    return org_world(organisation, mini_programme)


@pytest.fixture
def other_world(other_organisation, mini_programme):
    return org_world(other_organisation, mini_programme)
