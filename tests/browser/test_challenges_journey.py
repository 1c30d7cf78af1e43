"""Journey: a participant logs three conversations in a week, watches the progress bar reach the
target, marks a follow-up done, later records a referral and sees it on "Track your wins"."""

import pytest
from playwright.sync_api import expect

from courses.models import CoursePage
from lms import services
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.factories_challenges import ChallengeFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def progress(page):
    bar = page.locator("#week-progress")
    return int(bar.get_attribute("value")), int(bar.get_attribute("max"))


def log_conversation(page, *, setting, who, opener, plan_follow_up=False):
    form = page.locator("form.log-form")
    form.get_by_label("Where", exact=True).select_option(setting)
    form.get_by_label("Who it was with (optional)").fill(who)
    form.get_by_label("The opener you used (optional)").fill(opener)
    if plan_follow_up:
        form.get_by_label("Planned", exact=True).check()
        form.get_by_label("Follow-up due on (if planned)").fill(page.locator("#id_log-occurred_on").input_value())
    form.get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    assert page.get_by_text("Entry saved to your practice log.").is_visible()


def test_weekly_challenge_journey(page, demo_programme, assert_accessible):
    user = UserFactory(username="journey", password="journey-pass-2026")
    course = CoursePage.objects.get(slug="micro-connections")
    services.enrolment_create(user=user, course=course)

    login(page, "journey", "journey-pass-2026")
    page.get_by_role("link", name="Weekly challenges: Micro-connections", exact=False).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Prepare a go-to opener and use it", exact=True).is_visible()
    assert progress(page) == (0, 3)
    assert page.get_by_role("heading", name="Coming up").is_visible()
    assert_accessible(page)

    # 1. Three entries in the week; the bar fills up to the target.
    log_conversation(
        page,
        setting="canteen",
        who="a data analyst from Finance",
        opener="How's your week shaping up so far?",
        plan_follow_up=True,
    )
    assert progress(page) == (1, 3)
    log_conversation(page, setting="virtual", who="a new starter in IT", opener="Where's everyone joining from today?")
    assert progress(page) == (2, 3)
    log_conversation(page, setting="corridor", who="the facilities lead", opener="What's keeping you busy?")
    # 2. The target is reached.
    assert progress(page) == (3, 3)
    assert page.get_by_text("Target met this week").is_visible()
    assert page.locator(".log-entry").count() == 3

    # 3. The planned follow-up is due today: one click marks it done.
    follow_ups = page.locator("section[aria-labelledby=follow-ups-heading]")
    follow_ups.get_by_role("button", name="Mark done").click()
    page.wait_for_load_state()
    assert page.get_by_text("Follow-up marked as done.").is_visible()
    assert follow_ups.get_by_text("Nothing due").is_visible()

    # 4. Later, the first conversation leads to a referral.
    first = page.locator(".log-entry", has_text="a data analyst from Finance")
    first.get_by_label("Outcome", exact=True).select_option("referral")
    first.get_by_role("button", name="Update outcome").click()
    page.wait_for_load_state()
    assert page.get_by_text("Outcome updated: A referral.").is_visible()
    assert_accessible(page)

    # 5. The wins page shows it.
    page.get_by_role("link", name="Track your wins").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Track your wins", level=1).is_visible()
    assert page.get_by_test_id("funnel-logged").inner_text() == "3"
    assert page.get_by_test_id("funnel-followed-up").inner_text() == "1"
    assert page.get_by_test_id("funnel-wins").inner_text() == "1"
    assert page.locator("td[data-outcome=referral]").inner_text() == "1"
    assert page.locator("svg[role=img]").count() == 3
    assert_accessible(page)


# --- Issue 16: the log form's error summary, character count and follow-up dates ------------------

RED = "rgb(164, 22, 26)"  # --bad


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def in_viewport(page, locator):
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] > -1 and box["y"] + min(box["height"], 40) <= height


@pytest.mark.parametrize("width", [1366, 390])
def test_a_rejected_entry_opens_at_its_error_summary(strict_page, mini_programme, assert_accessible, width):
    """Under the site's strict CSP: forms.js is a static file, so it runs."""
    page = strict_page
    page.set_viewport_size({"width": width, "height": 800})
    user = UserFactory(username="forms", password="forms-pass-2026")
    EnrolmentFactory(user=user, course=mini_programme, days_ago=3)
    ChallengeFactory(course=mini_programme, week=1, title="Say hello")
    login(page, "forms", "forms-pass-2026")
    page.goto(f"/learn/challenges/{mini_programme.pk}/")
    form = page.locator("form.log-form")

    # Follow-up dates: only the one that applies is shown.
    due, done = form.get_by_label("Follow-up due on (if planned)"), form.get_by_label("Followed up on (if done)")
    expect(due).to_be_hidden()
    expect(done).to_be_hidden()
    form.get_by_label("Planned", exact=True).check()
    expect(due).to_be_visible()
    expect(done).to_be_hidden()
    form.get_by_label("Done", exact=True).check()
    expect(due).to_be_hidden()
    expect(done).to_be_visible()
    form.get_by_label("No follow-up", exact=True).check()
    expect(done).to_be_hidden()

    # The notes count down, and say when they are over (nothing is cut).
    notes = form.get_by_label("Notes (optional)")
    count = page.locator("#id_log-notes_helptext")
    expect(count).to_have_text("2,000 characters left")
    notes.fill("x" * 60)
    expect(count).to_have_text("1,940 characters left")
    expect(page.locator("#id_log-notes_count_live")).to_have_text("")  # far from the limit: silent
    notes.fill("x" * 2010)
    expect(count).to_have_text("You have 10 characters too many")
    expect(page.locator("#id_log-notes_count_live")).to_have_text("You have 10 characters too many")
    assert len(notes.input_value()) == 2010
    assert_accessible(page)

    # Submit without a setting: the page opens at the summary, focused.
    form.get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert in_viewport(page, summary), summary.bounding_box()
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        ["Choose where it happened from the list.", "Keep this to 2,000 characters (it has 2,010: 10 too many)."]
    )
    links.first.click()
    setting = page.locator("#id_log-setting")
    expect(setting).to_be_focused()
    assert in_viewport(page, setting)
    assert setting.evaluate("el => getComputedStyle(el).borderTopColor") == RED
    row = page.locator(".form-row-error", has=setting)
    assert row.locator(".field-error").inner_text().endswith("Choose where it happened from the list.")
    assert len(page.locator("#id_log-notes").input_value()) == 2010  # nothing lost
    assert no_horizontal_overflow(page)
    assert_accessible(page)

    # Fixed, it saves and the page opens at the top with the message.
    setting.select_option("canteen")
    page.locator("#id_log-notes").fill("Met at the coffee machine.")
    page.locator("form.log-form").get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    assert page.get_by_text("Entry saved to your practice log.").is_visible()
    assert page.locator("[data-error-summary]").count() == 0
