"""The tenant matrix of issue 13: a person in two organisations, a shared trainer and a staff account.

With organisation A's and B's keys: no key changes, deactivates or erases anything that the other
organisation, a staff role or a trainer role depends on; provisioning an email that exists
elsewhere answers 201 with a new account and reveals nothing; a record's email change never
reaches a shared account (so a password reset still goes to the person's own address); erasing a
shared person keeps the other organisation's record and the account, while the erasing
organisation's enrolments move to a placeholder and lose their free text.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from lms.models import ChallengeLog, Enrolment, OrganisationMember
from tests.factories import UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
ACCOUNT_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "password")


@pytest.fixture
def matrix(organisation, other_organisation, mini_programme):
    """A shared person (account provisioned by A, also on B's books), a trainer of both
    organisations' cohorts that A has a record of, and a staff account A has a record of."""
    cohort_a = cohort_for(organisation, mini_programme, name="A cohort")
    cohort_b = cohort_for(other_organisation, mini_programme, name="B cohort")
    shared_user = UserFactory(username="sam", email="sam@home.example", first_name="Sam", last_name="Shared")
    shared_a = MemberFactory(organisation=organisation, user=shared_user, external_id="A-1")
    shared_b = MemberFactory(organisation=other_organisation, user=shared_user, external_id="B-1", owns_account=False)
    enrolment_a = EnrolmentFactory(user=shared_user, course=mini_programme, cohort=cohort_a)
    ChallengeLogFactory(enrolment=enrolment_a, challenge=ChallengeFactory(course=mini_programme), notes="private note")
    trainer = UserFactory(username="tina", email="tina@train.example", first_name="Tina", last_name="Trainer")
    cohort_a.trainers.add(trainer)
    cohort_b.trainers.add(trainer)
    trainer_a = MemberFactory(organisation=organisation, user=trainer, external_id="A-2")
    staff = UserFactory(username="stan", email="stan@academy.example", first_name="Stan", last_name="Staff")
    staff.is_staff = True
    staff.save()
    staff_a = MemberFactory(organisation=organisation, user=staff, external_id="A-3")
    return {
        "shared": (shared_a, shared_b),
        "trainer": (trainer_a, None),
        "staff": (staff_a, None),
        "enrolment_a": enrolment_a,
        "cohort_b": cohort_b,
    }


def account_state(user_id):
    return User.objects.filter(pk=user_id).values(*ACCOUNT_FIELDS).get()


ACTIONS = {
    "patch email and names": lambda client, m: client.patch(
        f"/api/v1/participants/{m.uuid}/",
        {"email": "mallory@evil.example", "first_name": "Mallory", "last_name": "Evil"},
        format="json",
    ),
    "deactivate": lambda client, m: client.post(f"/api/v1/participants/{m.uuid}/deactivate/"),
    "patch active false": lambda client, m: client.patch(
        f"/api/v1/participants/{m.uuid}/", {"active": False}, format="json"
    ),
    "erase": lambda client, m: client.post(f"/api/v1/participants/{m.uuid}/erase/"),
}


@pytest.mark.parametrize("who", ["shared", "trainer", "staff"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_key_never_changes_an_account_others_depend_on(matrix, token_client, who, action):
    member_a, member_b = matrix[who]
    before = account_state(member_a.user_id)
    b_before = OrganisationMember.objects.filter(pk=member_b.pk).values().get() if member_b else None
    response = ACTIONS[action](token_client, member_a)
    assert response.status_code in (200, 204), response.content
    assert account_state(member_a.user_id) == before  # username, email, names, active flag, password
    if member_b is not None:
        assert OrganisationMember.objects.filter(pk=member_b.pk).values().get() == b_before
    if who == "trainer":
        assert matrix["cohort_b"].trainers.filter(pk=member_a.user_id).exists()
        assert User.objects.get(pk=member_a.user_id).is_active


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_other_key_cannot_even_see_the_record(matrix, other_client, action):
    member_a, _ = matrix["trainer"]
    before = account_state(member_a.user_id)
    assert ACTIONS[action](other_client, member_a).status_code == 404
    assert account_state(member_a.user_id) == before


def test_an_account_the_organisation_controls_does_change(organisation, token_client):
    """The control case: the rules above are not a no-op. A's own, unshared account follows A."""
    member = MemberFactory(organisation=organisation, user=UserFactory(email="own@acme.example"))
    ACTIONS["patch email and names"](token_client, member)
    account = User.objects.get(pk=member.user_id)
    assert (account.email, account.first_name) == ("mallory@evil.example", "Mallory")
    ACTIONS["deactivate"](token_client, member)
    assert not User.objects.get(pk=member.user_id).is_active


@pytest.mark.parametrize("existing", ["other organisation's person", "staff account", "trainer account"])
def test_provisioning_an_email_used_elsewhere_creates_a_new_account_and_reveals_nothing(
    matrix, other_organisation, token_client, other_client, existing
):
    """B's own person provisioned by A; the staff and trainer accounts (A's records) by B."""
    MemberFactory(
        organisation=other_organisation,
        user=UserFactory(email="bea@globex.example", first_name="Bea", last_name="Bonly"),
        owns_account=True,
    )
    email, client = {
        "other organisation's person": ("bea@globex.example", token_client),
        "staff account": ("stan@academy.example", other_client),
        "trainer account": ("tina@train.example", other_client),
    }[existing]
    users_before = set(User.objects.values_list("pk", flat=True))
    response = client.post("/api/v1/participants/", {"email": email, "external_id": "NEW-1"}, format="json")
    fresh = client.post("/api/v1/participants/", {"email": "nobody@new.example"}, format="json")
    assert response.status_code == fresh.status_code == 201, response.content
    assert set(response.json()) == set(fresh.json())  # the same shape: nothing tells the two apart
    body = response.content.decode()
    assert all(name not in body for name in ("Bea", "Bonly", "Stan", "Tina", "Staff", "Trainer"))
    created = set(User.objects.values_list("pk", flat=True)) - users_before
    assert len(created) == 2
    member = OrganisationMember.objects.get(uuid=response.json()["id"])
    assert member.user_id in created and member.owns_account
    existing_account = User.objects.get(email=email, pk__in=users_before)
    assert existing_account.pk != member.user_id


def test_patching_a_shared_persons_email_changes_only_the_record(matrix, token_client, client, settings):
    settings.PASSWORD_RESET_RATE_PER_IP = (100, 60)
    settings.PASSWORD_RESET_RATE_PER_EMAIL = (100, 60)
    member_a, member_b = matrix["shared"]
    response = token_client.patch(
        f"/api/v1/participants/{member_a.uuid}/", {"email": "attacker@evil.example"}, format="json"
    )
    assert response.status_code == 200 and response.json()["email"] == "attacker@evil.example"
    assert User.objects.get(pk=member_a.user_id).email == "sam@home.example"
    member_b.refresh_from_db()
    assert member_b.email == "sam@home.example"
    # A password reset for the attacker's address reaches nobody; the person's own address works.
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": "attacker@evil.example"})
    assert mail.outbox == []
    client.post(reverse("password_reset"), {"email": "sam@home.example"})
    assert [m.to for m in mail.outbox] == [["sam@home.example"]]


def test_erasing_a_shared_person_keeps_the_other_record_and_the_account(
    matrix, token_client, other_client, django_capture_on_commit_callbacks
):
    member_a, member_b = matrix["shared"]
    account_before = account_state(member_a.user_id)
    enrolment_a = matrix["enrolment_a"]
    with django_capture_on_commit_callbacks(execute=True):
        assert token_client.post(f"/api/v1/participants/{member_a.uuid}/erase/").status_code == 204
    assert account_state(member_b.user_id) == account_before
    member_b.refresh_from_db()
    assert member_b.erased_at is None and member_b.email == "sam@home.example" and member_b.active
    assert other_client.get(f"/api/v1/participants/{member_b.uuid}/").status_code == 200
    enrolment_a.refresh_from_db()
    placeholder = enrolment_a.user
    assert placeholder.pk != member_b.user_id and not placeholder.is_active and placeholder.email == ""
    assert ChallengeLog.objects.get(enrolment=enrolment_a).notes == ""
    assert not Enrolment.objects.filter(user_id=member_b.user_id, cohort__organisation=member_a.organisation).exists()
    assert token_client.get(f"/api/v1/participants/{member_a.uuid}/").status_code == 410
