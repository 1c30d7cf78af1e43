"""The practice badge as an Open Badges 3.0 credential: issued with each award period, verified
independently (PyJWT, the 1EdTech schema), downloadable by its holder only, aggregate evidence only,
lapsing by its own expiry, erased with the person."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import transaction

from lms.models import IssuedCredential
from lms.selectors.badges import BADGE_CREDENTIAL_KIND
from lms.services import badges as badge_services
from lms.services.erasure import erase_person_data
from tests.factories import UserFactory
from tests.lms.test_badges import NOW, SECRET_NOTE, SECRET_WHO, course, enrolment, evaluate, practise  # noqa: F401

from .conftest import public_check
from .test_issue_and_verify import ob3_schema_validator, pyjwt_verify

pytestmark = pytest.mark.django_db


def earn(enrolment):  # noqa: F811
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1, notes=SECRET_NOTE, who=SECRET_WHO)
    return evaluate(enrolment).award


@time_machine.travel(NOW, tick=False)
def test_an_awarded_badge_is_a_signed_open_badge_credential_with_counts_only(enrolment, client):  # noqa: F811
    award = earn(enrolment)
    credential = IssuedCredential.objects.get(kind=BADGE_CREDENTIAL_KIND)
    assert credential.object_id == f"{award.uuid}:0" and credential.holder_id == enrolment.user_id

    claims = pyjwt_verify(credential.jwt, client.get("/.well-known/did.json").json())  # not our verifier
    vc = {k: v for k, v in claims.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}}
    errors = sorted(ob3_schema_validator().iter_errors(vc), key=str)
    assert not errors, errors[0]
    subject = vc["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "Badge"
    assert subject["achievement"]["name"] == "Connector"
    assert dt.datetime.fromisoformat(vc["validUntil"].replace("Z", "+00:00")) == award.expires_at
    text = json.dumps(vc)
    assert SECRET_NOTE not in text and "Priya" not in text
    assert "Met the weekly practice target in 6" in text
    assert public_check(credential.jwt).valid


@time_machine.travel(NOW, tick=False)
def test_only_the_holder_downloads_it_and_the_file_verifies_on_the_site(enrolment, client):  # noqa: F811
    award = earn(enrolment)
    url = f"/badges/awards/{award.uuid}/credential.json"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(enrolment.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    page = client.post("/credentials/verify/", {"credential": response.content.decode()})
    assert page.status_code == 200, page.content.decode()[:500]
    assert b"Connector" in page.content
    learn = client.get("/learn/")
    assert url.encode() in learn.content


@time_machine.travel(NOW, tick=False)
def test_a_renewal_issues_a_new_credential_and_the_earlier_one_still_verifies(enrolment):  # noqa: F811
    award = earn(enrolment)
    for week in range(20, 26):
        practise(enrolment, week, follow_ups=1)
    renewal = award.expires_at - dt.timedelta(days=10)
    assert evaluate(enrolment, now=renewal).action == "renewed"
    first, second = IssuedCredential.objects.filter(kind=BADGE_CREDENTIAL_KIND).order_by("pk")
    assert (first.object_id, second.object_id) == (f"{award.uuid}:0", f"{award.uuid}:1")
    assert second.valid_until == renewal + dt.timedelta(days=180)
    with time_machine.travel(renewal + dt.timedelta(hours=1), tick=False):
        assert public_check(first.jwt).valid and public_check(second.jwt).valid


@time_machine.travel(NOW, tick=False)
def test_an_expired_badge_fails_verification_as_expired_not_revoked(enrolment):  # noqa: F811
    award = earn(enrolment)
    later = award.expires_at + dt.timedelta(days=1)
    assert evaluate(enrolment, now=later).action == "expired"
    credential = IssuedCredential.objects.get(kind=BADGE_CREDENTIAL_KIND)
    assert credential.revoked_at is None
    with time_machine.travel(later, tick=False):
        result = public_check(credential.jwt)
    assert (result.valid, result.reason) == (False, "expired")


@time_machine.travel(NOW, tick=False)
def test_a_failed_signing_keeps_the_award_and_the_tick_signs_it_later(enrolment, monkeypatch):  # noqa: F811
    def broken(**kwargs):
        raise RuntimeError("no key store")

    monkeypatch.setattr(badge_services.credentials, "issue_credential", broken)
    award = earn(enrolment)
    assert award is not None and not IssuedCredential.objects.filter(kind=BADGE_CREDENTIAL_KIND).exists()
    monkeypatch.undo()
    assert badge_services.badges_tick(now=NOW)["credentials_signed"] == 1
    assert IssuedCredential.objects.filter(kind=BADGE_CREDENTIAL_KIND, object_id=f"{award.uuid}:0").exists()
    assert badge_services.badges_tick(now=NOW)["credentials_signed"] == 0


@time_machine.travel(NOW, tick=False)
def test_erasure_removes_the_holder_from_badge_credentials(enrolment):  # noqa: F811
    earn(enrolment)
    with transaction.atomic():
        erase_person_data(
            organisation_id=enrolment.cohort.organisation_id,
            user_id=enrolment.user_id,
            enrolment_ids=[enrolment.pk],
            identifiers=[],
            whole_account=False,
        )
    credential = IssuedCredential.objects.get(kind=BADGE_CREDENTIAL_KIND)
    assert (credential.holder_id, credential.subject_name, credential.jwt) == (None, "", "")
