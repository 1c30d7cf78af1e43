"""Wagtail admin for enrolments and attempts: list, filter, search, enrol and withdraw (via services)."""

import pytest
from django.urls import reverse

from courses.models import ModulePage
from lms import services
from lms.models import Enrolment, EnrolmentStatus
from tests.factories import UserFactory
from tests.factories_learning import right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def enrolments(mini_programme):
    alice = services.enrolment_create(user=UserFactory(username="alice"), course=mini_programme)
    bob = services.enrolment_create(user=UserFactory(username="bob"), course=mini_programme)
    services.enrolment_withdraw(enrolment=bob)
    return alice, bob


def test_enrolments_are_listed_filtered_and_searchable(admin, enrolments):
    url = reverse("microlearn_lms_enrolments:index")
    page = admin.get(url).content.decode()
    assert "alice" in page and "bob" in page
    page = admin.get(url, {"status": "withdrawn"}).content.decode()
    assert "bob" in page and "alice" not in page
    page = admin.get(url, {"q": "ali"}).content.decode()
    assert "alice" in page and "bob" not in page


def test_staff_enrol_a_user_through_the_service(admin, mini_programme):
    mini_programme.self_enrol = False  # staff may enrol in invitation-only courses
    mini_programme.save_revision().publish()
    user = UserFactory(username="carol")
    response = admin.post(reverse("microlearn_lms_enrolments:add"), {"user": user.pk, "course": mini_programme.pk})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.source == "staff" and enrolment.status == EnrolmentStatus.ACTIVE and enrolment.enrolled_at
    # Enrolling again is idempotent: still one enrolment.
    admin.post(reverse("microlearn_lms_enrolments:add"), {"user": user.pk, "course": mini_programme.pk})
    assert Enrolment.objects.filter(user=user).count() == 1


def test_enrol_form_reports_service_errors_and_records_nothing(admin, mini_programme):
    from courses.models import CoursePage
    from tests.factories import CohortFactory

    other = CoursePage(title="Other course", slug="other-course", summary="S")
    mini_programme.get_parent().add_child(instance=other)
    cohort = CohortFactory(course=other)
    user = UserFactory(username="dave")
    response = admin.post(
        reverse("microlearn_lms_enrolments:add"), {"user": user.pk, "course": mini_programme.pk, "cohort": cohort.pk}
    )
    assert response.status_code == 200 and "different course" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_staff_withdraw_an_enrolment_through_the_service(admin, enrolments):
    alice, _ = enrolments
    url = reverse("microlearn_lms_enrolments:delete", args=[alice.pk])
    page = admin.get(url).content.decode()
    assert "Yes, withdraw" in page and "records are kept" in page
    response = admin.post(url)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.status == EnrolmentStatus.WITHDRAWN and alice.withdrawn_at
    assert Enrolment.objects.filter(pk=alice.pk).exists()  # withdrawn, never deleted
    response = admin.post(url, follow=True)
    assert "Only an active enrolment" in response.content.decode()


def test_enrolment_details_are_read_only(admin, enrolments):
    alice, _ = enrolments
    page = admin.get(reverse("microlearn_lms_enrolments:inspect", args=[alice.pk])).content.decode()
    assert "alice" in page and "Withdraw" in page
    assert admin.get(reverse("microlearn_lms_enrolments:edit", args=[alice.pk])).status_code == 200


def test_attempts_are_listed_filtered_and_inspectable(admin, enrolments):
    alice, _ = enrolments
    module = ModulePage.objects.get(slug="first")
    failed = services.quiz_attempt_start(enrolment=alice, module=module)
    services.quiz_attempt_submit(attempt=failed, answers=wrong_answers(failed, module))
    passed = services.quiz_attempt_start(enrolment=alice, module=module)
    services.quiz_attempt_submit(attempt=passed, answers=right_answers(passed, module))
    url = reverse("microlearn_lms_attempts:index")
    response = admin.get(url)
    assert response.status_code == 200 and "First module" in response.content.decode()
    rows = admin.get(url, {"passed": "true"}).context["object_list"]
    assert [a.pk for a in rows] == [passed.pk]
    rows = admin.get(url, {"q": "alice"}).context["object_list"]
    assert len(rows) == 2
    assert admin.get(reverse("microlearn_lms_attempts:inspect", args=[passed.pk])).status_code == 200


def test_learning_admin_needs_staff(client, enrolments):
    client.force_login(UserFactory())
    response = client.get(reverse("microlearn_lms_enrolments:index"))
    assert response.status_code in (302, 403)
