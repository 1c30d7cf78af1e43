"""Factories and builders for cohort tests: participants, progress and challenge entries."""

import datetime as dt

import factory
from django.utils import timezone

from courses.models import Challenge
from lms.models import ChallengeLog, Enrolment, EnrolmentSource, ModuleProgress
from lms.roles import trainer_permission
from lms.services.summaries import refresh_modules, refresh_streak
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
    """A module record written directly, then the enrolment's summary recounted as the services do."""
    now = timezone.now()
    record = ModuleProgress.objects.create(
        enrolment=enrolment,
        module=module,
        started_at=now,
        read_confirmed_at=now if done else None,
        completed_at=now if done else None,
        quiz_passed_at=now if passed else None,
        best_score=best,
        attempts_used=attempts,
    )
    refresh_modules(enrolment_id=enrolment.pk, course_id=enrolment.course_id)
    return record


def entry(enrolment, challenge, *, on=None, **kwargs):
    """An entry written directly, then the enrolment's streak summary recomputed as the services do."""
    log = ChallengeLog.objects.create(
        enrolment=enrolment, challenge=challenge, occurred_on=on or timezone.localdate(), **kwargs
    )
    refresh_streak(enrolment_id=enrolment.pk)
    return log
