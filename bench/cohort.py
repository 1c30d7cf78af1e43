"""Benchmark the trainer cohort pages at scale.

    .venv/bin/python bench/cohort.py                 # throwaway SQLite database
    createdb -h 127.0.0.1 -U postgres bench_cohort   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cohort .venv/bin/python bench/cohort.py

Seeds (with bulk_create) an 8-module course, a cohort of 2,000 participants with six weeks of
challenge entries (about 60,000) and a 20-participant cohort, then prints, side by side for the
20- and the 2,000-participant cohort, the query count and the median server time (Django test
client: middleware, view, template, streamed body) of the cohort page (first page, the at-risk
filter, a filtered and sorted page, sorted by streak), the cohort list, the CSV exports and a
participant drill-down, with the ratio 2,000 / 20. The bench data is removed afterwards.

Targets (PostgreSQL): the cohort page (50 rows shown, counts and charts over the whole cohort)
within 2x of the 20-participant page in the same run, with the same query count; the full CSV
export under 1 s.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="cohort-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from wagtail.models import Page  # noqa: E402

from courses.models import Challenge, CourseIndexPage, CoursePage, HomePage, ModulePage  # noqa: E402
from lms.models import ChallengeLog, Cohort, Enrolment, ModuleProgress, Organisation  # noqa: E402
from lms.services.summaries import rebuild  # noqa: E402

PREFIX = "bench-cohort"
LARGE, SMALL = 2000, 20
MODULES = 8
WEEKS = 6
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
User = get_user_model()


def cleanup() -> None:
    Enrolment.objects.filter(cohort__organisation__slug=PREFIX).delete()
    ChallengeLog.objects.filter(challenge__course__slug=PREFIX).delete()
    Cohort.objects.filter(organisation__slug=PREFIX).delete()
    Organisation.objects.filter(slug=PREFIX).delete()
    Challenge.objects.filter(course__slug=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX).delete()
    for page in Page.objects.filter(slug=f"{PREFIX}-home"):
        page.delete()


def build_course() -> CoursePage:
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Bench home", slug=f"{PREFIX}-home"))
    index = home.add_child(instance=CourseIndexPage(title="Bench courses", slug=f"{PREFIX}-courses"))
    course = index.add_child(instance=CoursePage(title="Bench course", slug=PREFIX, summary="Bench."))
    for i in range(MODULES):
        course.add_child(
            instance=ModulePage(title=f"Module {i + 1}", slug=f"{PREFIX}-m{i + 1}", quiz_max_attempts=3 if i % 2 else 0)
        )
    for week in range(1, WEEKS + 1):
        Challenge.objects.create(course=course, week=week, title=f"Week {week}", brief="Practise.", target=3)
    return course


def seed_cohort(course, organisation, name: str, size: int, rng: random.Random) -> Cohort:
    today = timezone.localdate()
    start = today - dt.timedelta(days=7 * (WEEKS - 1) + 3)  # in week 6
    cohort = Cohort.objects.create(organisation=organisation, course=course, name=name, start_date=start)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}-{name}-{i}",
                email=f"{PREFIX}-{name}-{i}@example.com",
                first_name=rng.choice(["Ann", "Bob", "Chloé", "Dev", "Eve", "Femi", "Gus", "Hana"]),
                last_name=f"Person{i:05d}",
                password="!",
            )
            for i in range(size)
        ]
    )
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                user=u,
                course=course,
                cohort=cohort,
                source="cohort",
                enrolled_at=now - dt.timedelta(days=40),
                last_activity_at=now - dt.timedelta(days=rng.randint(0, 14)),
            )
            for u in users
        ]
    )
    modules = list(course.modules())
    challenges = {c.week: c for c in Challenge.objects.filter(course=course)}
    progress, logs = [], []
    for e in enrolments:
        done = rng.randint(0, MODULES)
        for i, m in enumerate(modules[: min(MODULES, done + 1)]):
            completed = i < done
            progress.append(
                ModuleProgress(
                    enrolment=e,
                    module=m,
                    started_at=now,
                    read_confirmed_at=now if completed else None,
                    completed_at=now if completed else None,
                    quiz_passed_at=now if completed else None,
                    best_score=rng.randint(40, 100),
                    attempts_used=rng.randint(1, 3),
                )
            )
        for week in range(1, WEEKS + 1):
            for _ in range(rng.choice([0, 3, 5, 5, 6, 7, 8, 9])):
                day = start + dt.timedelta(days=7 * (week - 1) + rng.randint(0, 6))
                if day > today:
                    continue
                logs.append(
                    ChallengeLog(
                        enrolment=e,
                        challenge=challenges[week],
                        occurred_on=day,
                        who="Someone new",
                        outcome=rng.choice(["none_yet"] * 6 + ["meeting", "referral"]),
                        follow_up=rng.choice(["none", "planned", "done"]),
                        follow_up_due=day + dt.timedelta(days=3),
                    )
                )
    ModuleProgress.objects.bulk_create(progress, batch_size=5000)
    ChallengeLog.objects.bulk_create(logs, batch_size=5000)
    # bulk_create bypasses the services that keep the enrolments' summary: recount, as the data
    # migration and manage.py cohort_summaries_rebuild do.
    rebuild(enrolments=Enrolment.objects.filter(cohort=cohort))
    return cohort


def measure(client: Client, url: str) -> tuple[int, float]:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018

    fetch()  # warm up
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fetch()
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - t0) * 1000)
    return len(queries), statistics.median(times)


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    cleanup()
    rng = random.Random(5)
    t0 = time.perf_counter()
    course = build_course()
    organisation = Organisation.objects.create(name="Bench Org", slug=PREFIX)
    large = seed_cohort(course, organisation, "large", LARGE, rng)
    small = seed_cohort(course, organisation, "small", SMALL, rng)
    if connection.vendor == "postgresql":
        # What autovacuum does to a table in steady state: fresh statistics, and a visibility
        # map so that index-only scans (the wins index of the outcomes chart) skip the heap.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    entries = ChallengeLog.objects.filter(enrolment__cohort=large).count()
    print(
        f"database: {connection.vendor}; seeded {LARGE:,} + {SMALL} participants, {MODULES} modules, "
        f"{entries:,} challenge entries in the large cohort, summaries rebuilt ({time.perf_counter() - t0:.1f} s); "
        f"median of {REPEAT} runs"
    )
    # Keep one connection across requests, as a persistent-connection server would.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    staff = User.objects.create(username=f"{PREFIX}-staff", is_staff=True, password="!")
    client = Client()
    client.force_login(staff)
    pages = [
        ("cohort page, first page", "microlearn_lms:trainer-cohort", ""),
        ("cohort page, at risk (the count's link)", "microlearn_lms:trainer-cohort", "?at_risk=1"),
        ("cohort page, filtered (at risk, name)", "microlearn_lms:trainer-cohort", "?at_risk=1&q=ann&sort=-progress"),
        ("cohort page, sorted by streak", "microlearn_lms:trainer-cohort", "?sort=-streak"),
        ("cohort list", "microlearn_lms:trainer-cohorts", ""),
        ("progress CSV export (all rows)", "microlearn_lms:trainer-export-progress", ""),
        ("challenge entries CSV export", "microlearn_lms:trainer-export-entries", ""),
        ("participant drill-down", "microlearn_lms:trainer-participant", ""),
    ]
    one = {c.pk: Enrolment.objects.filter(cohort=c).earliest("pk").pk for c in (large, small)}
    print(f"{'':40} {'queries 20':>10} {'queries 2k':>10} {'ms 20':>8} {'ms 2k':>8} {'ratio':>6}", flush=True)
    try:
        for label, name, query in pages:
            args_large = [large.pk] if name != "microlearn_lms:trainer-cohorts" else []
            args_small = [small.pk] if name != "microlearn_lms:trainer-cohorts" else []
            if name == "microlearn_lms:trainer-participant":
                args_large, args_small = [large.pk, one[large.pk]], [small.pk, one[small.pk]]
            q_small, t_small = measure(client, reverse(name, args=args_small) + query)
            q_large, t_large = measure(client, reverse(name, args=args_large) + query)
            print(
                f"{label:40} {q_small:>10} {q_large:>10} {t_small:>8.1f} {t_large:>8.1f} {t_large / t_small:>6.1f}",
                flush=True,
            )
    finally:
        if not os.environ.get("BENCH_KEEP"):
            cleanup()


if __name__ == "__main__":
    main()
