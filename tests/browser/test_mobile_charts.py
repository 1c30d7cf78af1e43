"""Issue 16 (items 2/5/7): the participant's charts and boosters read well on a phone.

At 1366 and 390 px, every SVG text of "Track your wins" and of the practice summary is drawn at
12 px or more (its CSS font size times the SVG's scale), nothing scrolls sideways, and axe finds
nothing serious. The booster questions on /learn/ keep their question inside the box, each option
beside its control."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import ChallengeKind, CoursePage
from lms import services
from lms.models import BoosterCard, Outcome, Setting
from lms.services import practice
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory
from tests.factories_learning import add_quiz_module, right_answers

pytestmark = pytest.mark.django_db(transaction=True)

NO_PAGE_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
# Every chart text as drawn: [CSS font size x the SVG's scale, text, is it inside its SVG's box].
CHART_TEXTS = """() => [...document.querySelectorAll('svg.chart-svg text')].map(t => {
    const svg = t.ownerSVGElement.getBoundingClientRect(), box = t.getBoundingClientRect();
    return [parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a, t.textContent,
            box.left >= svg.left - 1 && box.right <= svg.right + 1];
})"""


def assert_readable_charts(page, expected_charts):
    assert page.locator("svg.chart-svg").count() == expected_charts
    texts = page.evaluate(CHART_TEXTS)
    assert len(texts) > 10
    for size, text, inside in texts:
        assert size >= 12, f"{text!r} is drawn at {size:.1f} px"
        assert inside, f"{text!r} spills out of its chart"
    assert page.evaluate(NO_PAGE_OVERFLOW), "the page scrolls sideways"


def test_wins_charts_are_readable(sized_page, mini_programme, assert_accessible):
    page = sized_page
    user = UserFactory(username="wins", password="wins-pass-2026")
    enrolment = EnrolmentFactory(user=user, course=mini_programme, days_ago=90)
    challenge = ChallengeFactory(course=mini_programme, week=1, title="Say hello")
    settings = list(Setting)
    outcomes = [Outcome.NONE_YET, Outcome.MEETING, Outcome.NONE_YET, Outcome.REFERRAL]
    for n in range(24):
        ChallengeLogFactory(
            enrolment=enrolment,
            challenge=challenge,
            occurred_on=timezone.localdate() - dt.timedelta(days=n * 3 + 1),
            setting=settings[n % len(settings)],
            outcome=outcomes[n % len(outcomes)],
        )
    login(page, "wins", "wins-pass-2026")
    page.goto(f"/learn/challenges/{mini_programme.pk}/wins/")
    assert page.get_by_role("heading", name="Track your wins", level=1).is_visible()
    assert page.get_by_test_id("funnel-logged").inner_text() == "24"
    assert_readable_charts(page, 3)
    # the setting chart names every setting in full, on the lines above its bars
    settings_chart = page.get_by_role("img", name="Conversations and wins by setting")
    assert "Airport lounge or travel" in settings_chart.text_content()
    # the accessible alternatives are still there
    assert page.get_by_role("table", name="Conversations and wins by setting, as a table").count() == 1
    assert_accessible(page)


def test_practice_summary_charts_are_readable(sized_page, mini_programme, assert_accessible):
    page = sized_page
    course = CoursePage(title="Stress management", slug="stress", summary="Calm.")
    mini_programme.get_parent().add_child(instance=course)
    challenge = ChallengeFactory(course=course, week=1, kind=ChallengeKind.PRACTICE, openers=[], title="Calm minutes")
    user = UserFactory(username="calm", password="calm-pass-2026")
    enrolment = EnrolmentFactory(user=user, course=course, days_ago=100)
    for n in range(14):
        ChallengeLogFactory(
            enrolment=enrolment,
            challenge=challenge,
            occurred_on=timezone.localdate() - dt.timedelta(days=n * 7 + 1),
            setting="",
            who="",
            opener="",
            minutes=150 + n * 10,
            calm_before=3 + n % 4,
            calm_after=7 + n % 3,
        )
    login(page, "calm", "calm-pass-2026")
    page.goto(f"/learn/challenges/{course.pk}/wins/")
    assert page.get_by_role("heading", name="Your practice summary", level=1).is_visible()
    assert_readable_charts(page, 2)
    minutes = page.get_by_role("img", name="Minutes practised per programme week")
    assert "Programme week" in minutes.text_content()
    assert_accessible(page)


def test_booster_questions_read_well(sized_page, mini_programme, assert_accessible):
    page = sized_page
    user = UserFactory(username="booster", password="booster-pass-2026")
    module = add_quiz_module(mini_programme, slug="recall", title="Recall", n_questions=3, n_options=3)
    enrolment = services.enrolment_create(user=user, course=mini_programme)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, module))
    assert practice.booster_cards_seed() == 3
    BoosterCard.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))

    login(page, "booster", "booster-pass-2026")
    questions = page.get_by_test_id("boosters").locator("fieldset")
    assert questions.count() == 3
    for index in range(3):
        fieldset = questions.nth(index)
        box = fieldset.bounding_box()
        legend = fieldset.locator("legend").bounding_box()
        # the question sits inside the box, not across its top border
        assert legend["y"] > box["y"] + 4 and legend["x"] > box["x"]
        assert legend["x"] + legend["width"] <= box["x"] + box["width"]
        module_name = fieldset.locator(".booster-module").bounding_box()
        assert module_name["y"] >= fieldset.locator(".booster-text").bounding_box()["y"] + 10  # its own line
        first = fieldset.locator(".quiz-option").first
        control, label = first.locator("input").bounding_box(), first.locator("label").bounding_box()
        assert label["x"] >= control["x"] + control["width"]  # the text beside its control, never under it
        assert legend["y"] + legend["height"] <= control["y"]
        fieldset.locator("label").first.click()  # the label checks its control
        assert fieldset.locator("input[type=radio], input[type=checkbox]").first.is_checked()
    assert page.evaluate(NO_PAGE_OVERFLOW)
    assert_accessible(page)
