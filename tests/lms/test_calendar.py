"""The participant's calendar (issue 18 item 2): the private ICS feed, its token, "Add to calendar"."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
import vobject
from django.urls import reverse

from lms.models import ChallengeLog, FollowUp, ParticipantPreferences
from tests.factories import CohortFactory, UserFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory
from tests.factories_plans import make_plan, set_prefs

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def participant(mini_programme):
    challenges = [ChallengeFactory(course=mini_programme, week=w, title=f"Week {w} task") for w in (1, 2)]
    enrolment = EnrolmentFactory(
        course=mini_programme, cohort=CohortFactory(course=mini_programme, start_date=dt.date(2026, 3, 23))
    )
    make_plan(enrolment, challenges[0], dt.date(2026, 3, 27), dt.time(9))  # before London's clock change
    make_plan(enrolment, challenges[0], dt.date(2026, 3, 30), dt.time(9))  # after it
    make_plan(enrolment, challenges[1], dt.date(2026, 3, 31), dt.time(8, 30), zone="America/New_York")
    ChallengeLogFactory(
        enrolment=enrolment,
        challenge=challenges[0],
        occurred_on=dt.date(2026, 3, 24),
        follow_up=FollowUp.PLANNED,
        follow_up_due=dt.date(2026, 3, 26),
        who="a designer",
    )
    return enrolment


def feed(client, user):
    client.force_login(user)
    client.post(reverse("microlearn_lms:account_calendar"), {"action": "rotate"})
    client.logout()
    token = ParticipantPreferences.objects.get(user=user).calendar_token
    response = client.get(reverse("microlearn_lms:calendar_feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    return token, response.content


def test_the_feed_parses_with_icalendar_and_its_times_are_right_in_two_zones(client, participant):
    _, body = feed(client, participant.user)
    calendar = icalendar.Calendar.from_ical(body)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    zones = {str(z["tzid"]) for z in calendar.walk("VTIMEZONE")}
    assert zones == {"Europe/London", "America/New_York"}
    plans = [e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith("plan-")]
    starts = sorted(e.decoded("dtstart").astimezone(UTC) for e in plans)
    assert starts == [
        dt.datetime(2026, 3, 27, 9, tzinfo=UTC),  # 09:00 GMT
        dt.datetime(2026, 3, 30, 8, tzinfo=UTC),  # 09:00 BST
        dt.datetime(2026, 3, 31, 12, 30, tzinfo=UTC),  # 08:30 EDT
    ]
    assert all(e["dtstart"].params["TZID"] in zones for e in plans)
    follow_up = events["Follow up: a designer"]
    assert follow_up.decoded("dtstart") == dt.date(2026, 3, 26)
    week1 = events["Week 1 challenge: Week 1 task"]
    assert (week1.decoded("dtstart"), week1.decoded("dtend")) == (dt.date(2026, 3, 23), dt.date(2026, 3, 30))
    assert "Week 2 challenge: Week 2 task" in events


def test_the_feed_parses_with_an_independent_parser_vobject(client, participant):
    _, body = feed(client, participant.user)
    calendar = vobject.readOne(body.decode())
    starts = {
        str(v.summary.value): v.dtstart.value for v in calendar.vevent_list if str(v.uid.value).startswith("plan-")
    }
    assert len(starts) == 1  # the three plans share a summary
    times = sorted(
        v.dtstart.value.astimezone(UTC) for v in calendar.vevent_list if str(v.uid.value).startswith("plan-")
    )
    assert times == [
        dt.datetime(2026, 3, 27, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 30, 8, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 12, 30, tzinfo=UTC),
    ]
    local = [v.dtstart.value for v in calendar.vevent_list if str(v.uid.value).startswith("plan-")]
    assert {(d.hour, d.minute) for d in local} == {(9, 0), (8, 30)}


def test_the_token_can_be_rotated_and_revoked_and_a_wrong_one_is_404(client, participant):
    token, _ = feed(client, participant.user)
    client.force_login(participant.user)
    client.post(reverse("microlearn_lms:account_calendar"), {"action": "rotate"})
    new = ParticipantPreferences.objects.get(user=participant.user).calendar_token
    assert new != token and len(new) >= 40
    assert client.get(reverse("microlearn_lms:calendar_feed", args=[token])).status_code == 404
    assert client.get(reverse("microlearn_lms:calendar_feed", args=[new])).status_code == 200
    page = client.get(reverse("microlearn_lms:account")).content.decode()
    assert f"/learn/calendar/{new}.ics" in page
    client.post(reverse("microlearn_lms:account_calendar"), {"action": "revoke"})
    assert ParticipantPreferences.objects.get(user=participant.user).calendar_token is None
    assert client.get(reverse("microlearn_lms:calendar_feed", args=[new])).status_code == 404
    assert client.get(reverse("microlearn_lms:calendar_feed", args=["nothing"])).status_code == 404


def test_the_feed_holds_only_its_owners_items(client, participant, mini_programme):
    other = EnrolmentFactory(course=mini_programme, cohort=participant.cohort)
    make_plan(other, participant.plans.first().challenge, dt.date(2026, 3, 28), dt.time(10))
    _, body = feed(client, participant.user)
    plans = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(e["uid"]).startswith("plan-")]
    assert len(plans) == 3


def test_each_item_can_be_added_on_its_own(client, participant):
    client.force_login(participant.user)
    plan = participant.plans.order_by("cue_at").first()
    response = client.get(reverse("microlearn_lms:plan_ics", args=[plan.uuid]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2026, 3, 27, 9, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    log = ChallengeLog.objects.get()
    response = client.get(reverse("microlearn_lms:follow_up_ics", args=[log.uuid]))
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == dt.date(2026, 3, 26)
    challenge = plan.challenge
    response = client.get(reverse("microlearn_lms:challenge_ics", args=[participant.course_id, challenge.uuid]))
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == dt.date(2026, 3, 23)
    client.force_login(UserFactory())
    assert client.get(reverse("microlearn_lms:plan_ics", args=[plan.uuid])).status_code == 404
    assert client.get(reverse("microlearn_lms:follow_up_ics", args=[log.uuid])).status_code == 404


# --- The account page's "Practice emails" -------------------------------------------------------


def test_practice_email_preferences_are_saved_and_bad_input_is_explained(client, participant):
    user = participant.user
    set_prefs(user, unsubscribed_at=dt.datetime(2026, 3, 1, tzinfo=UTC))
    client.force_login(user)
    page = client.get(reverse("microlearn_lms:account")).content.decode()
    assert 'id="practice-emails"' in page and 'id="calendar"' in page and "You unsubscribed" in page
    url = reverse("microlearn_lms:account_practice_emails")
    response = client.post(url, {"timezone": "Asia/Tokyo", "quiet_hours_start": "22:00", "weekly_email_cap": "60"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Give both the start and the end" in html
    assert "Enter how many practice emails a week, from 0 to 50." in html
    response = client.post(
        url,
        {
            "timezone": "Asia/Tokyo",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
            "reminder_emails": "on",
            "booster_emails": "on",
            "weekly_email_cap": "3",
        },
    )
    assert response.status_code == 302
    prefs = ParticipantPreferences.objects.get(user=user)
    assert (prefs.timezone, prefs.quiet_hours_start, prefs.quiet_hours_end) == ("Asia/Tokyo", dt.time(22), dt.time(7))
    assert (prefs.reminder_emails, prefs.checkin_emails, prefs.booster_emails, prefs.weekly_email_cap) == (
        True,
        False,
        True,
        3,
    )
    assert prefs.unsubscribed_at is None  # saving subscribes again
