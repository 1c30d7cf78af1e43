"""The participant's cohort section on /learn/ and its selector: bounded, exact query counts."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from courses.models import CoursePage
from lms.models import EnrolmentStatus
from lms.selectors.cohorts import cohort_enrolments_for_participant
from lms.views.my_cohort import cohort_section
from tests.factories import CohortFactory, UserFactory
from tests.factories_api import EnrolmentFactory
from tests.factories_cohorts import trainer_user

pytestmark = pytest.mark.django_db


def courses(programme, n):
    out = [programme]
    for i in range(n - 1):
        course = CoursePage(title=f"Course {i}", slug=f"course-{i}", summary="S")
        programme.get_parent().add_child(instance=course)
        out.append(course)
    return out


@pytest.fixture
def participant(mini_programme):
    """A participant in three cohorts (two trainers each), one of them withdrawn, and one
    enrolment outside any cohort."""
    user = UserFactory()
    now = timezone.now()
    first, second, third, fourth = courses(mini_programme, 4)
    enrolments = []
    for days, course in ((3, first), (2, second), (1, third)):
        cohort = CohortFactory(course=course, start_date=timezone.localdate() - dt.timedelta(days=8))
        cohort.trainers.add(trainer_user(first_name="Tess", last_name=f"T{days}"), UserFactory(first_name=""))
        enrolments.append(
            EnrolmentFactory(user=user, course=course, cohort=cohort, enrolled_at=now - dt.timedelta(days=days))
        )
    enrolments[1].status, enrolments[1].withdrawn_at = EnrolmentStatus.WITHDRAWN, now
    enrolments[1].save()
    EnrolmentFactory(user=user, course=fourth, cohort=None)
    return user, enrolments


def test_selector_gives_current_cohort_enrolments_newest_first_in_two_queries(participant, django_assert_num_queries):
    user, enrolments = participant
    with django_assert_num_queries(2):
        found = cohort_enrolments_for_participant(user=user)
        names = [[t.username for t in e.cohort.trainers.all()] for e in found]
        organisations = [e.cohort.organisation.name for e in found]
        titles = [e.course.title for e in found]
    assert found == [enrolments[2], enrolments[0]]
    assert all(len(n) == 2 for n in names) and all(organisations) and all(titles)
    with django_assert_num_queries(2):
        assert cohort_enrolments_for_participant(user=user, limit=1) == [enrolments[2]]
    nobody = UserFactory()
    with django_assert_num_queries(1):
        assert cohort_enrolments_for_participant(user=nobody) == []


def test_section_lists_cohorts_with_week_and_trainers_in_four_queries(rf, participant, django_assert_num_queries):
    user, enrolments = participant
    request = rf.get("/learn/")
    request.user = user
    with django_assert_num_queries(4):  # enrolments, their trainers, the trainer permission (user, group)
        section = cohort_section(request)
        html = render_to_string(section["template"], {"section": section}, request=request)
    assert [item["cohort"] for item in section["cohorts"]] == [enrolments[2].cohort, enrolments[0].cohort]
    assert section["cohorts"][0]["week"] == 2 and section["is_trainer"] is False
    assert "Tess T1" in html and "Tess T2" not in html and "Tess T3" in html


def test_section_is_absent_for_someone_in_no_cohort_who_trains_none(rf):
    request = rf.get("/learn/")
    request.user = UserFactory()
    assert cohort_section(request) is None
    request.user = trainer_user()
    assert cohort_section(request)["is_trainer"] is True
