"""Journey: a participant makes an if-then plan, gets the "Did you do it?" email at its cue time,
clicks "Yes, log it" and saves the entry with the plan chosen (issue 18).

The live server runs in this process, so the tick sends into the same locmem outbox."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import CoursePage
from lms import services
from lms.models import ChallengeLog, PlanOccurrence, ReminderAnswer
from lms.services.reminders import reminders_tick
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_plan_reminder_and_log_journey(page, demo_programme, assert_accessible):
    user = UserFactory(username="planner", password="planner-pass-2026")
    course = CoursePage.objects.get(slug="micro-connections")
    services.enrolment_create(user=user, course=course)
    cue = timezone.localtime() + dt.timedelta(minutes=5)

    login(page, "planner", "planner-pass-2026")
    page.goto(f"/learn/challenges/{course.pk}/")
    plans = page.locator("section[aria-labelledby=plans-heading]")
    assert plans.get_by_text("when I join Monday's stand-up", exact=False).first.is_visible()  # a suggested cue
    assert_accessible(page)
    plans.locator("#id_plan-cue").fill("I queue for coffee")
    plans.locator("#id_plan-action").fill("ask “How's your week shaping up so far?”")
    plans.get_by_label("Day").fill(cue.date().isoformat())
    plans.get_by_label("Time", exact=True).fill(cue.strftime("%H:%M"))
    plans.get_by_role("button", name="Save plan").click()
    page.wait_for_load_state()
    assert page.get_by_text("Plan saved.").is_visible()
    assert plans.get_by_text("When I queue for coffee, I will ask").is_visible()
    assert plans.get_by_role("link", name="Add to calendar").first.is_visible()

    # The cue time comes: the worker's tick sends the reminder.
    occurrence = PlanOccurrence.objects.get()
    assert reminders_tick(now=occurrence.due_at).sent == 1
    [message] = mail.outbox
    assert message.to == [user.email] and message.subject == "Did you do it? When I queue for coffee"
    yes = re.search(r"^Yes, log it: (\S+)$", message.body, re.M).group(1)

    page.goto(urlsplit(yes).path)  # the email's absolute link, on the live server
    page.wait_for_load_state()
    form = page.locator("form.log-form")
    chosen = form.get_by_label("Which plan did this keep? (optional)")
    assert "When I queue for coffee" in chosen.locator("option:checked").inner_text()
    assert_accessible(page)
    form.get_by_label("Where", exact=True).select_option("canteen")
    form.get_by_role("button", name="Save entry").click()
    page.wait_for_load_state()
    assert page.get_by_text("Entry saved to your practice log.").is_visible()
    assert ChallengeLog.objects.get(enrolment__user=user).plan.cue == "I queue for coffee"
    assert PlanOccurrence.objects.get().answer == ReminderAnswer.YES
