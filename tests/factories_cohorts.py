"""Factories and builders for cohort tests: participants, progress and challenge entries."""

import datetime as dt

import factory
from django.utils import timezone

from courses.models import Challenge
from lms.models import ChallengeLog, Enrolment, EnrolmentSource, ModuleProgress
from lms.roles import trainer_permission
from tests.factories import CohortFactory, UserFactory


def trainer_user(**kwargs):
    user = UserFactory(**kwargs)
    user.user_permissions.add(trainer_permission())
    return user


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    week = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Challenge {n}")
    brief = "Talk to someone new."
    target = 3


def cohort_for(course, *, trainers=(), start=None, **kwargs):
    cohort = CohortFactory(course=course, start_date=start or timezone.localdate() - dt.timedelta(days=14), **kwargs)
    cohort.trainers.add(*trainers)
    return cohort


def participant(cohort, *, last_activity=None, user=None, **user_kwargs):
    user = user or UserFactory(**user_kwargs)
    now = timezone.now()
    return Enrolment.objects.create(
        user=user,
        course=cohort.course,
        cohort=cohort,
        source=EnrolmentSource.COHORT,
        enrolled_at=now - dt.timedelta(days=30),
        last_activity_at=last_activity or now,
    )


def progress(enrolment, module, *, done=False, best=None, attempts=0, passed=False):
    now = timezone.now()
    return ModuleProgress.objects.create(
        enrolment=enrolment,
        module=module,
        started_at=now,
        read_confirmed_at=now if done else None,
        completed_at=now if done else None,
        quiz_passed_at=now if passed else None,
        best_score=best,
        attempts_used=attempts,
    )


def entry(enrolment, challenge, *, on=None, **kwargs):
    return ChallengeLog.objects.create(
        enrolment=enrolment, challenge=challenge, occurred_on=on or timezone.localdate(), **kwargs
    )
