"""Practice badge pages: /learn/ section (exact queries), challenge page, cohort figure, achievement page."""

import uuid

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from courses.models import CoursePage
from lms.models import BadgeStatus, PracticeBadgeAward
from lms.services.badges import evaluate_practice_badge
from lms.views.badges import badges_section
from tests.factories import CohortFactory
from tests.factories_cohorts import trainer_user
from tests.lms.test_badges import NOW, START, practise

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(mini_programme):
    from tests.factories_challenges import ChallengeFactory

    CoursePage.objects.filter(pk=mini_programme.pk).update(badge_enabled=True, badge_name="Connector")
    mini_programme.refresh_from_db()
    for week in range(1, 7):
        ChallengeFactory(course=mini_programme, week=week, target=2)
    return mini_programme


@pytest.fixture
def cohort(course):
    return CohortFactory(course=course, start_date=START)


def enrol(cohort):
    from tests.factories_challenges import EnrolmentFactory

    return EnrolmentFactory(course=cohort.course, cohort=cohort)


def section_html(rf, user):
    request = rf.get("/learn/")
    request.user = user
    section = badges_section(request)
    return section, render_to_string(section["template"], {"section": section}, request=request)


@time_machine.travel(NOW, tick=False)
def test_learn_section_queries_do_not_grow_with_entries(rf, cohort, django_assert_num_queries):
    small, large = enrol(cohort), enrol(cohort)
    practise(small, 1, entries=1)
    for week in range(1, 9):
        practise(large, week, entries=40 if week <= 4 else 1, follow_ups=1)
    for enrolment in (small, large):
        # enrolments with their newest award's id, the courses' targets, daily counts, follow-ups done
        with django_assert_num_queries(4):
            _section, html = section_html(rf, enrolment.user)
    assert "4 of 6 weeks met, 5 of 5 follow-ups" in " ".join(html.split())  # 8 done, shown against the rule
    practise(large, 8, entries=2, follow_ups=1)
    practise(large, 7, entries=2)
    assert evaluate_practice_badge(enrolment_id=large.pk).action == "awarded"
    with django_assert_num_queries(5):  # + the awards
        _section, html = section_html(rf, large.user)
    assert "Badge held" in html and "renews while you keep practising" in html


@time_machine.travel(NOW, tick=False)
def test_learn_page_shows_progress_then_the_badge_then_expired(client, cohort):
    enrolment = enrol(cohort)
    for week in range(1, 5):
        practise(enrolment, week, follow_ups=1 if week <= 2 else 0)
    client.force_login(enrolment.user)
    page = " ".join(client.get(reverse("microlearn_lms:learn")).content.decode().split())
    assert "Practice badges" in page
    assert "4 of 6 weeks met, 2 of 5 follow-ups" in page
    for week in (5, 6):
        practise(enrolment, week, follow_ups=1)
    practise(enrolment, 7, entries=2, follow_ups=1)
    award = evaluate_practice_badge(enrolment_id=enrolment.pk).award
    page = " ".join(client.get(reverse("microlearn_lms:learn")).content.decode().split())
    assert "Badge held" in page and "Connector" in page
    assert f"Valid until <strong>{award.expires_at:%-d %B %Y}</strong>" in page
    PracticeBadgeAward.objects.filter(pk=award.pk).update(status=BadgeStatus.EXPIRED)
    page = " ".join(client.get(reverse("microlearn_lms:learn")).content.decode().split())
    assert "Expired" in page and "Badge held" not in page
    assert "6 of 6 weeks met, 5 of 5 follow-ups" in page  # the progress shows again


@time_machine.travel(NOW, tick=False)
def test_no_section_when_the_badge_is_off(rf, cohort):
    enrolment = enrol(cohort)
    CoursePage.objects.filter(pk=cohort.course_id).update(badge_enabled=False)
    request = rf.get("/learn/")
    request.user = enrolment.user
    assert badges_section(request) is None


@time_machine.travel(NOW, tick=False)
def test_challenge_page_shows_the_badge_card_in_two_more_queries(client, cohort, django_assert_num_queries):
    enrolment = enrol(cohort)
    for week in range(1, 5):
        practise(enrolment, week, follow_ups=1 if week <= 2 else 0)
    url = reverse("microlearn_lms:challenges", args=[cohort.course_id])
    client.force_login(enrolment.user)
    client.get(url)  # warm Wagtail's site root cache
    with django_assert_num_queries(15):  # 13 (test_challenge_pages) + the follow-ups count + the newest award
        response = client.get(url)
    page = " ".join(response.content.decode().split())
    assert 'aria-labelledby="badge-heading"' in page
    assert "4 of 6 weeks met, 2 of 5 follow-ups" in page
    assert "microlearn_lms/css/badges.css" in page


@time_machine.travel(NOW, tick=False)
def test_cohort_page_shows_badges_held(client, cohort):
    enrolment = enrol(cohort)
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    evaluate_practice_badge(enrolment_id=enrolment.pk)
    trainer = trainer_user()
    cohort.trainers.add(trainer)
    client.force_login(trainer)
    page = client.get(reverse("microlearn_lms:trainer-cohort", args=[cohort.pk])).content.decode()
    assert 'Practice badges: <strong data-testid="badges-held">1</strong> held' in page


def test_achievement_page_describes_the_rule_and_404s_when_off(client, course):
    url = reverse("microlearn_lms:badge_achievement", args=[course.translation_key])
    response = client.get(url)
    assert response.status_code == 200
    assert "Connector" in response.content.decode()
    assert "at least 6 weeks and completed at least 5 follow-ups" in response.content.decode()
    CoursePage.objects.filter(pk=course.pk).update(badge_enabled=False)
    assert client.get(url).status_code == 404
    assert client.get(reverse("microlearn_lms:badge_achievement", args=[uuid.uuid4()])).status_code == 404


def test_the_demo_enables_the_badge_on_micro_connections(demo_programme):
    course = CoursePage.objects.get(slug="micro-connections")
    assert course.badge_enabled and course.badge_name == "Micro-connections practitioner"
    assert (course.badge_min_weeks_met, course.badge_min_follow_ups, course.badge_valid_days) == (6, 5, 180)
    assert not CoursePage.objects.get(slug="stress-management").badge_enabled


def test_course_editor_has_a_practice_badge_tab(client, course):
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Practice badge" in html
    for name in ("badge_enabled", "badge_name", "badge_min_weeks_met", "badge_min_follow_ups", "badge_valid_days"):
        assert f'name="{name}"' in html
