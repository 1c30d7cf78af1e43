"""HR API challenge statistics: practice after the course, as aggregates only (issue 18)."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import ModulePage
from lms.models import (
    BoosterCard,
    ChallengeLog,
    ChallengeLogOutcomeChange,
    CheckIn,
    CheckInStatus,
    Outcome,
    Plan,
    PlanOccurrence,
)
from tests.factories import UserFactory
from tests.factories_api import EnrolmentFactory
from tests.factories_challenges import ChallengeFactory

pytestmark = pytest.mark.django_db


def _log(enrolment, challenge, **kwargs):
    return ChallengeLog.objects.create(
        enrolment=enrolment,
        challenge=challenge,
        occurred_on=enrolment.cohort.start_date,
        who="Secret Person",
        notes="private note",
        **kwargs,
    )


def _win(log, outcome, at):
    ChallengeLogOutcomeChange.objects.create(log=log, previous=Outcome.NONE_YET, outcome=outcome, changed_at=at)


def test_practice_stats_are_aggregates_only(token_client, world):
    challenge = ChallengeFactory(course=world.course, week=1)
    other = EnrolmentFactory(user=UserFactory(), course=world.course, cohort=world.cohort)
    third = EnrolmentFactory(user=UserFactory(), course=world.course, cohort=world.cohort)
    start = timezone.make_aware(dt.datetime.combine(world.cohort.start_date, dt.time(12)))
    first, second, third_log = _log(world.enrolment, challenge), _log(other, challenge), _log(third, challenge)
    _win(first, Outcome.MEETING, start + dt.timedelta(days=10))
    _win(first, Outcome.PROJECT, start + dt.timedelta(days=40))  # a later change is not the first win
    _win(second, Outcome.MENTOR, start + dt.timedelta(days=30))
    now = timezone.now()
    CheckIn.objects.create(
        log=second, stage=30, status=CheckInStatus.SENT, claimed_at=now, answered_at=now, answer="mentor"
    )
    CheckIn.objects.create(log=third_log, stage=30, status=CheckInStatus.SENT, claimed_at=now)
    CheckIn.objects.create(log=first, stage=30, status=CheckInStatus.SKIPPED, claimed_at=now)  # not sent: not counted
    module = ModulePage.objects.get(slug="first")
    for enrolment, streaks in ((world.enrolment, (2, 3, 0)), (other, (1,))):
        for index, streak in enumerate(streaks):
            BoosterCard.objects.create(
                enrolment=enrolment, module=module, question_id=f"q{index}", streak=streak, created_at=now
            )
    # Three if-then plans: one kept by a log entry, one by a "yes" to its reminder, one not kept.
    plans = [
        Plan.objects.create(
            enrolment=enrolment,
            challenge=challenge,
            cue="When I see Secret Person",
            action="I will say the secret plan",
            day=world.cohort.start_date,
            time=dt.time(9),
            timezone="UTC",
            cue_at=start,
        )
        for enrolment in (world.enrolment, other, third)
    ]
    ChallengeLog.objects.filter(pk=first.pk).update(plan=plans[0])
    PlanOccurrence.objects.create(plan=plans[1], user=other.user, cue_at=start, due_at=start, answer="yes")
    PlanOccurrence.objects.create(plan=plans[2], user=third.user, cue_at=start, due_at=start, answer="no")
    response = token_client.get(f"/api/v1/cohorts/{world.cohort.uuid}/challenge-stats/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Secret Person" not in text and "private note" not in text and "secret plan" not in text
    practice = response.json()["practice"]
    assert practice == {
        "plans_made": 3,
        "plans_kept": 2,
        "plan_kept_rate": 67,
        "checkins_sent": 2,
        "checkins_answered": 1,
        "checkin_response_rate": 50,
        "questions_in_boosters": 4,
        "questions_retained": 2,
        "retention": 50,
        "retention_by_module": [
            {
                "module": str(module.translation_key),
                "participants": 2,
                "questions_in_boosters": 4,
                "questions_retained": 2,
            }
        ],
        "median_days_to_first_win": 20.0,  # 10 and 30 days
    }


def test_practice_stats_are_empty_without_practice(token_client, world):
    practice = token_client.get(f"/api/v1/cohorts/{world.cohort.uuid}/challenge-stats/").json()["practice"]
    assert practice["checkin_response_rate"] is None and practice["retention"] is None
    assert practice["median_days_to_first_win"] is None and practice["retention_by_module"] == []


def test_another_organisations_cohort_is_404(other_client, world):
    assert other_client.get(f"/api/v1/cohorts/{world.cohort.uuid}/challenge-stats/").status_code == 404
