"""Completion panel, extra attempts and course cards in Chromium at 1366 and 390 px, with axe
checks and no horizontal overflow (issue 16, items 4 and 7). Screenshots go to
$MICROLEARN_SCREENSHOTS when set, to look at by eye."""

import os
from pathlib import Path

import pytest

from lms import services
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.factories_certificates import issued_certificate
from tests.factories_cohorts import ChallengeFactory, cohort_for, participant, trainer_user
from tests.factories_learning import add_quiz_module, wrong_answers

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [pytest.param(1366, id="desktop"), pytest.param(390, id="mobile")]


def at_width(page, width):
    page.set_viewport_size({"width": width, "height": 900})


def assert_no_horizontal_overflow(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} overflows by {overflow}px"


def shoot(page, name):
    folder = os.environ.get("MICROLEARN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_completed_course_shows_certificate_share_and_next_step(page, mini_programme, assert_accessible, width):
    from courses.models import CoursePage

    nxt = CoursePage(title="Listening well", slug="listening-well", summary="The next step.")
    mini_programme.get_parent().add_child(instance=nxt)
    nxt.save_revision().publish()
    ChallengeFactory(course=mini_programme)
    certificate = issued_certificate(mini_programme, username="finisher")
    at_width(page, width)
    login(page, "finisher", "pw-for-tests")
    page.goto(mini_programme.url)
    panel = page.locator(".completion-panel")
    assert panel.get_by_role("heading", name=f"You completed {mini_programme.title}").is_visible()
    download = panel.get_by_role("link", name="Download certificate (PDF)")
    assert download.is_visible()
    assert (
        panel.get_by_role("link", name="Add to LinkedIn")
        .get_attribute("href")
        .startswith("https://www.linkedin.com/profile/add?")
    )
    assert certificate.verification_code in panel.get_by_label("Verification link").input_value()
    assert panel.get_by_role("button", name="Copy link").is_visible()  # revealed by certificates.js
    assert panel.get_by_role("link", name="Next course: Listening well").is_visible()
    assert panel.get_by_role("link", name="Set an if-then plan").is_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shoot(page, f"completion-{width}")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.endswith(".pdf")


@pytest.mark.parametrize("width", WIDTHS)
def test_trainer_grants_an_attempt_and_the_participant_retakes(page, mini_programme, assert_accessible, width):
    trainer = trainer_user(username="coach", first_name="Tess", last_name="Rahman")
    cohort = cohort_for(mini_programme, trainers=[trainer], name="Northwind Pilot")
    enrolment = participant(cohort, username="grace", first_name="Grace", last_name="Liu")
    quiz = add_quiz_module(mini_programme, slug="one-go", title="One go", n_questions=2, quiz_max_attempts=1)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=quiz)
    services.quiz_attempt_submit(attempt=attempt, answers=wrong_answers(attempt, quiz), module=quiz)

    at_width(page, width)
    login(page, "coach", "pw-for-tests", lands_on="**/trainer/cohorts/")  # a trainer lands on their cohorts
    assert page.get_by_role("heading", level=1).inner_text() == "Cohorts"
    page.goto(f"/trainer/cohorts/{cohort.pk}/people/{enrolment.pk}/")
    section = page.locator(".attempt-grants")
    section.get_by_label("Reason").fill("Connection dropped during the quiz")
    assert_accessible(page)
    # The drill-down's wide tables scroll on their own (trainer.css); the grant form must fit.
    box = section.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    shoot(page, f"grant-form-{width}")
    section.get_by_role("button", name="Grant one more attempt").click()
    assert page.get_by_text("Grace Liu can now take “One go” once more").is_visible()
    assert page.locator(".grant-log").get_by_text("Connection dropped during the quiz").is_visible()
    assert page.get_by_role("button", name="Grant one more attempt").count() == 0

    page.context.clear_cookies()
    login(page, "grace", "pw-for-tests")
    page.goto(quiz.url)
    assert page.get_by_text("Your trainer gave you another attempt at this quiz.").is_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shoot(page, f"granted-module-{width}")
    page.get_by_role("button", name="Try the quiz again").click()
    page.wait_for_url("**/learn/attempts/**")
    assert page.get_by_text("attempt 2 of 2").is_visible()
    assert page.get_by_text("This is your last attempt.").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_course_cards_and_hero_have_images(page, mini_programme, assert_accessible, width):
    services.enrolment_create(user=UserFactory(username="learner"), course=mini_programme)
    at_width(page, width)
    page.goto(mini_programme.get_parent().url)
    card = page.locator(".course-card").first
    image = card.locator("img.card-image")
    assert image.is_visible()
    # The SVG loads (lazily: wait for it, then check it decoded to a real size).
    page.wait_for_function("() => { const i = document.querySelector('.course-card img'); return i && i.complete; }")
    assert page.evaluate("document.querySelector('.course-card img').naturalWidth") > 0
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shoot(page, f"course-index-{width}")

    login(page, "learner", "pw-for-tests")
    assert page.locator(".course-progress img.card-image").first.is_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shoot(page, f"learn-{width}")
    page.goto(mini_programme.url)
    hero = page.locator(".course-hero")
    assert hero.get_by_role("heading", level=1, name=mini_programme.title).is_visible()
    assert hero.get_by_text("minutes left").is_visible()
    assert hero.locator("progress").is_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shoot(page, f"course-hero-{width}")
