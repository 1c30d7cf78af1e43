"""A participant's programme, through the real services: every kind of statement, and free text
(names, conversation notes) that must never reach an LRS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from courses.models import ChallengeKind, ModulePage
from lms import services
from lms.models import Enrolment, OrganisationMember
from tests.factories import UserFactory
from tests.factories_api import MemberFactory, cohort_for
from tests.factories_challenges import ChallengeFactory
from tests.factories_learning import right_answers, wrong_answers

SECRETS = ("Jane Payroll-Person", "an opener about the weather", "she runs the summer fair", "private note 42")


@dataclass
class Journey:
    enrolment: Enrolment
    member: OrganisationMember
    user: object


def enrol(organisation, course, *, first_name="Ada", last_name="Lovelace") -> Journey:
    user = UserFactory(first_name=first_name, last_name=last_name)
    member = MemberFactory(organisation=organisation, user=user)
    cohort = cohort_for(organisation, course, start_date=timezone.localdate() - dt.timedelta(days=3))
    enrolment = services.enrolment_create(user=user, course=course, cohort=cohort)
    return Journey(enrolment, member, user)


def take_quiz(enrolment, module, *, right: bool):
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    answers = right_answers(attempt, module) if right else wrong_answers(attempt, module)
    return services.quiz_attempt_submit(attempt=attempt, answers=answers, module=module)[0]


def full_programme(organisation, course) -> Journey:
    """Registered; the first module's quiz failed then passed, each module experienced; a conversation and a
    practice session logged; course completed. 8 statements (the second module has no quiz)."""
    journey = enrol(organisation, course)
    enrolment = journey.enrolment
    networking = ChallengeFactory(course=course, week=1)
    practice = ChallengeFactory(course=course, week=1, kind=ChallengeKind.PRACTICE, openers=[])
    today = timezone.localdate()
    services.challenge_log_create(
        enrolment=enrolment,
        challenge=networking,
        data={
            "occurred_on": today,
            "setting": "canteen",
            "who": SECRETS[0],
            "opener": SECRETS[1],
            "learned": SECRETS[2],
            "notes": SECRETS[3],
            "outcome": "meeting",
        },
    )
    services.challenge_log_create(
        enrolment=enrolment,
        challenge=practice,
        data={"occurred_on": today, "minutes": 15, "calm_before": 3, "calm_after": 7, "notes": SECRETS[3]},
    )
    for index, module in enumerate(ModulePage.objects.child_of(course).order_by("path")):
        if module.has_quiz:
            if index == 0:
                take_quiz(enrolment, module, right=False)
            take_quiz(enrolment, module, right=True)
        services.module_confirm_read(enrolment=enrolment, module=module)
    enrolment.refresh_from_db()
    return journey
