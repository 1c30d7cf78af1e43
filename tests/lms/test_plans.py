"""If-then plans (issue 18 item 1): the service's rules, the challenge page, the log form and /learn/."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from lms.models import ChallengeLog, EnrolmentStatus, Plan, PlanOccurrence, ReminderAnswer, ReminderStatus
from lms.services.plans import plan_create
from tests.factories import CohortFactory, UserFactory
from tests.factories_challenges import ChallengeFactory, EnrolmentFactory
from tests.factories_plans import make_plan, set_prefs

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MONDAY = dt.date(2026, 3, 23)  # week 1 starts; clocks go forward in London on Sunday 29 March


@pytest.fixture
def programme(mini_programme):
    """Three weekly challenges; a participant whose cohort starts on MONDAY (programme ends 12 April)."""
    challenges = [ChallengeFactory(course=mini_programme, week=w, target=3) for w in (1, 2, 3)]
    cohort = CohortFactory(course=mini_programme, start_date=MONDAY)
    enrolment = EnrolmentFactory(course=mini_programme, cohort=cohort)
    return enrolment, challenges


def data(day, time, **extra):
    return {
        "cue": "I join Monday's stand-up",
        "action": "ask one person about their week",
        "day": day,
        "time": time,
        **extra,
    }


@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_a_plan_stores_the_local_time_and_its_utc_moment_across_the_clock_change(programme):
    enrolment, challenges = programme
    before = plan_create(enrolment=enrolment, challenge=challenges[0], data=data(dt.date(2026, 3, 27), dt.time(9)))
    after = plan_create(enrolment=enrolment, challenge=challenges[0], data=data(dt.date(2026, 3, 30), dt.time(9)))
    assert before.cue_at == dt.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # GMT
    assert after.cue_at == dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # BST
    assert after.timezone == "Europe/London"
    [occurrence] = after.occurrences.all()
    assert (occurrence.cue_at, occurrence.due_at, occurrence.status) == (after.cue_at, after.cue_at, "pending")


@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_the_participants_time_zone_is_used(programme):
    enrolment, challenges = programme
    set_prefs(enrolment.user, timezone="America/New_York")
    plan = plan_create(enrolment=enrolment, challenge=challenges[0], data=data(dt.date(2026, 3, 24), dt.time(9)))
    assert plan.cue_at == dt.datetime(2026, 3, 24, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    assert plan.timezone == "America/New_York"


@pytest.mark.parametrize(
    ("day", "time", "field", "message"),
    [
        (dt.date(2026, 3, 23), dt.time(7, 59), "time", "That time has passed"),
        (
            dt.date(2026, 3, 22),
            dt.time(9),
            "day",
            "Choose a day in your programme, from 23 March 2026 to 12 April 2026",
        ),
        (dt.date(2026, 4, 13), dt.time(9), "day", "Choose a day in your programme"),
        (dt.date(2026, 3, 29), dt.time(1, 30), "time", "does not exist on 29 March 2026"),
    ],
    ids=["past", "before-programme", "after-programme", "dst-gap"],
)
@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_a_time_in_the_past_or_outside_the_programme_is_refused(programme, day, time, field, message):
    enrolment, challenges = programme
    with pytest.raises(ValidationError) as error:
        plan_create(enrolment=enrolment, challenge=challenges[0], data=data(day, time))
    assert message in " ".join(error.value.message_dict[field])
    assert not Plan.objects.exists() and not PlanOccurrence.objects.exists()


@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_a_challenge_not_yet_open_a_withdrawal_and_empty_text_are_refused(programme):
    enrolment, challenges = programme
    with pytest.raises(ValidationError) as error:
        plan_create(enrolment=enrolment, challenge=challenges[1], data=data(dt.date(2026, 3, 31), dt.time(9)))
    assert "has not opened yet" in error.value.message_dict["challenge"][0]
    with pytest.raises(ValidationError) as error:
        plan_create(enrolment=enrolment, challenge=challenges[0], data=data(dt.date(2026, 3, 24), dt.time(9), cue=" "))
    assert error.value.message_dict["cue"] == ["Enter the cue."]
    enrolment.status = EnrolmentStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        plan_create(enrolment=enrolment, challenge=challenges[0], data=data(dt.date(2026, 3, 24), dt.time(9)))


@time_machine.travel(dt.datetime(2026, 4, 13, 8, 0, tzinfo=UTC), tick=False)
def test_after_the_end_of_the_programme_no_plan_can_be_made(programme):
    enrolment, challenges = programme
    with pytest.raises(ValidationError) as error:
        plan_create(enrolment=enrolment, challenge=challenges[2], data=data(dt.date(2026, 4, 14), dt.time(9)))
    assert "Choose a day in your programme" in error.value.message_dict["day"][0]


# --- Pages ----------------------------------------------------------------------------------------


def page(enrolment):
    return reverse("microlearn_lms:challenges", args=[enrolment.course_id])


def plan_post(challenge, day="2026-03-24", time="09:15", **extra):
    return {
        "form": "plan",
        "challenge": str(challenge.uuid),
        "plan-cue": "I queue for coffee",
        "plan-action": "ask “How's your week shaping up?”",
        "plan-day": day,
        "plan-time": time,
        **extra,
    }


@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_the_challenge_page_suggests_cues_and_openers_and_saves_a_plan(client, programme):
    enrolment, challenges = programme
    challenges[0].cues = [{"type": "cue", "value": "when I join Monday's stand-up"}]
    challenges[0].save()
    client.force_login(enrolment.user)
    html = client.get(page(enrolment)).content.decode()
    assert 'id="cue-suggestions"' in html and "when I join Monday&#x27;s stand-up" in html
    assert "How is your week going?" in html  # the opener, offered as an action
    response = client.post(page(enrolment), plan_post(challenges[0]))
    assert response.status_code == 302 and response.url.endswith("#plans-heading")
    plan = Plan.objects.get()
    assert (plan.enrolment, plan.challenge, plan.day, plan.time) == (
        enrolment,
        challenges[0],
        dt.date(2026, 3, 24),
        dt.time(9, 15),
    )
    html = client.get(page(enrolment)).content.decode()
    assert "When I queue for coffee, I will ask" in html
    assert reverse("microlearn_lms:plan_ics", args=[plan.uuid]) in html
    learn = client.get(reverse("microlearn_lms:learn")).content.decode()
    assert 'id="plans-dashboard-heading"' in learn and "When I queue for coffee" in learn


@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_a_bad_plan_gets_form_errors_and_saves_nothing(client, programme):
    enrolment, challenges = programme
    client.force_login(enrolment.user)
    response = client.post(page(enrolment), plan_post(challenges[0], day="2026-05-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Choose a day in your programme" in html
    response = client.post(page(enrolment), plan_post(challenges[0], day="2026-03-23", time="07:00"))
    assert response.status_code == 400 and "That time has passed" in response.content.decode()
    assert not Plan.objects.exists()


@time_machine.travel(dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), tick=False)
def test_plans_are_private(client, programme):
    enrolment, challenges = programme
    plan = make_plan(enrolment, challenges[0], dt.date(2026, 3, 24), dt.time(9))
    other = UserFactory()
    client.force_login(other)
    assert client.post(reverse("microlearn_lms:plan_delete", args=[plan.uuid])).status_code == 404
    assert client.get(reverse("microlearn_lms:plan_ics", args=[plan.uuid])).status_code == 404
    assert Plan.objects.filter(pk=plan.pk).exists()
    client.force_login(enrolment.user)
    assert client.post(reverse("microlearn_lms:plan_delete", args=[plan.uuid])).status_code == 302
    assert not Plan.objects.exists() and not PlanOccurrence.objects.exists()


def log_post(challenge, plan):
    return {
        "log-challenge": str(challenge.uuid),
        "log-occurred_on": "2026-03-24",
        "log-setting": "canteen",
        "log-follow_up": "none",
        "log-outcome": "none_yet",
        "log-plan": str(plan.uuid),
    }


@time_machine.travel(dt.datetime(2026, 3, 24, 10, 0, tzinfo=UTC), tick=False)
def test_the_log_form_offers_this_weeks_plans_and_saving_answers_yes(client, programme):
    enrolment, challenges = programme
    plan = make_plan(enrolment, challenges[0], dt.date(2026, 3, 24), dt.time(9))
    PlanOccurrence.objects.update(status=ReminderStatus.SENT)
    client.force_login(enrolment.user)
    response = client.get(page(enrolment) + f"?challenge={challenges[0].uuid}&plan={plan.uuid}")
    form = response.context["form"]
    assert form["plan"].value() == plan.uuid  # chosen by the reminder's "Yes, log it"
    assert f'<option value="{plan.uuid}" selected>' in response.content.decode()
    post = log_post(challenges[0], plan)
    assert client.post(page(enrolment), post).status_code == 302
    assert ChallengeLog.objects.get().plan == plan
    occurrence = PlanOccurrence.objects.get()
    assert occurrence.answer == ReminderAnswer.YES and occurrence.answered_at is not None


@time_machine.travel(dt.datetime(2026, 3, 24, 10, 0, tzinfo=UTC), tick=False)
def test_the_log_form_refuses_someone_elses_plan(client, programme, mini_programme):
    enrolment, challenges = programme
    other = EnrolmentFactory(course=mini_programme, cohort=enrolment.cohort)
    theirs = make_plan(other, challenges[0], dt.date(2026, 3, 24), dt.time(9))
    make_plan(enrolment, challenges[0], dt.date(2026, 3, 24), dt.time(9))
    client.force_login(enrolment.user)
    post = log_post(challenges[0], theirs)
    response = client.post(page(enrolment), post)
    assert response.status_code == 400 and "Choose one of your plans for this challenge." in response.content.decode()
    assert not ChallengeLog.objects.exists()
