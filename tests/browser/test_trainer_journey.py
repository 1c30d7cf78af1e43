"""A trainer's journey through the cohort pages in Chromium, with axe checks on each page, and
the cohort table's layout at 1366 and 390 px (issue 16, item 3)."""

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import ModulePage
from lms.models import NudgeLog
from tests.factories_cohorts import ChallengeFactory, cohort_for, entry, participant, progress, trainer_user

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TITLE = "Why micro-connections matter in a hybrid workplace, and how to start one on a Monday"
NO_PAGE_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
# The smallest font size of the charts' SVG text as drawn: CSS size times the SVG's scale.
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.trainer-chart text')].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"""


def trainer_login(page, username, password):
    """Sign in on the login page; a trainer lands on their cohorts, not /learn/."""
    page.set_default_timeout(45_000)  # the shared CI machine can be slow; nothing here is timed
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/trainer/cohorts/")


def northwind(mini_programme):
    trainer = trainer_user(username="coach", first_name="Tess", last_name="Rahman")
    cohort = cohort_for(mini_programme, trainers=[trainer], name="Northwind Pilot")
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    first = ModulePage.objects.child_of(mini_programme).first()
    first.title = LONG_TITLE
    first.save()
    idle = participant(
        cohort,
        first_name="Grace",
        last_name="Liu",
        email="grace.liu@northwind-traders.example.com",
        last_activity=timezone.now() - dt.timedelta(days=10),
    )
    busy = participant(cohort, first_name="Kofi", last_name="Mensah")
    entry(busy, challenge, outcome="meeting", notes="Coffee with the Lisbon lead")
    for module in ModulePage.objects.child_of(mini_programme):
        progress(busy, module, done=True, passed=True, best=90)
    for i in range(6):
        participant(cohort, first_name=f"Extra{i}", last_name="Person", last_activity=timezone.now())
    return cohort, idle, busy


