"""Benchmark the HR API's hot lists against a plain Django baseline.

    .venv/bin/python bench/api.py                 # throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_api_bench .venv/bin/python bench/api.py

Seeds 100,000 enrolments across 20 organisations (bulk inserts; reused on PostgreSQL when
already there), then for the completions feed and the enrolments list (100 rows per page, a page
in the middle of the stream) prints the median latency, requests per second in one process and
queries per request, beside a baseline: a plain Django view returning the same rows from
``.values()`` as a JsonResponse. API and baseline requests alternate, so a busy machine slows
both alike. The target is within 1.6x of the baseline.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["MICROLEARN_API_THROTTLE_RATE"] = "100000000/min"
TMP = None
if not os.environ.get("DATABASE_URL"):
    TMP = tempfile.TemporaryDirectory(prefix="bench-api-")
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"

ORGANISATIONS = 20
ENROLMENTS = 100_000
PAGE = 100
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WARMUP = 20


def ensure_postgres_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed():
    import datetime as dt
    import random

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from courses.loader import ProgrammeLoader
    from courses.models import CoursePage
    from lms.models import Cohort, Enrolment, Organisation, OrganisationMember

    if Enrolment.objects.count() >= ENROLMENTS:
        return
    print("seeding 100,000 enrolments across 20 organisations…", flush=True)
    started = time.perf_counter()
    if not CoursePage.objects.exists():
        ProgrammeLoader(ROOT / "fixtures" / "demo_programme.json").load()
    course = CoursePage.objects.order_by("path").first()
    User = get_user_model()
    rng = random.Random(7)
    now = timezone.now()
    per_org = ENROLMENTS // ORGANISATIONS
    for index in range(ORGANISATIONS):
        with transaction.atomic():
            org = Organisation.objects.create(name=f"Bench client {index}", slug=f"bench-{index}")
            cohort = Cohort.objects.create(
                organisation=org, course=course, name="All staff", start_date=(now - dt.timedelta(days=60)).date()
            )
            users = User.objects.bulk_create(
                [
                    User(username=f"b{index}-{n}", email=f"b{index}-{n}@example.com", password="!")
                    for n in range(per_org)
                ],
                batch_size=2000,
            )
            if not users[0].pk:  # backends that do not return ids from bulk inserts
                users = list(User.objects.filter(username__startswith=f"b{index}-"))
            OrganisationMember.objects.bulk_create(
                [OrganisationMember(organisation=org, user=u, external_id=f"E{n}") for n, u in enumerate(users)],
                batch_size=2000,
            )
            rows = []
            for user in users:
                enrolled = now - dt.timedelta(days=rng.uniform(1, 60))
                changed = enrolled + dt.timedelta(days=rng.uniform(0, 1))
                roll = rng.random()
                status, completed, withdrawn = "active", None, None
                if roll < 0.3:
                    status, completed = "completed", changed
                elif roll < 0.4:
                    status, withdrawn = "withdrawn", changed
                rows.append(
                    Enrolment(
                        user=user,
                        course=course,
                        cohort=cohort,
                        status=status,
                        source="api",
                        enrolled_at=enrolled,
                        completed_at=completed,
                        withdrawn_at=withdrawn,
                        last_activity_at=changed,
                    )
                )
            Enrolment.objects.bulk_create(rows, batch_size=2000)
            # auto_now stamped every row with "now"; spread the change times as a real feed would.
            from django.db.models import F

            Enrolment.objects.filter(cohort=cohort).update(updated_at=F("last_activity_at"))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def baseline_views():
    """Plain Django: the same rows from .values() as a JsonResponse (no auth, no framework)."""
    from django.http import JsonResponse

    from api.v1.pagination import after
    from api.v1.serializers import ENROLMENT_COLUMNS
    from lms.models import Organisation
    from lms.selectors import organisation as selectors

    def rows(request, keyset):
        org = Organisation.objects.get(slug=request.GET["org"])
        queryset = selectors.enrolments_for_organisation(organisation=org)
        if "t" in request.GET:
            first = int(request.GET["t"]) if keyset[0] == "feed_txid" else request.GET["t"]
            queryset = queryset.filter(after(keyset, [first, int(request.GET["i"])]))
        return list(queryset.order_by(*keyset).values(*ENROLMENT_COLUMNS)[:PAGE])

    def feed(request):
        return JsonResponse({"results": rows(request, ("feed_txid", "feed_seq"))})  # commit order, no horizon

    def enrolments(request):
        return JsonResponse({"results": rows(request, ("enrolled_at", "id"))})

    return feed, enrolments


def install_urls():
    from django.urls import clear_url_caches, include, path

    feed, enrolments = baseline_views()
    module = types.ModuleType("bench_api_urls")
    module.urlpatterns = [
        path("baseline/feed/", feed),
        path("baseline/enrolments/", enrolments),
        path("", include("config.urls")),
    ]
    sys.modules["bench_api_urls"] = module
    from django.conf import settings

    settings.ROOT_URLCONF = "bench_api_urls"
    clear_url_caches()


def measure(client, api_url, baseline_url, headers):
    """Median latency, requests per second and queries of the API and of the baseline.

    The two are timed in alternation, request by request, so that a busy machine slows both
    alike and the ratio stays meaningful.
    """
    from django.db import connection

    results = {}
    for name, url, extra in (("api", api_url, headers), ("baseline", baseline_url, {})):
        for _ in range(WARMUP):
            assert client.get(url, **extra).status_code == 200
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url, **extra)
        assert response.status_code == 200, response.content[:300]
        results[name] = {"queries": len(queries), "rows": len(response.json()["results"]), "latencies": []}
    for _ in range(REQUESTS):
        for name, url, extra in (("api", api_url, headers), ("baseline", baseline_url, {})):
            t0 = time.perf_counter()
            client.get(url, **extra)
            results[name]["latencies"].append(time.perf_counter() - t0)
    for result in results.values():
        latencies = result.pop("latencies")
        result["median_ms"] = statistics.median(latencies) * 1000
        result["rps"] = len(latencies) / sum(latencies)
    return results["api"], results["baseline"]


def main():
    setup_django()
    seed()
    install_urls()
    from urllib.parse import parse_qs, urlencode, urlsplit

    from django.test import Client

    from api.models import ApiKey
    from api.v1.pagination import decode_cursor
    from lms.models import Enrolment, Organisation

    org = Organisation.objects.get(slug="bench-7")
    _, raw = ApiKey.generate(organisation=org, name="bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    results = []
    for label, api_url, baseline_url, keyset in [
        ("completions feed", "/api/v1/completions/", "/baseline/feed/", ("feed_txid", "feed_seq")),
        ("enrolments list", "/api/v1/enrolments/", "/baseline/enrolments/", ("enrolled_at", "id")),
    ]:
        # A page in the middle of the stream: follow `next` a few times.
        url = f"{api_url}?page_size={PAGE}"
        for _ in range(10):
            url = client.get(url, **auth).json()["next"]
        cursor = parse_qs(urlsplit(url).query)["cursor"][0]
        t, i = decode_cursor(cursor, Enrolment, keyset)
        base = f"{baseline_url}?" + urlencode({"org": org.slug, "t": getattr(t, "isoformat", t.__str__)(), "i": i})
        api, plain = measure(client, url, base, auth)
        assert api["rows"] == plain["rows"] == PAGE
        results.append((label, api, plain))

    from django.db import connection

    print(
        f"\nHR API bench on {connection.vendor}: {ENROLMENTS:,} enrolments, {ORGANISATIONS} organisations, "
        f"{PAGE} rows per page, {REQUESTS} requests each, alternating (single process, Django test client)\n"
    )
    header = f"{'endpoint':<18} {'':<9} {'median ms':>10} {'req/s':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, api, plain in results:
        ratio = api["median_ms"] / plain["median_ms"]
        worst = max(worst, ratio)
        print(f"{label:<18} {'API':<9} {api['median_ms']:>10.2f} {api['rps']:>8.0f} {api['queries']:>8}")
        print(f"{'':<18} {'baseline':<9} {plain['median_ms']:>10.2f} {plain['rps']:>8.0f} {plain['queries']:>8}")
        print(f"{'':<18} {'ratio':<9} {ratio:>10.2f}x")
    print(f"\nworst ratio {worst:.2f}x (target ≤ 1.6x): {'OK' if worst <= 1.6 else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
