"""Factories and helpers for weekly challenges and practice-log entries."""

import datetime as dt

import factory
from django.utils import timezone

from courses.models import Challenge, ChallengeKind
from lms.models import ChallengeLog, Enrolment, FollowUp, Outcome, Setting
from tests.factories import UserFactory


def london_midday(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)), timezone.get_default_timezone())


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    week = 1
    kind = ChallengeKind.NETWORKING
    title = factory.Sequence(lambda n: f"Challenge {n}")
    brief = "Talk to three people this week."
    target = 3
    openers = factory.LazyFunction(lambda: [{"type": "opener", "value": "How is your week going?"}])


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A current enrolment that started ``days_ago`` local days ago (no cohort)."""

    class Meta:
        model = Enrolment

    class Params:
        days_ago = 0

    user = factory.SubFactory(UserFactory)
    enrolled_at = factory.LazyAttribute(lambda o: london_midday(timezone.localdate() - dt.timedelta(days=o.days_ago)))


class ChallengeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChallengeLog

    occurred_on = factory.LazyFunction(timezone.localdate)
    setting = Setting.CANTEEN
    who = "a colleague from Finance"
    opener = "How is your week going?"
    follow_up = FollowUp.NONE
    outcome = Outcome.NONE_YET
