"""Two real ``manage.py lms_worker`` processes on PostgreSQL never send the same reminder twice.

Both run ``practice_tick_task`` at the same time over the same due reminders; each claims batches
with ``SELECT ... FOR UPDATE SKIP LOCKED``. Their emails go to files; every reminder must be in
exactly one of them.
"""

import datetime as dt
import email
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lms.models import PlanOccurrence, ReminderStatus, WorkerHeartbeat
from lms.services.reminders import practice_tick_task
from tests.factories import CohortFactory
from tests.factories_challenges import ChallengeFactory, EnrolmentFactory
from tests.factories_plans import make_plan
from tests.lms.test_workers import DB_TASKS, ON_POSTGRES, worker_processes

REMINDERS = 120
YES_LINK = re.compile(r"/learn/reminders/yes/(\S+)/")


def sent_occurrences(mail_dir: Path) -> list[int]:
    """The reminder of every email in the files, by the occurrence its signed "Yes" link names."""
    from lms.links import read_action_token

    found = []
    for path in mail_dir.iterdir():
        # The file backend writes each message followed by a line of 79 dashes.
        for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
            if not raw.strip():
                continue
            message = email.message_from_string(raw)
            text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
            token = YES_LINK.search(text.decode()).group(1)
            found.append(read_action_token("reminder-yes", token, max_age=3600)["o"])
    return found


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_POSTGRES)
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_reminder_twice(tmp_path, mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    ChallengeFactory(course=mini_programme, week=2)
    today = timezone.localdate()
    cohort = CohortFactory(course=mini_programme, start_date=today - dt.timedelta(days=1))
    cue = (timezone.localtime() - dt.timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    day = today if cue < timezone.localtime().time() else today - dt.timedelta(days=1)
    for _ in range(REMINDERS):
        make_plan(EnrolmentFactory(course=mini_programme, cohort=cohort), challenge, day, cue)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with worker_processes(tmp_path) as workers:
        workers.env.update(DJANGO_SETTINGS_MODULE="tests.lms.reminder_worker_settings", REMINDER_MAIL_DIR=str(mail_dir))
        workers.start("rw-a")
        workers.start("rw-b")
        workers.wait_for(lambda: WorkerHeartbeat.objects.count() == 2, "two heartbeats", timeout=90)
        with override_settings(TASKS=DB_TASKS):
            ids = [practice_tick_task.enqueue().id for _ in range(6)]
        workers.wait_for(
            lambda: DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.SUCCESSFUL).count() == 6,
            "six ticks to finish",
            timeout=120,
        )
    occurrences = PlanOccurrence.objects.all()
    assert occurrences.filter(status=ReminderStatus.SENT).count() == REMINDERS
    sent = sent_occurrences(mail_dir)
    assert len(sent) == REMINDERS and sorted(sent) == sorted(occurrences.values_list("pk", flat=True))
    ran_on = {row.worker_ids[-1] for row in DBTaskResult.objects.filter(pk__in=ids)}
    assert ran_on == {"rw-a", "rw-b"}  # both workers ticked
