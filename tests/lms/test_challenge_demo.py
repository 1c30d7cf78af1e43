"""The demo participant gets a few realistic practice-log entries, once."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import CoursePage
from lms import weeks
from lms.models import ChallengeLog, Enrolment

pytestmark = pytest.mark.django_db


def test_load_demo_gives_the_participant_entries_once_and_the_pages_render():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    mine = ChallengeLog.objects.filter(enrolment__user__username="participant")
    entries = set(mine.values_list("uuid", flat=True))
    assert 5 <= len(entries) <= 6
    assert "practice log: " in out.getvalue()
    call_command("load_demo", stdout=io.StringIO())
    assert set(mine.values_list("uuid", flat=True)) == entries

    client = Client()
    assert client.login(username="participant", password="learn-micro-2026")
    course = CoursePage.objects.get(slug="micro-connections")
    page = client.get(reverse("microlearn_lms:challenges", args=[course.pk])).content.decode()
    enrolment = Enrolment.objects.select_related("cohort").get(user__username="participant", course=course)
    start = weeks.programme_start(
        enrolled_at=enrolment.enrolled_at, cohort_start=enrolment.cohort.start_date if enrolment.cohort else None
    )
    week = weeks.week_of(start, weeks.local_today())
    assert f"Week {week} of your programme" in page and "a product owner" in page
    wins = client.get(reverse("microlearn_lms:challenge_wins", args=[course.pk]))
    assert wins.status_code == 200 and wins.context["wins"].funnel["wins"] >= 3
    assert "Follow-ups due" in client.get(reverse("microlearn_lms:learn")).content.decode()
