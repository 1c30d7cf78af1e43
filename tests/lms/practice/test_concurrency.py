"""Several workers running the check-in job at once on PostgreSQL: each check-in is sent once."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from lms.models import CheckIn
from lms.services.practice import send_booster_digests_task, send_checkins_task
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory
from tests.lms.certificates.test_concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL and real threads; run with DATABASE_URL=postgres://…",
    ),
]


def test_racing_workers_send_each_check_in_once(mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    day = timezone.localdate() - dt.timedelta(days=30)
    for _ in range(3):
        enrolment = EnrolmentFactory(course=mini_programme, days_ago=40)
        for _ in range(4):
            ChallengeLogFactory(enrolment=enrolment, challenge=challenge, occurred_on=day)
    results = []

    def job():
        results.append(send_checkins_task.enqueue().return_value)

    assert run_together([job] * 4) == []
    assert sum(r["sent"] for r in results) == 12 == len(mail.outbox) == CheckIn.objects.count()
    assert sum(r["already"] for r in results) + sum(r["sent"] for r in results) >= 12
    assert send_checkins_task.enqueue().return_value["sent"] == 0
    assert send_booster_digests_task.enqueue().return_value["sent"] == 0