def test_trainer_lands_on_cohorts_follows_at_risk_link_nudges_and_downloads(
    page, live_server, mini_programme, assert_accessible
):
    cohort, idle, _busy = northwind(mini_programme)
    trainer_login(page, "coach", "pw-for-tests")
    assert_accessible(page)
    page.get_by_role("link", name="Northwind Pilot").click()
    page.get_by_role("heading", level=1, name="Northwind Pilot").wait_for()
    assert_accessible(page)

    # "N at risk" is a link to the at-risk filter
    at_risk_link = page.get_by_test_id("at-risk-link")
    count = int(at_risk_link.locator("strong").inner_text())
    assert count == 7  # Grace (idle) and the six extras, two modules behind in week 3
    at_risk_link.click()
    page.wait_for_url("**at_risk=1**")
    assert page.get_by_label("At risk only").is_checked()
    table = page.locator("table.participants-table tbody")
    assert table.get_by_role("link", name="Grace Liu").is_visible()
    assert table.get_by_role("link", name="Kofi Mensah").count() == 0
    assert table.locator("tr").count() == count

    # the filter form still works the other way round
    page.get_by_label("At risk only").uncheck()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/trainer/cohorts/*/?**")
    assert table.get_by_role("link", name="Kofi Mensah").is_visible()

    table.get_by_role("link", name="Grace Liu").click()
    page.get_by_role("heading", level=1, name="Grace Liu").wait_for()
    assert page.get_by_text("No activity for 10 days").first.is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Send a nudge…").click()
    page.get_by_role("heading", name="Send a nudge").wait_for()
    assert_accessible(page)
    page.get_by_label("Personal note (optional)").fill("Fancy a coffee on Friday?")
    page.get_by_role("button", name="Send nudge").click()
    page.get_by_text("Nudge sent to 1: Grace Liu.").wait_for()
    assert page.get_by_text("Fancy a coffee on Friday?").is_visible()
    assert NudgeLog.objects.filter(enrolment=idle).count() == 1
    assert len(mail.outbox) == 1

    page.get_by_role("link", name="Northwind Pilot").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="progress (CSV)").click()
    download = download_info.value
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and b"Grace Liu" in body
    assert download.suggested_filename.startswith(f"cohort-{cohort.pk}-progress-")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_cohort_table_fits_the_screen(page, live_server, mini_programme, assert_accessible, width):
    cohort, _idle, _busy = northwind(mini_programme)
    page.set_viewport_size({"width": width, "height": 900})
    trainer_login(page, "coach", "pw-for-tests")
    page.goto(f"/trainer/cohorts/{cohort.pk}/")
    page.get_by_role("heading", level=1, name="Northwind Pilot").wait_for()
    assert page.evaluate(NO_PAGE_OVERFLOW), "the page scrolls sideways"
    assert_accessible(page)

    grace = page.locator("tbody tr", has=page.get_by_role("link", name="Grace Liu"))
    name_cell = grace.locator("th.col-name")
    reason = name_cell.get_by_text("No activity for 10 days")
    assert reason.is_visible()  # the reasons are under the name, in the name cell
    name_box = name_cell.get_by_role("link", name="Grace Liu").bounding_box()
    assert reason.bounding_box()["y"] > name_box["y"]
    assert reason.bounding_box()["x"] + reason.bounding_box()["width"] <= width

    if width == 1366:
        # every column on screen, no scrolling inside the table
        scroll = page.locator(".cohort-scroll")
        assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls sideways at 1366 px"
        right = scroll.bounding_box()["x"] + scroll.bounding_box()["width"]
        for header in ("This week", "Streak", "Overdue follow-ups", "Wins", "Last activity"):
            box = page.get_by_role("columnheader", name=header).bounding_box()
            assert box["x"] + box["width"] <= right + 1, header
        assert grace.locator('td[data-label="Last activity"] time').is_visible()
        # at-risk rows are no taller than their content needs: not tall blank bands
        assert grace.bounding_box()["height"] < 200
        # the module statuses open from the Modules column
        grace.locator("summary").click()
        assert grace.locator(f'abbr[title="{LONG_TITLE}"]').is_visible()
        assert page.evaluate(NO_PAGE_OVERFLOW)
        # the name column is sticky: on a narrower screen where the table scrolls, it stays put
        assert name_cell.evaluate("e => getComputedStyle(e).position") == "sticky"
        page.set_viewport_size({"width": 900, "height": 900})
        assert scroll.evaluate("e => e.scrollWidth > e.clientWidth")
        scroll.evaluate("e => { e.scrollLeft = 250; }")
        page.wait_for_function("() => document.querySelector('.cohort-scroll').scrollLeft > 0")
        # scrolled 250 px, the name cell sits at the scroll area's left edge instead of off-screen
        assert abs(name_cell.bounding_box()["x"] - scroll.bounding_box()["x"]) < 2
        assert name_cell.get_by_role("link", name="Grace Liu").is_visible()
        assert page.evaluate(NO_PAGE_OVERFLOW)
    else:
        # cards: every figure of the row is on screen, labelled
        for label in ("Progress", "Modules", "This week", "Streak", "Wins", "Last activity"):
            cell = grace.locator(f'td[data-label="{label}"]')
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width, label
        # chart text stays at 12 px or more as drawn
        page.locator("svg.trainer-chart").first.scroll_into_view_if_needed()
        assert page.evaluate(SMALLEST_CHART_TEXT) >= 12

    # chart labels fit inside their SVG: a long title wraps, and keeps its full text as a tooltip
    labels = page.locator("#chart-modules-title").locator("xpath=..").locator("text.chart-label")
    assert labels.first.text_content().startswith("Why micro-connections matter")
    svg_box = page.locator("svg.trainer-chart").first.bounding_box()
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box["x"] >= svg_box["x"] - 1 and box["x"] + box["width"] <= svg_box["x"] + svg_box["width"] + 1
