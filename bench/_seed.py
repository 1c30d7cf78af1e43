"""Scale data for bench/load.py and bench/scale.py: participants, enrolments, progress and
challenge entries generated in PostgreSQL itself (``INSERT … SELECT generate_series``), so
100,000 participants and a million challenge entries take a few minutes, not hours.

The layout mirrors bench/cohort.py and bench/api.py: client organisations of ``PER_ORG``
(1,000) participants, each in cohorts of ``COHORT_SIZE`` (200) on the demo programme's
*Micro-connections* course (5 modules with quizzes, 6 weekly challenges), in week 6 of their
programme. Participant ``i`` (user ``bench-p<i>``) has, deterministically:

* status by ``i % 10``: 0-2 completed, 3 withdrawn, 4-9 active (so ``i % 10 >= 4`` is active);
* ``i % 5`` modules completed (all 5 if completed) and the next one started, not confirmed;
* ``ENTRIES`` (10) challenge entries spread over the six weeks, a third with a planned follow-up.

``grow(to)`` adds participants ``[current, to)``; what exists is never rewritten, so the same
organisation, cohort and participant can be measured at every size. Only organisation 0 has
a trainer (``bench-trainer``, with the trainer permission) and an API key.

Needs PostgreSQL; call ``setup_django(url)`` first, before any other Django import.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-p"
PER_ORG = 1000
COHORT_SIZE = 200
ENTRIES = 10
WEEK = 6  # the cohorts are in week 6 of their programme, so every challenge is open
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/{name}"


def database_url(name: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL.format(name=name)


def postgres_reachable(url: str) -> bool:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    try:
        psycopg.connect(admin, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database named in ``url`` (dropping it first when ``fresh``)."""
    import psycopg

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"These benchmarks need PostgreSQL; got {url}")
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def setup_django(url: str, settings: str = "config.settings.test") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def course():
    """The demo programme's Micro-connections course (loaded on first use)."""
    from courses.loader import ProgrammeLoader
    from courses.models import CoursePage

    found = CoursePage.objects.filter(slug="micro-connections").first()
    if found is None:
        ProgrammeLoader(ROOT / "fixtures" / "demo_programme.json").load()
        found = CoursePage.objects.get(slug="micro-connections")
    return found


def participants() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username__startswith=PREFIX).count()


def cohort_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=7 * (WEEK - 1) + 3)


