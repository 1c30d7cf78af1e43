""" "Did you do it?" reminders (issue 18 item 3): time travel, DST, preferences, links, unsubscribe, query counts."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from lms.links import make_action_token
from lms.models import EnrolmentStatus, ParticipantPreferences, PlanOccurrence, ReminderAnswer, ReminderStatus
from lms.services.reminders import practice_tick_task, reminders_tick
from tests.factories import CohortFactory
from tests.factories_challenges import ChallengeFactory, EnrolmentFactory
from tests.factories_plans import make_plan, set_prefs

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def course(mini_programme):
    for week in (1, 2, 3):
        ChallengeFactory(course=mini_programme, week=week)
    return mini_programme


def participant(course, start: dt.date, **prefs):
    enrolment = EnrolmentFactory(course=course, cohort=CohortFactory(course=course, start_date=start))
    if prefs:
        set_prefs(enrolment.user, **prefs)
    return enrolment


def week1(course):
    return course.challenges.get(week=1)


def tick(moment):
    with time_machine.travel(moment, tick=False):
        return reminders_tick()


def sends_between(moments):
    """{moment: number of emails sent by the tick at that moment}."""
    sent = {}
    for moment in moments:
        before = len(mail.outbox)
        tick(moment)
        sent[moment] = len(mail.outbox) - before
    return sent


def links(message):
    return dict(
        re.findall(r"^(Yes, log it|Not this time|Unsubscribe from all practice emails): (\S+)$", message.body, re.M)
    )


# --- Time travel ----------------------------------------------------------------------------------


def test_across_a_week_each_reminder_goes_once_at_its_cue_time(course):
    enrolment = participant(course, dt.date(2026, 6, 1))
    make_plan(enrolment, week1(course), dt.date(2026, 6, 2), dt.time(9))  # Tue 08:00 UTC (BST)
    make_plan(enrolment, week1(course), dt.date(2026, 6, 5), dt.time(17, 30))  # Fri 16:30 UTC
    hours = [at(2026, 6, 1, 0) + dt.timedelta(minutes=30 * i) for i in range(7 * 48)]
    sent = {moment: n for moment, n in sends_between(hours).items() if n}
    assert sent == {at(2026, 6, 2, 8): 1, at(2026, 6, 5, 16, 30): 1}
    assert [m.subject for m in mail.outbox] == ["Did you do it? When I queue for coffee"] * 2
    assert set(PlanOccurrence.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # London: clocks forward on 29 March, back on 25 October 2026.
        ("Europe/London", (dt.date(2026, 3, 27), at(2026, 3, 27, 9)), (dt.date(2026, 3, 30), at(2026, 3, 30, 8))),
        ("Europe/London", (dt.date(2026, 10, 23), at(2026, 10, 23, 8)), (dt.date(2026, 10, 26), at(2026, 10, 26, 9))),
        # New York: forward on 8 March, back on 1 November 2026.
        ("America/New_York", (dt.date(2026, 3, 6), at(2026, 3, 6, 14)), (dt.date(2026, 3, 9), at(2026, 3, 9, 13))),
        (
            "America/New_York",
            (dt.date(2026, 10, 30), at(2026, 10, 30, 13)),
            (dt.date(2026, 11, 2), at(2026, 11, 2, 14)),
        ),
    ],
    ids=["london-spring", "london-autumn", "new-york-spring", "new-york-autumn"],
)
def test_nine_oclock_local_stays_nine_oclock_across_a_daylight_saving_change(course, zone, before, after):
    start = before[0] - dt.timedelta(days=before[0].weekday())
    enrolment = participant(course, start, timezone=zone)
    for day, _ in (before, after):
        make_plan(enrolment, week1(course), day, dt.time(9), zone=zone)
    for day, utc in (before, after):
        assert sends_between([utc - dt.timedelta(minutes=1)]) == {utc - dt.timedelta(minutes=1): 0}
        assert sends_between([utc]) == {utc: 1}
        assert f"{day:%A} {day.day} {day:%B} at 09:00" in mail.outbox[-1].body


def test_quiet_hours_move_a_reminder_to_their_end_in_the_participants_zone(course):
    enrolment = participant(
        course,
        dt.date(2026, 6, 1),
        timezone="America/New_York",
        quiet_hours_start=dt.time(22),
        quiet_hours_end=dt.time(7),
    )
    make_plan(enrolment, week1(course), dt.date(2026, 6, 2), dt.time(23), zone="America/New_York")  # 03:00 UTC
    assert sends_between([at(2026, 6, 3, 3)]) == {at(2026, 6, 3, 3): 0}
    occurrence = PlanOccurrence.objects.get()
    assert (occurrence.status, occurrence.due_at) == ("pending", at(2026, 6, 3, 11))  # 07:00 EDT
    assert sends_between([at(2026, 6, 3, 10, 59), at(2026, 6, 3, 11)]) == {
        at(2026, 6, 3, 10, 59): 0,
        at(2026, 6, 3, 11): 1,
    }


def test_the_weekly_cap_withdrawal_and_switches_stop_reminders(course):
    capped = participant(course, dt.date(2026, 6, 1), weekly_email_cap=2)
    for hour in (9, 10, 11):
        make_plan(capped, week1(course), dt.date(2026, 6, 2), dt.time(hour))
    withdrawn = participant(course, dt.date(2026, 6, 1))
    make_plan(withdrawn, week1(course), dt.date(2026, 6, 2), dt.time(9))
    withdrawn.status, withdrawn.withdrawn_at = EnrolmentStatus.WITHDRAWN, at(2026, 6, 1, 12)
    withdrawn.save()
    off = participant(course, dt.date(2026, 6, 1), reminder_emails=False)
    make_plan(off, week1(course), dt.date(2026, 6, 2), dt.time(9))
    report = tick(at(2026, 6, 2, 12))
    assert (report.selected, report.sent) == (5, 2)
    assert dict(report.skipped) == {"weekly_cap": 1, "withdrawn": 1, "reminders_off": 1}
    assert [m.to for m in mail.outbox] == [[capped.user.email]] * 2
    reasons = dict(PlanOccurrence.objects.filter(status="skipped").values_list("plan__enrolment", "skip_reason"))
    assert reasons == {capped.pk: "weekly_cap", withdrawn.pk: "withdrawn", off.pk: "reminders_off"}


def test_at_the_end_of_the_programme_reminders_stop(course):
    enrolment = participant(course, dt.date(2026, 6, 1))
    make_plan(enrolment, week1(course), dt.date(2026, 6, 20), dt.time(9))  # inside weeks 1-3 (to 21 June)
    cohort = enrolment.cohort
    cohort.end_date = dt.date(2026, 6, 14)  # the trainer ends the programme early
    cohort.save()
    report = tick(at(2026, 6, 20, 9))
    assert (report.sent, dict(report.skipped)) == (0, {"programme_over": 1})
    assert not mail.outbox


def test_a_tick_is_idempotent_and_a_late_reminder_is_skipped(course):
    enrolment = participant(course, dt.date(2026, 6, 1))
    make_plan(enrolment, week1(course), dt.date(2026, 6, 2), dt.time(9))
    make_plan(enrolment, week1(course), dt.date(2026, 6, 3), dt.time(9))
    assert tick(at(2026, 6, 2, 8, 1)).sent == 1
    assert tick(at(2026, 6, 2, 8, 2)).sent == 0
    report = tick(at(2026, 6, 4, 9))  # the workers were down for a day
    assert (report.sent, dict(report.skipped)) == (0, {"too_late": 1})
    assert len(mail.outbox) == 1


# --- The email and its links ----------------------------------------------------------------------


@pytest.fixture
def sent(course):
    enrolment = participant(course, dt.date(2026, 6, 1))
    plan = make_plan(enrolment, week1(course), dt.date(2026, 6, 2), dt.time(9))
    tick(at(2026, 6, 2, 8))
    [message] = mail.outbox
    return enrolment, plan, message


def test_the_email_is_plain_text_and_html_with_one_click_unsubscribe_headers(sent):
    _, _, message = sent
    found = links(message)
    assert set(found) == {"Yes, log it", "Not this time", "Unsubscribe from all practice emails"}
    assert all(url.startswith("http://testserver/learn/") for url in found.values())
    assert message.extra_headers["List-Unsubscribe"] == f"<{found['Unsubscribe from all practice emails']}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and ">Yes, log it</a>" in html and "When I queue for coffee, I will ask" in html
    assert "Tuesday 2 June at 09:00" in message.body


def test_yes_opens_the_log_form_with_the_plan_chosen(client, sent):
    enrolment, plan, message = sent
    client.force_login(enrolment.user)
    with time_machine.travel(at(2026, 6, 2, 9), tick=False):
        response = client.get(links(message)["Yes, log it"].removeprefix("http://testserver"))
        assert response.status_code == 302 and f"plan={plan.uuid}" in response.url
        page = client.get(response.url)
    assert page.context["form"]["plan"].value() == plan.uuid
    assert PlanOccurrence.objects.get().answer == ""  # saving the entry answers yes, not the click


def test_not_this_time_is_recorded_in_one_click_without_logging_in(client, sent):
    _, _, message = sent
    with time_machine.travel(at(2026, 6, 2, 9), tick=False):
        response = client.get(links(message)["Not this time"].removeprefix("http://testserver"))
    assert response.status_code == 200 and "Noted: not this time" in response.content.decode()
    assert PlanOccurrence.objects.get().answer == ReminderAnswer.NO


@pytest.mark.parametrize("link", ["Yes, log it", "Not this time", "Unsubscribe from all practice emails"])
def test_a_tampered_or_expired_link_gets_a_friendly_page_and_changes_nothing(client, sent, link):
    _, _, message = sent
    url = links(message)[link].removeprefix("http://testserver")
    tampered = url.replace("/learn/reminders/yes/", "/learn/reminders/yes/x").replace("/no/", "/no/x")
    tampered = tampered.replace("/unsubscribe/", "/unsubscribe/x")
    with time_machine.travel(at(2026, 6, 2, 9), tick=False):
        response = client.post(tampered) if "Unsubscribe" in link else client.get(tampered)
    assert response.status_code == 400 and "altered" in response.content.decode()
    with time_machine.travel(at(2027, 7, 1), tick=False):  # past both expiries
        response = client.post(url) if "Unsubscribe" in link else client.get(url)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert PlanOccurrence.objects.get().answer == ""
    assert not ParticipantPreferences.objects.filter(unsubscribed_at__isnull=False).exists()


def test_a_link_made_for_one_action_does_not_work_for_another(client, sent):
    token = make_action_token("reminder-yes", {"o": PlanOccurrence.objects.get().pk})
    response = client.get(reverse("microlearn_lms:reminder_no", args=[token]))
    assert response.status_code == 400
    assert PlanOccurrence.objects.get().answer == ""


def test_one_click_unsubscribe_is_a_post_without_login_or_csrf(sent):
    enrolment, _, message = sent
    url = links(message)["Unsubscribe from all practice emails"].removeprefix("http://testserver")
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert not ParticipantPreferences.objects.filter(user=enrolment.user, unsubscribed_at__isnull=False).exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You are unsubscribed" in response.content.decode()
    assert ParticipantPreferences.objects.get(user=enrolment.user).unsubscribed_at is not None


def test_an_unsubscribed_participant_gets_nothing_even_from_a_task_queued_before(course, settings):
    enrolment = participant(course, dt.date(2026, 6, 1))
    make_plan(enrolment, week1(course), dt.date(2026, 6, 2), dt.time(9))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with time_machine.travel(at(2026, 6, 2, 8), tick=False):
        result = practice_tick_task.enqueue()  # queued, not yet run
        Client().post(
            reverse("microlearn_lms:unsubscribe", args=[make_action_token("unsubscribe", {"u": enrolment.user_id})])
        )
        practice_tick_task.call()  # what the worker runs
    assert result.id and not mail.outbox
    assert PlanOccurrence.objects.get().skip_reason == "unsubscribed"


# --- Speed ----------------------------------------------------------------------------------------


def seed(course, n, day=dt.date(2026, 6, 2)):
    from django.contrib.auth import get_user_model

    from lms.models import Enrolment, Plan

    User = get_user_model()
    cohort = CohortFactory(course=course, start_date=dt.date(2026, 6, 1))
    challenge = week1(course)
    first = User.objects.count()
    users = User.objects.bulk_create(
        [User(username=f"bulk{first + i}", email=f"bulk{first + i}@example.com") for i in range(n)]
    )
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(user=u, course=course, cohort=cohort, enrolled_at=at(2026, 5, 30, 12)) for u in users]
    )
    cue_at = at(2026, 6, 2, 8)
    plans = Plan.objects.bulk_create(
        [
            Plan(
                enrolment=e,
                challenge=challenge,
                cue="c",
                action="a",
                day=day,
                time=dt.time(9),
                timezone="Europe/London",
                cue_at=cue_at,
            )
            for e in enrolments
        ]
    )
    PlanOccurrence.objects.bulk_create(
        [
            PlanOccurrence(plan=p, user_id=e.user_id, cue_at=cue_at, due_at=cue_at)
            for p, e in zip(plans, enrolments, strict=True)
        ]
    )
    ParticipantPreferences.objects.bulk_create([ParticipantPreferences(user=u) for u in users[::2]])


@pytest.mark.parametrize("n", [5, 60])
def test_choosing_due_reminders_runs_a_constant_number_of_queries(course, django_assert_num_queries, n):
    seed(course, n)
    # One batch: select (with preferences), weekly counts of reminders, check-ins and booster emails
    # (one cap for every practice email), last weeks, mark sent (+ savepoint, release).
    with time_machine.travel(at(2026, 6, 2, 8), tick=False), django_assert_num_queries(8):
        report = reminders_tick(batch_size=100)
    assert report.sent == n and len(mail.outbox) == n
