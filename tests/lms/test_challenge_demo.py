"""The demo participant gets a few realistic practice-log entries, once."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import CoursePage
from lms.models import ChallengeLog

pytestmark = pytest.mark.django_db


def test_load_demo_gives_the_participant_entries_once_and_the_pages_render():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    entries = set(ChallengeLog.objects.values_list("uuid", flat=True))
    assert 5 <= len(entries) <= 6
    assert "practice log: " in out.getvalue()
    call_command("load_demo", stdout=io.StringIO())
    assert set(ChallengeLog.objects.values_list("uuid", flat=True)) == entries

    client = Client()
    assert client.login(username="participant", password="learn-micro-2026")
    course = CoursePage.objects.get(slug="micro-connections")
    page = client.get(reverse("lms:challenges", args=[course.pk])).content.decode()
    assert "Week 3 of your programme" in page and "a product owner" in page
    wins = client.get(reverse("lms:challenge_wins", args=[course.pk]))
    assert wins.status_code == 200 and wins.context["wins"].funnel["wins"] >= 3
    assert "Follow-ups due" in client.get(reverse("lms:learn")).content.decode()
