"""A trainer's journey through the cohort pages in Chromium, with axe checks on each page."""

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import ModulePage
from lms.models import NudgeLog
from tests.browser.conftest import login
from tests.factories_cohorts import ChallengeFactory, cohort_for, entry, participant, progress, trainer_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_trainer_filters_to_at_risk_nudges_and_downloads(page, live_server, mini_programme, assert_accessible):
    trainer = trainer_user(username="coach", first_name="Tess", last_name="Rahman")
    cohort = cohort_for(mini_programme, trainers=[trainer], name="Northwind Pilot")
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    idle = participant(
        cohort, first_name="Grace", last_name="Liu", last_activity=timezone.now() - dt.timedelta(days=10)
    )
    busy = participant(cohort, first_name="Kofi", last_name="Mensah")
    entry(busy, challenge, outcome="meeting", notes="Coffee with the Lisbon lead")
    for module in ModulePage.objects.child_of(mini_programme):
        progress(busy, module, done=True, passed=True, best=90)

    login(page, "coach", "pw-for-tests")
    page.get_by_role("link", name="Cohorts you train").click()
    page.wait_for_url("**/trainer/cohorts/")
    assert_accessible(page)
    page.get_by_role("link", name="Northwind Pilot").click()
    page.get_by_role("heading", level=1, name="Northwind Pilot").wait_for()
    assert_accessible(page)

    page.get_by_label("At risk only").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**at_risk=1**")
    table = page.locator("table.cohort-table tbody")
    assert table.get_by_role("link", name="Grace Liu").is_visible()
    assert table.get_by_role("link", name="Kofi Mensah").count() == 0

    table.get_by_role("link", name="Grace Liu").click()
    page.get_by_role("heading", level=1, name="Grace Liu").wait_for()
    assert page.get_by_text("No activity for 10 days").is_visible()
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
