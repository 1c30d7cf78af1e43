"""Journey: a participant sees their progress towards the practice badge on /learn/ and the challenge
page, logs this week's conversations (the second with its follow-up done) and sees the badge, with
its expiry date and "renews while you keep practising". At desktop (1366 px) and mobile (390 px) widths."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import CoursePage
from lms.models import FollowUp, PracticeBadgeAward
from tests.browser.conftest import login
from tests.factories import CohortFactory, UserFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_conversation(page, *, setting, follow_up_done=False):
    form = page.locator("form.log-form")
    form.get_by_label("Where", exact=True).select_option(setting)
    if follow_up_done:
        form.get_by_label("Done", exact=True).check()
    form.get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    assert page.get_by_text("Entry saved to your practice log.").is_visible()


def no_horizontal_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1366, 390])
def test_progress_then_the_badge(page, mini_programme, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    CoursePage.objects.filter(pk=mini_programme.pk).update(badge_enabled=True, badge_name="Connector")
    challenges = {week: ChallengeFactory(course=mini_programme, week=week, target=2) for week in range(1, 7)}
    start = timezone.localdate() - dt.timedelta(days=56)  # the participant is in week 9
    user = UserFactory(username="badge", password="badge-pass-2026")
    enrolment = EnrolmentFactory(
        user=user, course=mini_programme, cohort=CohortFactory(course=mini_programme, start_date=start)
    )
    for week in range(1, 6):  # five weeks met, four follow-ups done
        day = start + dt.timedelta(days=7 * (week - 1) + 1)
        for i in range(2):
            done = i == 0 and week <= 4
            ChallengeLogFactory(
                enrolment=enrolment,
                challenge=challenges[week],
                occurred_on=day,
                follow_up=FollowUp.DONE if done else FollowUp.NONE,
                follow_up_done_on=day if done else None,
                notes="Private note about Jordan",
            )

    page.goto("/accounts/login/", timeout=60_000)  # the live server's first request is slow on a busy machine
    login(page, "badge", "badge-pass-2026")
    badges = page.locator("section[aria-labelledby=badges-heading]")
    assert badges.get_by_role("heading", name="Practice badges").is_visible()
    assert badges.get_by_test_id("badge-progress").inner_text() == "5 of 6 weeks met, 4 of 5 follow-ups"
    assert badges.get_by_label("Weeks meeting your target").get_attribute("value") == "5"
    no_horizontal_scroll(page, width)
    assert_accessible(page)

    badges.get_by_role("link", name="Weekly challenges").click()
    page.wait_for_load_state()
    card = page.locator("section[aria-labelledby=badge-heading]")
    assert card.get_by_test_id("badge-progress").inner_text() == "5 of 6 weeks met, 4 of 5 follow-ups"
    log_conversation(page, setting="canteen")
    assert card.get_by_test_id("badge-progress").inner_text() == "5 of 6 weeks met, 4 of 5 follow-ups"
    log_conversation(page, setting="virtual", follow_up_done=True)  # week 9 meets its target; 5th follow-up

    assert card.get_by_text("Badge held").is_visible()
    award = PracticeBadgeAward.objects.get(enrolment=enrolment)
    expiry = f"{timezone.localtime(award.expires_at):%-d %B %Y}"
    assert expiry in card.inner_text()
    assert "Private note" not in str(award.evidence)
    no_horizontal_scroll(page, width)
    assert_accessible(page)

    page.goto("/learn/")
    badges = page.locator("section[aria-labelledby=badges-heading]")
    assert badges.get_by_role("heading", name="Connector").is_visible()
    assert f"Valid until {expiry}" in badges.inner_text()
    assert "renews while you keep practising" in badges.inner_text()
    no_horizontal_scroll(page, width)
