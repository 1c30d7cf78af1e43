"""lms.services.erasure: the steps, the extension hook, certificates after erasure."""

import pytest
from django.test import override_settings
from wagtail import hooks

from api.models import IdempotencyRecord, WebhookDelivery
from lms.models import Certificate
from lms.services import erasure
from lms.services.participants import participant_erase
from tests.api.conftest import issued_certificate, make_client
from tests.factories import OrganisationFactory, UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, WebhookEndpointFactory, api_key_for, cohort_for


def make_erasure(**kwargs):
    values = {
        "organisation_id": 1,
        "user_id": 1,
        "enrolment_ids": (),
        "identifiers": ("Ann Smith", "ann@acme.example"),
        "whole_account": True,
    }
    return erasure.PersonErasure(**{**values, **kwargs})


def test_scrub_replaces_strings_mentioning_the_person_at_any_depth():
    e = make_erasure()
    value = {"data": {"email": "ANN@acme.example", "list": ["hello ann smith", "other"]}, "ann@acme.example": 1}
    assert e.scrub(value) == {"data": {"email": "[erased]", "list": ["[erased]", "other"]}, "[erased]": 1}
    assert e.scrub(5) == 5


def test_identifiers_are_cleaned():
    assert erasure._clean_identifiers(["  Ann ", "ann", "A", "", None, "Smith"]) == ("Smith", "Ann")


@pytest.fixture
def two_orgs(db, mini_programme):
    org_a, org_b = OrganisationFactory(), OrganisationFactory()
    ann = MemberFactory(organisation=org_a, user=UserFactory(email="ann@acme.example", first_name="Annika"))
    enrolment = EnrolmentFactory(user=ann.user, course=mini_programme, cohort=cohort_for(org_a, mini_programme))
    return org_a, org_b, ann, enrolment


def test_registered_erasers_are_called_in_the_same_transaction(two_orgs):
    _org_a, _org_b, ann, enrolment = two_orgs
    calls = []
    with hooks.register_temporarily(erasure.ERASE_HOOK, lambda *, erasure: calls.append(erasure)):
        participant_erase(member=ann)
    assert len(calls) == 1
    assert calls[0].enrolment_ids == (enrolment.pk,) and calls[0].whole_account
    assert "ann@acme.example" in calls[0].identifiers


def test_other_organisations_stores_are_untouched(two_orgs):
    _org_a, org_b, ann, _enrolment = two_orgs
    key_b, _raw = api_key_for(org_b)
    record_b = IdempotencyRecord.objects.create(
        api_key=key_b, key="k", fingerprint="f", status_code=201, body=b'{"email": "ann@acme.example"}'
    )
    delivery_b = WebhookDelivery.objects.create(
        endpoint=WebhookEndpointFactory(organisation=org_b),
        event="enrolment.created",
        payload={"e": "ann@acme.example"},
    )
    participant_erase(member=ann)
    record_b.refresh_from_db()
    delivery_b.refresh_from_db()
    assert bytes(record_b.body) == b'{"email": "ann@acme.example"}' and record_b.status_code == 201
    assert delivery_b.payload == {"e": "ann@acme.example"}


@override_settings(MICROLEARN_API_THROTTLE_RATE="1000/min")
def test_an_erased_holders_certificate_verifies_without_the_name_and_is_not_downloadable(
    two_orgs, client, django_capture_on_commit_callbacks
):
    org_a, _org_b, ann, enrolment = two_orgs
    certificate = issued_certificate(enrolment)
    Certificate.objects.filter(pk=certificate.pk).update(
        holder_name="Annika Holder", verification_code="ABCDEFGHJKMNPQRS"
    )
    storage, name = certificate.pdf.storage, certificate.pdf.name
    client.force_login(ann.user)
    assert client.get(f"/certificates/{certificate.uuid}/download/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        participant_erase(member=ann)
    certificate.refresh_from_db()
    assert certificate.holder_name == erasure.ERASED_HOLDER and not certificate.pdf and certificate.holder_erased_at
    assert certificate.status == "issued" and not storage.exists(name)
    page = client.get(f"/certificates/verify/{certificate.verification_code}/").content.decode()
    assert "whose personal data has since been erased" in page
    assert "Annika" not in page and "Erased participant" not in page
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(f"/certificates/{certificate.uuid}/download/").status_code == 404
    api = make_client(api_key_for(org_a)[1])
    response = api.get(f"/api/v1/certificates/{certificate.uuid}/pdf/")
    assert response.status_code == 410
