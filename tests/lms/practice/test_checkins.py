"""Delayed outcome check-ins: the idempotent scheduler across 30/60/90 days, the signed answer links."""

import datetime as dt
import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import ChallengeKind
from lms.links import make_action_token
from lms.models import ChallengeLog, CheckIn, CheckInStatus, EnrolmentStatus, Outcome, ParticipantPreferences
from lms.selectors.practice import checkins_due
from lms.selectors.preferences import preferences_for
from lms.services import practice as services
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"^\* (?P<label>[^:]+): (?P<url>http\S+)$", re.M)


@pytest.fixture
def log(mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    enrolment = EnrolmentFactory(course=mini_programme, days_ago=3)
    return ChallengeLogFactory(enrolment=enrolment, challenge=challenge, occurred_on=timezone.localdate())


def withdraw(enrolment):
    now = timezone.now()
    type(enrolment).objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.WITHDRAWN, withdrawn_at=now)


def at(days: int):
    """Travel to noon, ``days`` after today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(12))), tick=False)


def links_of(message) -> dict[str, str]:
    return {m["label"]: urlsplit(m["url"]).path for m in LINK.finditer(message.body)}


def test_check_ins_go_out_at_30_60_and_90_days_once_each(log):
    sent = []
    for days in (29, 30, 30, 45, 60, 61, 90, 90, 119, 130):
        with at(days):
            counts = services.checkins_run()
        sent.append(counts["sent"])
    assert sent == [0, 1, 0, 0, 1, 0, 1, 0, 0, 0]  # a second run sends nothing
    assert [m.subject for m in mail.outbox] == ["Did this lead anywhere?"] * 3
    assert list(CheckIn.objects.values_list("stage", "status")) == [(30, "sent"), (60, "sent"), (90, "sent")]
    assert mail.outbox[0].to == [log.enrolment.user.email]
    assert "30 days ago" in mail.outbox[0].body and set(links_of(mail.outbox[0])) == set(Outcome.labels)


def test_a_late_first_run_sends_only_the_current_stage(log):
    with at(75):
        assert services.checkins_run()["sent"] == 1
    assert list(CheckIn.objects.values_list("stage", flat=True)) == [60]


def test_the_claim_is_unique_per_entry_and_stage(log):
    with at(30):
        assert services.checkin_send(log_id=log.pk, stage=30) == "sent"
        assert services.checkin_send(log_id=log.pk, stage=30) == "already"  # a racing worker
    assert len(mail.outbox) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(log=log, stage=30, claimed_at=timezone.now())


@pytest.mark.parametrize(
    "change",
    [
        lambda log: ParticipantPreferences.objects.create(user=log.enrolment.user, checkin_emails=False),
        lambda log: ParticipantPreferences.objects.create(user=log.enrolment.user, unsubscribed_at=timezone.now()),
        lambda log: withdraw(log.enrolment),
    ],
    ids=["switched-off", "unsubscribed", "withdrawn"],
)
def test_preferences_and_withdrawal_are_read_at_send_time(log, change):
    with at(30):
        pairs = checkins_due(now=timezone.now())  # the job picked the entry before the change
        change(log)
        results = [services.checkin_send(log_id=log_id, stage=stage) for log_id, stage in pairs]
    assert mail.outbox == []
    assert results == ["skipped"]
    assert CheckIn.objects.get().status == CheckInStatus.SKIPPED


def test_quiet_hours_and_the_weekly_cap_make_a_check_in_wait(log, mini_programme):
    prefs = ParticipantPreferences.objects.create(
        user=log.enrolment.user, timezone="Europe/London", quiet_hours_start=dt.time(11), quiet_hours_end=dt.time(13)
    )
    with at(30):  # noon in London: quiet
        assert services.checkins_run() == {"sent": 0, "skipped": 0, "already": 0, "deferred": 1}
        assert not CheckIn.objects.exists()  # the claim is released
    prefs.quiet_hours_start, prefs.quiet_hours_end = dt.time(22), dt.time(7)  # overnight
    prefs.weekly_email_cap = 1
    prefs.save()
    other = ChallengeLogFactory(enrolment=log.enrolment, challenge=log.challenge, occurred_on=log.occurred_on)
    with at(30):
        assert services.checkins_run() == {"sent": 1, "skipped": 0, "already": 0, "deferred": 1}  # the cap
    with at(38):
        assert services.checkins_run()["sent"] == 1  # a week later, the waiting one goes
    assert set(CheckIn.objects.values_list("log_id", flat=True)) == {log.pk, other.pk}
    assert len(mail.outbox) == 2


def test_quiet_hours_across_midnight():
    from lms.models import ParticipantPreferences as Prefs

    prefs = Prefs(timezone="Not/AZone", quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7))
    noon, night = (timezone.make_aware(dt.datetime(2026, 3, 2, h)) for h in (12, 23))
    assert not services.in_quiet_hours(prefs, noon) and services.in_quiet_hours(prefs, night)
    assert not services.in_quiet_hours(Prefs(), night)


def test_an_entry_with_a_win_or_a_practice_entry_gets_no_check_in(log, mini_programme):
    ChallengeLog.objects.filter(pk=log.pk).update(outcome=Outcome.MEETING)
    practice = ChallengeFactory(course=mini_programme, week=1, kind=ChallengeKind.PRACTICE, openers=[])
    ChallengeLogFactory(enrolment=log.enrolment, challenge=practice, occurred_on=log.occurred_on, minutes=5)
    with at(30):
        assert services.checkins_run()["sent"] == 0


def test_the_email_carries_one_click_unsubscribe_headers(log, client):
    with at(30):
        services.checkins_run()
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.search(r"<(.+)>$", headers["List-Unsubscribe"]).group(1)
    # The same one-click endpoint as the plan reminders: a POST with no login unsubscribes.
    assert client.post(url.removeprefix("http://testserver"), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert preferences_for(user=log.enrolment.user).unsubscribed_at is not None


def test_management_command_runs_the_job(log):
    with at(30):
        call_command("practice_emails", stdout=(out := io.StringIO()))
        call_command("practice_emails", stdout=out)
    assert "Check-ins: 1 sent" in out.getvalue() and "Check-ins: 0 sent" in out.getvalue()
    assert "Boosters: 0 question(s) added" in out.getvalue()
    assert len(mail.outbox) == 1


# --- Answering from the email -------------------------------------------------------------------


def test_answering_a_check_in_updates_the_outcome_and_its_history(client, log):
    with at(30):
        services.checkins_run()
        url = links_of(mail.outbox[0])["A meeting"]
        page = client.get(url)
        assert page.status_code == 200 and "Yes, record" in page.content.decode()
        log.refresh_from_db()
        assert log.outcome == Outcome.NONE_YET  # opening the link (or a mail scanner) changes nothing
        done = client.post(url)
        assert "Recorded" in done.content.decode()
        again = client.post(url)  # a double submission
        assert "already been answered" in again.content.decode()
        other = client.post(links_of(mail.outbox[0])["A referral"])
        assert "already been answered" in other.content.decode()
    log.refresh_from_db()
    assert log.outcome == Outcome.MEETING
    assert list(log.outcome_changes.values_list("previous", "outcome")) == [("none_yet", "meeting")]
    checkin = CheckIn.objects.get()
    assert (checkin.answer, checkin.status) == (Outcome.MEETING, CheckInStatus.SENT)
    with at(60):
        assert services.checkins_run()["sent"] == 0  # no longer "none yet"


def test_none_yet_is_an_answer_that_changes_no_outcome(client, log):
    with at(30):
        services.checkins_run()
        client.post(links_of(mail.outbox[0])["None yet"])
    log.refresh_from_db()
    assert log.outcome == Outcome.NONE_YET and not log.outcome_changes.exists()
    assert CheckIn.objects.get().answer == Outcome.NONE_YET
    with at(60):
        assert services.checkins_run()["sent"] == 1  # still asked at the next stage


def test_an_expired_link_gets_the_friendly_page_and_changes_nothing(client, log):
    with at(30):
        services.checkins_run()
        url = links_of(mail.outbox[0])["A project"]
    with at(61):
        response = client.post(url)
    assert response.status_code == 400 and "expired" in response.content.decode()
    log.refresh_from_db()
    assert log.outcome == Outcome.NONE_YET and CheckIn.objects.get().answered_at is None


@pytest.mark.parametrize(
    "make",
    [
        lambda pk: "x" + make_action_token("checkin", {"c": pk, "o": "meeting"}),
        lambda pk: make_action_token("reminder", {"c": pk, "o": "meeting"}),  # another purpose
        lambda pk: make_action_token("checkin", {"c": pk, "o": "lottery"}),
        lambda pk: make_action_token("checkin", {"c": str(pk), "o": "meeting"}),
    ],
    ids=["tampered", "other-purpose", "bad-outcome", "bad-id"],
)
def test_a_bad_link_gets_the_friendly_page_and_changes_nothing(client, log, make):
    with at(30):
        services.checkins_run()
        checkin = CheckIn.objects.get()
        response = client.post(f"/learn/check-ins/{make(checkin.pk)}/")
    assert response.status_code == 400 and "does not work" in response.content.decode()
    log.refresh_from_db()
    assert log.outcome == Outcome.NONE_YET


def test_a_withdrawn_enrolment_cannot_answer(client, log):
    with at(30):
        services.checkins_run()
        withdraw(log.enrolment)
        assert client.post(links_of(mail.outbox[0])["A meeting"]).status_code == 404
    log.refresh_from_db()
    assert log.outcome == Outcome.NONE_YET


def test_the_wins_page_shows_time_to_first_win_and_check_in_wins(client, log):
    with at(30):
        services.checkins_run()
        client.post(links_of(mail.outbox[0])["A mentor"])
        client.force_login(log.enrolment.user)
        page = client.get(f"/learn/challenges/{log.enrolment.course_id}/wins/")
    checkins = page.context["checkins"]
    assert checkins.via_checkins == 1 and checkins.checkins_answered == 1
    assert checkins.days_to_first_win == 33  # enrolled 3 days before the entry, won 30 days after it
    assert 'data-testid="wins-via-checkins">1<' in page.content.decode()
