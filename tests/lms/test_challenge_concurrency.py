"""Concurrent outcome updates keep a consistent history (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from lms import services
from lms.models import ChallengeLog, ChallengeLogOutcomeChange
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_concurrent_outcome_changes_chain_in_the_history(mini_programme):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SELECT ... FOR UPDATE); SQLite serialises writers anyway")
    enrolment = EnrolmentFactory(course=mini_programme, days_ago=3)
    log = ChallengeLogFactory(enrolment=enrolment, challenge=ChallengeFactory(course=mini_programme))
    barrier, errors = threading.Barrier(2), []

    def change(outcome):
        try:
            mine = ChallengeLog.objects.select_related("enrolment", "challenge").get(pk=log.pk)
            barrier.wait()
            services.challenge_log_set_outcome(log=mine, user=enrolment.user, outcome=outcome)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(o,)) for o in ("meeting", "referral")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    first, second = ChallengeLogOutcomeChange.objects.filter(log=log).order_by("changed_at", "pk")
    assert first.previous == "none_yet" and second.previous == first.outcome
    log.refresh_from_db()
    assert log.outcome == second.outcome
