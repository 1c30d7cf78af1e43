"""Editors author weekly challenges as Wagtail snippets: list filters, search, validation."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import Challenge, CoursePage, ModulePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, mini_programme):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.com", "pw"))
    return client


def challenge_form(course, module, **overrides):
    data = {
        "course": course.pk,
        "week": "1",
        "kind": "networking",
        "target": "3",
        "title": "Use an opener",
        "brief": "Three times this week.",
        "module": module.pk if module else "",
        "openers": streamfield([("opener", "How is your week?")]),
        "tips": streamfield([]),
        "cues": streamfield([("cue", "when I queue for coffee")]),
    }
    data.update(overrides)
    return nested_form_data(data)


def test_editor_creates_a_challenge_in_the_admin(editor_client, mini_programme):
    module = ModulePage.objects.get(slug="first")
    response = editor_client.post(
        reverse("wagtailsnippets_microlearn_courses_challenge:add"), challenge_form(mini_programme, module)
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    challenge = Challenge.objects.get()
    assert challenge.module == module and [b.value for b in challenge.openers] == ["How is your week?"]
    assert [b.value for b in challenge.cues] == ["when I queue for coffee"]


def test_module_of_another_course_is_a_form_error(editor_client, mini_programme):
    other = CoursePage(title="Other", slug="other", summary="Other course.")
    mini_programme.get_parent().add_child(instance=other)
    foreign = ModulePage(title="Foreign", slug="foreign")
    other.add_child(instance=foreign)
    response = editor_client.post(
        reverse("wagtailsnippets_microlearn_courses_challenge:add"), challenge_form(mini_programme, foreign)
    )
    assert response.status_code == 200
    assert "module of this challenge" in response.content.decode()
    assert not Challenge.objects.exists()


def test_listing_filters_by_course_week_and_kind_and_searches(editor_client, mini_programme):
    Challenge.objects.create(course=mini_programme, week=1, title="Opener week", brief="Say hello.")
    Challenge.objects.create(course=mini_programme, week=2, title="Lunch week", brief="Sit with someone.")
    url = reverse("wagtailsnippets_microlearn_courses_challenge:list")
    content = editor_client.get(url, {"week": "2"}).content.decode()
    assert "Lunch week" in content and "Opener week" not in content
    content = editor_client.get(url, {"course": mini_programme.pk, "kind": "networking"}).content.decode()
    assert "Lunch week" in content and "Opener week" in content
    content = editor_client.get(url, {"q": "hello"}).content.decode()
    assert "Opener week" in content and "Lunch week" not in content
