"""Authoring in Chromium: a new quiz question has two options, partial credit shows only for
multiple choice, a failed publish opens the Quiz tab where the error is, and the cohort's
Trainers list has a working search box."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.factories_cohorts import cohort_for, trainer_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_quiz_editor_for_non_developers(page, live_server, mini_programme):
    UserFactory(username="author", is_staff=True, is_superuser=True)
    login(page, "author", "pw-for-tests")
    page.goto(f"/admin/pages/add/microlearn_courses/modulepage/{mini_programme.pk}/")
    page.get_by_role("tab", name="Quiz").click()
    quiz = page.locator("#tab-quiz")
    quiz.locator("button[title='Insert a block']").first.click()
    question = quiz.locator(".ml-quiz-question").first
    expect(question).to_be_visible()
    expect(question.locator("[data-contentpath='options'] [data-contentpath='text'] input")).to_have_count(2)

    partial = question.locator("[data-contentpath='partial_credit']").first
    expect(partial).to_be_hidden()  # single choice is the default kind
    question.get_by_label("Multiple choice").check()
    expect(partial).to_be_visible()
    question.get_by_label("True / false").check()
    expect(partial).to_be_hidden()

    # A question without a correct option: publishing fails, the editor opens on the Quiz tab.
    question.get_by_label("Single choice").check()
    question.locator("[data-contentpath='text'] textarea").first.fill("Which?")
    options = question.locator("[data-contentpath='options'] [data-contentpath='text'] input")
    options.nth(0).fill("A")
    options.nth(1).fill("B")
    page.get_by_role("tab", name="Content").click()
    page.locator("#id_title").fill("Browser quiz")
    page.locator("#id_summary").fill("A summary")
    page.locator("#id_estimated_minutes").fill("5")
    page.locator("button.dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Mark at least one option as correct.")).to_be_visible()
    expect(page.get_by_role("tab", name="Quiz")).to_have_attribute("aria-selected", "true")


def test_trainers_field_search_box_filters_by_name(page, live_server, mini_programme):
    cohort = cohort_for(mini_programme)
    trainer_user(username="t1", first_name="Grace", last_name="Hopper")
    trainer_user(username="t2", first_name="Alan", last_name="Turing")
    UserFactory(username="boss", is_staff=True, is_superuser=True, first_name="Bo", last_name="Ss")
    login(page, "boss", "pw-for-tests")
    page.goto(f"/admin/cohorts/edit/{cohort.pk}/")
    search = page.get_by_label("Search the list below by name or email")
    expect(page.get_by_text("Grace Hopper")).to_be_visible()
    search.fill("turing")
    expect(page.get_by_text("Grace Hopper")).to_be_hidden()
    expect(page.get_by_text("Alan Turing")).to_be_visible()
