"""Limits held by the database, not by luck: the same action run at the same moment, on PostgreSQL.

Found: six concurrent nudges for one participant created four NudgeLog rows and sent four emails
(limit: one per 24 hours).
"""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lms import ratelimit
from lms.models import Enrolment, ImportStatus, NudgeLog
from lms.services import csv_import as import_services
from lms.services import csv_import_confirm, csv_import_preview, enrolment_create, nudge_send
from tests.factories import UserFactory
from tests.factories_cohorts import cohort_for, participant, trainer_user
from tests.lms.test_learning_concurrency import run_together  # threads released together by a barrier

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite serialises writers, so row locks under real concurrency are not exercised.",
    ),
]

THREADS = 6


@pytest.fixture
def at_risk(mini_programme):
    trainers = [trainer_user() for _ in range(THREADS)]
    cohort = cohort_for(mini_programme, trainers=trainers)
    enrolment = participant(cohort, last_activity=timezone.now() - dt.timedelta(days=10))
    return cohort, enrolment, trainers


def test_concurrent_nudges_for_one_participant_send_one(at_risk):
    cohort, enrolment, trainers = at_risk
    results = run_together(
        *[lambda t=t: nudge_send(cohort=cohort, sender=t, enrolment_ids=[enrolment.pk]) for t in trainers]
    )
    assert sum(len(r.sent) for r in results) == 1
    assert sum("already nudged" in s for r in results for s in r.skipped) == THREADS - 1
    assert NudgeLog.objects.filter(enrolment=enrolment).count() == 1
    assert len(mail.outbox) == 1


def test_concurrent_nudges_by_one_sender_keep_the_hourly_limit(at_risk, monkeypatch):
    from lms.services import cohorts as cohort_services

    monkeypatch.setattr(cohort_services, "NUDGE_SENDER_HOURLY_LIMIT", 2)
    cohort, _, trainers = at_risk
    sender = trainers[0]
    people = [participant(cohort, last_activity=timezone.now() - dt.timedelta(days=10)) for _ in range(THREADS)]
    run_together(*[lambda e=e: nudge_send(cohort=cohort, sender=sender, enrolment_ids=[e.pk]) for e in people])
    assert NudgeLog.objects.filter(sent_by=sender).count() == 2


@pytest.fixture
def database_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "security_rate_cache"}
    }
    call_command("createcachetable")
    cache.clear()
    yield
    cache.clear()


def test_concurrent_hits_on_the_database_cache_allow_exactly_the_limit(database_cache):
    results = run_together(*[lambda: ratelimit.hit("race", "10.0.0.1", limit=3, window=60) for _ in range(THREADS * 2)])
    assert results.count(True) == 3


def test_concurrent_password_resets_on_the_database_cache_keep_the_per_address_limit(database_cache, settings):
    from django.test import Client

    settings.PASSWORD_RESET_RATE_PER_EMAIL = (2, 3600)
    UserFactory(email="pat@example.com")

    def ask(n):
        return Client().post("/accounts/password_reset/", {"email": "pat@example.com"}, REMOTE_ADDR=f"192.0.2.{n}")

    statuses = run_together(*[lambda n=n: ask(n).status_code for n in range(THREADS)])
    assert sorted(statuses) == [302, 302] + [429] * (THREADS - 2)
    assert len(mail.outbox) == 2


def test_concurrent_login_failures_lock_out(settings):
    """Axes counts failures in the database; concurrent guesses still end in a lockout."""
    from django.test import Client

    UserFactory(username="pat")

    def guess(n):
        return Client().post("/accounts/login/", {"username": "pat", "password": f"guess-{n}"}, REMOTE_ADDR="192.0.2.1")

    run_together(*[lambda n=n: guess(n).status_code for n in range(THREADS)])
    right = Client().post("/accounts/login/", {"username": "pat", "password": "pw-for-tests"}, REMOTE_ADDR="192.0.2.1")
    assert right.status_code == 429


# --- The audit's other once-only actions without a concurrency test of their own -------------


def test_concurrent_confirmations_run_a_csv_import_once(mini_programme):
    cohort = cohort_for(mini_programme)
    rows = "".join(f"person{n}@example.com,Person,{n},\n" for n in range(3))
    job = csv_import_preview(cohort=cohort, data=("email,first name,last name,external id\n" + rows).encode())
    runs = []
    real = import_services.cohort_import_run.enqueue

    def counting_enqueue(**kwargs):
        runs.append(kwargs)
        return real(**kwargs)

    with mock.patch.object(import_services, "cohort_import_run", mock.Mock(enqueue=counting_enqueue)):
        run_together(*[lambda: csv_import_confirm(cohort_import=job) for _ in range(THREADS)])
    assert len(runs) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Enrolment.objects.filter(cohort=cohort).count() == 3


def test_concurrent_enrolments_in_one_course_make_one(mini_programme):
    user = UserFactory()
    results = run_together(*[lambda: enrolment_create(user=user, course=mini_programme) for _ in range(THREADS)])
    assert len({e.pk for e in results}) == 1
    assert Enrolment.objects.filter(user=user, course=mini_programme).count() == 1