def _orgs_and_cohorts(course, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Organisation and cohort ids for every participant index below ``hi`` (creating the new ones)."""
    from django.utils import timezone

    from lms.models import Cohort, Organisation

    start = cohort_start(timezone.localdate())
    for o in range(lo // PER_ORG, (hi - 1) // PER_ORG + 1):
        org, _ = Organisation.objects.get_or_create(slug=f"bench-org-{o}", defaults={"name": f"Bench client {o}"})
        for c in range(PER_ORG // COHORT_SIZE):
            Cohort.objects.get_or_create(
                organisation=org, name=f"Cohort {c}", defaults={"course": course, "start_date": start}
            )
    orgs = dict(Organisation.objects.filter(slug__startswith="bench-org-").values_list("slug", "id"))
    org_ids = [orgs[f"bench-org-{o}"] for o in range((hi - 1) // PER_ORG + 1)]
    cohorts = {
        (org_id, name): pk
        for pk, org_id, name in Cohort.objects.filter(organisation_id__in=org_ids).values_list(
            "pk", "organisation_id", "name"
        )
    }
    cohort_ids = [
        cohorts[(org_ids[i // PER_ORG], f"Cohort {(i % PER_ORG) // COHORT_SIZE}")]
        for i in range(0, ((hi - 1) // COHORT_SIZE + 1) * COHORT_SIZE, COHORT_SIZE)
    ]
    return org_ids, cohort_ids


def grow(to: int, *, log=print) -> None:
    """Add participants up to ``to`` (with enrolments, progress and challenge entries)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from courses.models import Challenge
    from lms.models import ChallengeLog, Enrolment, ModuleProgress, OrganisationMember

    the_course = course()
    lo = participants()
    if to <= lo:
        return
    started = time.perf_counter()
    modules = list(the_course.modules().values_list("pk", flat=True))
    challenges = list(Challenge.objects.filter(course=the_course).order_by("week").values_list("pk", flat=True))
    assert len(challenges) == WEEK, challenges
    today = timezone.localdate()
    start = cohort_start(today)
    now = timezone.now()
    user_table = get_user_model()._meta.db_table
    params = {
        "lo": lo,
        "hi": to - 1,
        "prefix": PREFIX,
        "password": "!",  # unusable; bench/load.py sets a password on the participants it logs in as
        "now": now,
        "today": today,
        "start": start,
        "course": the_course.pk,
        "modules": modules,
        "challenges": challenges,
        "per_org": PER_ORG,
        "cohort_size": COHORT_SIZE,
        "entries": ENTRIES,
    }
    with transaction.atomic():
        params["orgs"], params["cohorts"] = _orgs_and_cohorts(the_course, lo, to)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {user_table} (password, is_superuser, username, first_name, last_name, email,
                                          is_staff, is_active, date_joined)
                SELECT %(password)s, false, %(prefix)s || i,
                       (ARRAY['Ann','Bob','Chloé','Dev','Eve','Femi','Gus','Hana'])[i %% 8 + 1],
                       'Person' || lpad(i::text, 6, '0'), %(prefix)s || i || '@example.com',
                       false, true, %(now)s
                FROM generate_series(%(lo)s, %(hi)s) AS i
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            # The participant index of every new user, in a temporary table the next inserts join.
            cursor.execute("DROP TABLE IF EXISTS bench_new")
            cursor.execute(
                f"""
                CREATE TEMPORARY TABLE bench_new AS
                SELECT i, u.id AS user_id FROM generate_series(%(lo)s, %(hi)s) AS i
                JOIN {user_table} u ON u.username = %(prefix)s || i
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            cursor.execute(
                f"""
                INSERT INTO {OrganisationMember._meta.db_table}
                    (uuid, organisation_id, user_id, external_id, created_at, updated_at, deactivated_at)
                SELECT gen_random_uuid(), (%(orgs)s::bigint[])[i / %(per_org)s + 1], user_id, 'E' || i,
                       %(now)s, %(now)s, NULL
                FROM bench_new
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            # Status by i %% 10: 0-2 completed, 3 withdrawn, 4-9 active; changes spread over 40 days.
            cursor.execute(
                f"""
                INSERT INTO {Enrolment._meta.db_table}
                    (uuid, user_id, course_id, cohort_id, status, source, enrolled_at, completed_at,
                     withdrawn_at, last_activity_at, updated_at)
                SELECT gen_random_uuid(), user_id, %(course)s, (%(cohorts)s::bigint[])[i / %(cohort_size)s + 1],
                       CASE WHEN i %% 10 < 3 THEN 'completed' WHEN i %% 10 = 3 THEN 'withdrawn' ELSE 'active' END,
                       'api', enrolled, CASE WHEN i %% 10 < 3 THEN changed END,
                       CASE WHEN i %% 10 = 3 THEN changed END, changed, changed
                FROM (
                    SELECT i, user_id, %(now)s - interval '40 days' AS enrolled,
                           %(now)s - interval '40 days' + (i %% 39979) * interval '86 seconds' AS changed
                    FROM bench_new
                ) AS t
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            cursor.execute("DROP TABLE IF EXISTS bench_enrolled")
            cursor.execute(
                f"""
                CREATE TEMPORARY TABLE bench_enrolled AS
                SELECT n.i, e.id AS enrolment_id, e.status,
                       CASE WHEN e.status = 'completed' THEN 5 ELSE n.i %% 5 END AS done
                FROM bench_new n JOIN {Enrolment._meta.db_table} e ON e.user_id = n.user_id
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            cursor.execute(
                f"""
                INSERT INTO {ModuleProgress._meta.db_table}
                    (enrolment_id, module_id, started_at, read_confirmed_at, quiz_passed_at, completed_at,
                     best_score, attempts_used)
                SELECT enrolment_id, (%(modules)s::bigint[])[m], %(now)s - interval '30 days',
                       CASE WHEN m <= done THEN %(now)s - interval '20 days' END,
                       CASE WHEN m <= done THEN %(now)s - interval '20 days' END,
                       CASE WHEN m <= done THEN %(now)s - interval '20 days' END,
                       CASE WHEN m <= done THEN 70 + (i + m) %% 31 END,
                       CASE WHEN m <= done THEN 1 + (i + m) %% 3 ELSE 0 END
                FROM bench_enrolled CROSS JOIN generate_series(1, 5) AS m
                WHERE m <= done + 1 AND m <= 5
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            # ENTRIES per participant over the six weeks: entry k falls in week k * 6 / ENTRIES + 1.
            cursor.execute(
                f"""
                INSERT INTO {ChallengeLog._meta.db_table}
                    (uuid, enrolment_id, challenge_id, occurred_on, setting, who, opener, learned, follow_up,
                     follow_up_due, follow_up_done_on, outcome, outcome_changed_at, notes, minutes,
                     calm_before, calm_after, created_at, updated_at)
                SELECT gen_random_uuid(), enrolment_id, (%(challenges)s::bigint[])[week], day,
                       (ARRAY['canteen','corridor','virtual','travel','event','online','other'])[(i + k) %% 7 + 1],
                       'a colleague from another team', '', 'Something useful about their project.',
                       (ARRAY['none','planned','done'])[k %% 3 + 1],
                       CASE WHEN k %% 3 = 1 THEN day + 3 END, CASE WHEN k %% 3 = 2 THEN day END,
                       (ARRAY['none_yet','none_yet','none_yet','conversation','meeting','referral'])[(i + k) %% 6 + 1],
                       NULL, '', NULL, NULL, NULL, %(now)s, %(now)s
                FROM (
                    SELECT i, enrolment_id, k, k * 6 / %(entries)s + 1 AS week,
                           LEAST(%(start)s::date + 7 * (k * 6 / %(entries)s) + (i + k) %% 7, %(today)s::date) AS day
                    FROM bench_enrolled CROSS JOIN generate_series(0, %(entries)s - 1) AS k
                ) AS t
                """,  # noqa: S608 (table names from the models; values are parameters)
                params,
            )
            cursor.execute("DROP TABLE bench_new")
            cursor.execute("DROP TABLE bench_enrolled")
    with connection.cursor() as cursor:
        # Statistics and the visibility map, as autovacuum keeps them on a live database.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")  # write the new rows out now rather than during the measurements
    log(f"  seeded participants {lo:,}-{to - 1:,} in {time.perf_counter() - started:.0f} s")


def trainer():
    """``bench-trainer``: with the trainer permission, training organisation 0's cohorts."""
    from django.contrib.auth import get_user_model

    from lms.models import Cohort
    from lms.roles import trainer_permission

    user, _ = get_user_model().objects.get_or_create(username="bench-trainer", defaults={"password": "!"})
    user.user_permissions.add(trainer_permission())
    for cohort in Cohort.objects.filter(organisation__slug="bench-org-0"):
        cohort.trainers.add(user)
    return user


def api_key(name: str = "bench") -> str:
    """A fresh read-write key of organisation 0 (the full key, shown once)."""
    from api.models import ApiKey
    from lms.models import Organisation

    _, raw = ApiKey.generate(organisation=Organisation.objects.get(slug="bench-org-0"), name=name)
    return raw


def participant(i: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=f"{PREFIX}{i}")


def counts() -> dict[str, int]:
    from lms.models import ChallengeLog, Enrolment, ModuleProgress

    return {
        "participants": participants(),
        "enrolments": Enrolment.objects.count(),
        "module records": ModuleProgress.objects.count(),
        "challenge entries": ChallengeLog.objects.count(),
    }
