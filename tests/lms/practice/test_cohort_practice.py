"""The trainer's cohort page: check-ins answered, booster retention, and the place for plans."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import ModulePage
from lms.models import BoosterCard, CheckIn, CheckInStatus, Plan
from lms.selectors.cohorts import cohort_report
from tests.factories_cohorts import ChallengeFactory, cohort_for, entry, participant, trainer_user

pytestmark = pytest.mark.django_db


def test_the_cohort_page_shows_check_ins_and_retention(client, mini_programme):
    trainer = trainer_user()
    cohort = cohort_for(mini_programme, trainers=[trainer])
    ann, bob = participant(cohort, first_name="Ann"), participant(cohort, first_name="Bob")
    challenge = ChallengeFactory(course=mini_programme, week=1)
    now = timezone.now()
    for log, answered in (
        (entry(ann, challenge), True),
        (entry(ann, challenge), False),
        (entry(bob, challenge), False),
    ):
        CheckIn.objects.create(
            log=log, stage=30, status=CheckInStatus.SENT, claimed_at=now, answered_at=now if answered else None
        )
    first, second = ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")
    for index, (module, streak) in enumerate(((first, 2), (first, 0), (second, 3))):
        BoosterCard.objects.create(enrolment=ann, module=module, question_id=f"q{index}", streak=streak, created_at=now)

    # Ann made two plans and kept one (a log entry kept it); Bob made none.
    kept, _unkept = (
        Plan.objects.create(
            enrolment=ann,
            challenge=challenge,
            cue="When I queue for coffee",
            action="I will ask how their week is going",
            day=cohort.start_date,
            time=dt.time(9),
            timezone="UTC",
            cue_at=now,
        )
        for _ in range(2)
    )
    entry(ann, challenge, plan=kept)

    report = cohort_report(cohort=cohort)
    rows = {row.enrolment_id: row for row in report.rows}
    assert (rows[ann.pk].practice.checkins_answered, rows[ann.pk].practice.checkins_sent) == (1, 2)
    assert (rows[ann.pk].practice.questions_retained, rows[ann.pk].practice.questions_total) == (2, 3)
    assert rows[bob.pk].practice.response_rate == 0 and rows[bob.pk].practice.retention is None
    assert (report.practice.response_rate, report.practice.retention) == (33, 67)
    assert [(m["label"], m["retained"], m["total"]) for m in report.retention_chart] == [
        (first.title, 1, 2),
        (second.title, 1, 1),
    ]
    assert (rows[ann.pk].practice.plans_kept, rows[ann.pk].practice.plans_made) == (1, 2)
    assert (report.practice.plans_kept, report.practice.plans_made, report.practice.plan_kept_rate) == (1, 2, 50)

    client.force_login(trainer)
    page = client.get(reverse("microlearn_lms:trainer-cohort", args=[cohort.pk])).content.decode()
    assert (
        '<td data-label="Check-ins answered">1 / 2</td><td data-label="Booster questions retained">2 / 3</td>'
    ) in page
    assert 'data-testid="checkin-rate">33% (1 of 3)' in page and 'data-testid="retention-rate">67% (2 of 3)' in page

    chosen = cohort_report(cohort=cohort, enrolment_ids=[bob.pk])
    assert [r.enrolment_id for r in chosen.rows] == [bob.pk] and chosen.practice.checkins_sent == 1
