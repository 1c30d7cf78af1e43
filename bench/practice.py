"""Benchmark: the check-in job over many due entries, and a second (idempotent) run.

Run standalone: ``.venv/bin/python bench/practice.py`` (throwaway SQLite under /tmp unless
DATABASE_URL is set). Seeds ``N`` participants with four entries each, 30 days old and still at
"none yet", runs the job twice with the locmem email backend and prints emails sent, queries and
seconds per run. The second run must send nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from _harness import setup

THROWAWAY = setup("practice")

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "250"))


def main() -> None:
    from django.contrib.auth import get_user_model

    from courses.models import Challenge, CoursePage
    from lms.models import ChallengeLog, CheckIn, Enrolment
    from lms.services.practice import checkins_run

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    course = CoursePage.objects.get(slug="micro-connections")
    challenge = Challenge.objects.filter(course=course, kind="networking").order_by("week").first()
    CheckIn.objects.all().delete()
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-practice-{i}", email=f"p{i}@example.com") for i in range(PARTICIPANTS)
    )
    enrolled = timezone.now() - dt.timedelta(days=60)
    enrolments = Enrolment.objects.bulk_create(Enrolment(user=u, course=course, enrolled_at=enrolled) for u in users)
    day = timezone.localdate() - dt.timedelta(days=30)
    ChallengeLog.objects.bulk_create(
        ChallengeLog(enrolment=e, challenge=challenge, occurred_on=day, setting="canteen")
        for e in enrolments
        for _ in range(4)
    )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        for label in ("first run", "second run"):
            queries: list[str] = []

            def count(execute, sql, *args, queries=queries):
                queries.append(sql)
                return execute(sql, *args)

            with connection.execute_wrapper(count):
                started = time.perf_counter()
                counts = checkins_run(limit=100_000)
                seconds = time.perf_counter() - started
            print(f"{label}: {counts}, {len(queries)} queries, {seconds:.2f} s ({connection.vendor})")
        print(f"emails in the outbox: {len(mail.outbox)}")
    if counts["sent"]:
        sys.exit("the second run sent emails")


if __name__ == "__main__":
    main()
