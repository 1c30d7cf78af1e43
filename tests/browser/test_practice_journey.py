"""Journeys of issue 18: answer a 30-day check-in from the email link; take a booster on /learn/."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import ChallengeKind, CoursePage
from lms import services
from lms.models import BoosterCard, ChallengeLog, Outcome
from lms.services import practice
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory
from tests.factories_learning import add_quiz_module, right_answers

pytestmark = pytest.mark.django_db(transaction=True)


def test_answer_a_30_day_check_in_from_the_email(page, mini_programme, assert_accessible):
    user = UserFactory(username="checkin", password="checkin-pass-2026")
    enrolment = EnrolmentFactory(user=user, course=mini_programme, days_ago=40)
    challenge = ChallengeFactory(course=mini_programme, week=1, title="Say hello")
    log = ChallengeLogFactory(
        enrolment=enrolment, challenge=challenge, occurred_on=timezone.localdate() - dt.timedelta(days=30)
    )
    assert practice.checkins_run()["sent"] == 1
    (email,) = mail.outbox
    link = re.search(r"^\* A referral: (\S+)$", email.body, re.M).group(1)

    page.goto(urlsplit(link).path)  # the participant clicks the link in the email (not signed in)
    assert page.get_by_role("heading", name="Did this lead anywhere?").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, record “A referral”").click()
    page.wait_for_load_state()
    assert "Recorded: A referral" in page.get_by_test_id("checkin-recorded").inner_text()
    log.refresh_from_db()
    assert log.outcome == Outcome.REFERRAL

    page.goto(urlsplit(link).path[:-5] + "xxxx/")  # a damaged link
    assert page.get_by_role("heading", name="This link does not work").is_visible()

    login(page, "checkin", "checkin-pass-2026")
    page.goto(f"/learn/challenges/{mini_programme.pk}/wins/")
    assert page.get_by_test_id("wins-via-checkins").inner_text() == "1"
    assert ChallengeLog.objects.get().outcome_changes.count() == 1


def test_take_a_booster_on_the_learn_page(page, mini_programme, assert_accessible):
    user = UserFactory(username="booster", password="booster-pass-2026")
    module = add_quiz_module(mini_programme, slug="recall", title="Recall", n_questions=4, n_options=3)
    enrolment = services.enrolment_create(user=user, course=mini_programme)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, module))
    assert practice.booster_cards_seed() == 4
    BoosterCard.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))  # two days on

    login(page, "booster", "booster-pass-2026")
    section = page.get_by_test_id("boosters")
    assert section.get_by_role("heading", name="Boosters").is_visible()
    questions = section.locator("fieldset")
    assert questions.count() == 3
    assert_accessible(page)
    for index in range(3):
        fieldset = questions.nth(index)
        number = re.search(r"Question (\d+)\?", fieldset.locator("legend").inner_text()).group(1)
        # the factory's first option is the right one; answer the first two right, the last wrong
        choice = f"Option {number}.0" if index < 2 else f"Option {number}.1"
        fieldset.get_by_label(choice, exact=True).check()
    section.get_by_role("button", name="Check my answers").click()
    page.wait_for_url("**/learn/")
    assert page.get_by_text("Booster done: 2 of 3 right.").is_visible()
    assert page.get_by_text("EXPLANATION-", exact=False).first.is_visible()
    assert section.locator("fieldset").count() == 1  # the fourth question is still due
    retention = page.get_by_test_id(f"retained-{module.pk}")
    assert retention.inner_text() == "0"  # one right answer is not yet "retained"
    streaks = sorted(BoosterCard.objects.values_list("streak", flat=True))
    assert streaks == [0, 0, 1, 1]


# --- Issue 16: the practice course's own form and language ---------------------------------------

NETWORKING_WORDS = ("micro-connection", "follow-up", "Follow-up", "Follow-ups", "conversation", "Track your wins")


@pytest.mark.parametrize("width", [1366, 390])
def test_log_practice_with_the_calm_scale_by_keyboard(page, mini_programme, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 800})
    course = CoursePage(title="Stress management", slug="stress", summary="Calm.")
    mini_programme.get_parent().add_child(instance=course)
    ChallengeFactory(course=course, week=1, kind=ChallengeKind.PRACTICE, openers=[], title="Ten calm minutes")
    user = UserFactory(username="calm", password="calm-pass-2026")
    EnrolmentFactory(user=user, course=course, days_ago=3)
    login(page, "calm", "calm-pass-2026")
    page.goto(f"/learn/challenges/{course.pk}/")
    main = page.locator("main")
    for word in NETWORKING_WORDS:
        assert word not in main.inner_text(), word
    assert page.get_by_role("heading", name="Log a practice session").is_visible()

    # A rejected entry: friendly messages, the summary links to the scale.
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter the minutes you practised, a whole number from 1 to 600.",
            "Rate how calm you felt before practising, from 1 (tense) to 10 (calm).",
            "Rate how calm you felt after practising, from 1 (tense) to 10 (calm).",
        ]
    )
    summary.get_by_role("link").nth(1).click()
    expect(page.locator("#id_log-calm_before_0")).to_be_focused()
    assert_accessible(page)

    # The scale by keyboard: arrows move along it, Tab goes to the next question.
    before = page.get_by_role("group", name="How calm did you feel before practising?")
    after = page.get_by_role("group", name="How calm did you feel after practising?")
    assert before.get_by_role("radio").count() == 10
    box = before.locator(".rating-number").first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # big tap targets
    page.get_by_label("Minutes you practised").fill("15")
    page.locator("#id_log-calm_before_0").focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(before.get_by_role("radio", name="4")).to_be_checked()
    page.keyboard.press("Tab")
    expect(after.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("Space")
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    expect(after.get_by_role("radio", name="7")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_accessible(page)
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    assert page.get_by_text("Practice session saved to your practice log.").is_visible()
    assert page.locator(".log-entry").first.get_by_text("15 minutes · calm 4 → 7").is_visible()

    # The summary speaks of minutes and calm, not of wins.
    page.get_by_role("link", name="Your practice summary").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your practice summary", level=1).is_visible()
    assert page.get_by_test_id("practice-minutes").inner_text() == "15"
    assert page.get_by_test_id("practice-calm").inner_text() == "4.0 → 7.0"
    assert page.get_by_test_id("practice-change").inner_text() == "+3.0"
    for word in NETWORKING_WORDS:
        assert word not in main.inner_text(), word
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_accessible(page)
