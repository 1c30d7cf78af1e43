"""The account page's privacy sections: download my data, erase my account."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from lms.models import ChallengeLog, OrganisationMember, QuizAttempt
from lms.services.account_erasure import CONFIRM_PHRASE
from tests.factories import OrganisationFactory, UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
EXPORT = reverse("microlearn_lms:account_data_export")
ERASE = reverse("microlearn_lms:account_erase")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def learner(mini_programme):
    user = UserFactory(username="lena", email="lena@home.example", first_name="Lena", last_name="Learner")
    org_a, org_b = OrganisationFactory(name="Acme"), OrganisationFactory(name="Globex")
    MemberFactory(organisation=org_a, user=user, external_id="A-77")
    MemberFactory(organisation=org_b, user=user, external_id="B-77", owns_account=False)
    enrolment = EnrolmentFactory(user=user, course=mini_programme, cohort=cohort_for(org_a, mini_programme))
    ChallengeLogFactory(enrolment=enrolment, challenge=ChallengeFactory(course=mini_programme), notes="met Quentin")
    from courses.models import ModulePage

    QuizAttempt.objects.create(
        enrolment=enrolment,
        module=ModulePage.objects.first(),
        number=1,
        served=[],
        answers={"q1": ["o2"]},
        pass_mark=80,
        started_at=timezone.now(),
    )
    return user


def test_the_account_page_offers_both(client, learner):
    client.force_login(learner)
    page = client.get(reverse("microlearn_lms:account")).content.decode()
    assert 'id="download-my-data"' in page and 'id="erase-my-account"' in page


def test_export_is_a_zip_of_json_and_csv_with_everything_about_the_owner_only(client, learner):
    other = UserFactory(email="other@home.example")
    EnrolmentFactory(user=other, course=learner.enrolments.get().course)
    client.force_login(learner)
    response = client.post(EXPORT)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "private" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {"data.json", "account.csv", "enrolments.csv", "challenge_logs.csv", "quiz_attempts.csv"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["account"][0]["email"] == "lena@home.example"
    assert {r["external_id"] for r in data["organisation_records"]} == {"A-77", "B-77"}
    assert data["challenge_logs"][0]["notes"] == "met Quentin"
    assert data["quiz_attempts"][0]["answers"] == {"q1": ["o2"]}
    assert len(data["enrolments"]) == 1
    assert "other@home.example" not in json.dumps(data)
    assert "met Quentin" in archive.read("challenge_logs.csv").decode()


def test_export_needs_login_and_post_and_is_rate_limited(client, learner, settings):
    assert client.post(EXPORT).status_code == 302
    client.force_login(learner)
    assert client.get(EXPORT).status_code == 405
    settings.MICROLEARN_DATA_EXPORT_RATE = (2, 3600)
    assert [client.post(EXPORT).status_code for _ in range(3)] == [200, 200, 429]


def test_wrong_password_erases_nothing(client, learner):
    client.force_login(learner)
    response = client.post(ERASE, {"confirmation": "wrong"})
    assert response.status_code == 400 and "not your password" in response.content.decode()
    learner.refresh_from_db()
    assert learner.email == "lena@home.example" and learner.is_active


def test_erasure_with_password_erases_every_record_and_logs_out(client, learner, django_capture_on_commit_callbacks):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ERASE, {"confirmation": "pw-for-tests"})
    assert response.status_code == 302 and response["Location"] == reverse("microlearn_lms:account_erased")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "was erased" in page.content.decode()
    assert "_auth_user_id" not in client.session
    learner.refresh_from_db()
    assert learner.email == "" and not learner.is_active and "Lena" not in learner.get_full_name()
    assert not learner.has_usable_password()
    assert not OrganisationMember.objects.filter(erased_at__isnull=True).exists()
    assert ChallengeLog.objects.get().notes == "" and QuizAttempt.objects.get().answers == {}


def test_without_a_password_the_phrase_confirms(client, learner):
    learner.set_unusable_password()
    learner.save()
    client.force_login(learner)
    page = client.get(ERASE).content.decode()
    assert CONFIRM_PHRASE in page
    assert client.post(ERASE, {"confirmation": "please"}).status_code == 400
    assert client.post(ERASE, {"confirmation": CONFIRM_PHRASE.upper()}).status_code == 302
    learner.refresh_from_db()
    assert learner.email == ""


@pytest.mark.parametrize("role", ["staff", "superuser", "trainer"])
def test_privileged_accounts_are_refused(client, learner, role, mini_programme):
    if role == "trainer":
        cohort_for(OrganisationFactory(), mini_programme).trainers.add(learner)
    else:
        setattr(learner, f"is_{role}", True)
        learner.save()
    client.force_login(learner)
    response = client.post(ERASE, {"confirmation": "pw-for-tests"})
    assert response.status_code == 403 and "administrator" in response.content.decode()
    learner.refresh_from_db()
    assert learner.email == "lena@home.example"
    assert OrganisationMember.objects.filter(user=learner, erased_at__isnull=True).count() == 2


def test_erase_attempts_are_rate_limited(client, learner, settings):
    settings.MICROLEARN_ACCOUNT_ERASE_RATE = (2, 900)
    client.force_login(learner)
    codes = [client.post(ERASE, {"confirmation": "wrong"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
