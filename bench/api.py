"""Benchmark the HR API's hot lists against a plain Django baseline.

    .venv/bin/python bench/api.py                 # throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_api_bench .venv/bin/python bench/api.py

Seeds 100,000 enrolments across 20 organisations (bulk inserts; reused on PostgreSQL when
already there), then for the completions feed and the enrolments list (100 rows per page, a page
in the middle of the stream) prints the median latency, requests per second in one process and
queries per request, beside a baseline: a plain Django view returning the same rows from
``.values()`` as a JsonResponse. API and baseline requests alternate, so a busy machine slows
both alike. The target is within 1.6x of the baseline.

Then the bulk enrolment: POST /api/v1/enrolments/bulk/ with 500 new items, beside a bare
``Enrolment.objects.bulk_create`` of the same 500 rows (fresh participants each round, rounds
alternating), printing items per second. The targets: at most 1 s per 500 items, and within 3x
of the bare insert. ``BENCH_ONLY=bulk`` runs only this part (no 100,000-row seed).
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
BULK_ITEMS = 500
BULK_ROUNDS = int(os.environ.get("BENCH_BULK_ROUNDS", "7"))


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


def bench_bulk():
    """Median time of a 500-item bulk enrolment through the API and of a bare bulk_create of the same rows."""
    import datetime as dt
    import json
    import secrets

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from api.models import ApiKey
    from courses.loader import ProgrammeLoader
    from courses.models import CoursePage
    from lms.models import Cohort, Enrolment, Organisation, OrganisationMember

    if not CoursePage.objects.exists():
        ProgrammeLoader(ROOT / "fixtures" / "demo_programme.json").load()
    course = CoursePage.objects.order_by("path").first()
    tag = secrets.token_hex(3)
    org = Organisation.objects.create(name=f"Bulk bench {tag}", slug=f"bulk-{tag}")
    cohort = Cohort.objects.create(organisation=org, course=course, name="Bulk", start_date=dt.date.today())
    User = get_user_model()
    total = BULK_ITEMS * 2 * (BULK_ROUNDS + 1)
    User.objects.bulk_create(
        [User(username=f"bulk-{tag}-{n}", email=f"bulk-{tag}-{n}@example.com", password="!") for n in range(total)],
        batch_size=2000,
    )
    users = list(User.objects.filter(username__startswith=f"bulk-{tag}-").order_by("pk"))
    members = OrganisationMember.objects.bulk_create(
        [OrganisationMember(organisation=org, user=u, external_id=f"B{n}") for n, u in enumerate(users)],
        batch_size=2000,
    )
    members = list(OrganisationMember.objects.filter(organisation=org).order_by("pk"))
    _, raw = ApiKey.generate(organisation=org, name="bulk bench")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    chunks = [members[i : i + BULK_ITEMS] for i in range(0, len(members), BULK_ITEMS)]
    api_times, bare_times, queries = [], [], []

    def api_round(chunk, record=True):
        body = json.dumps({"items": [{"participant": str(m.uuid), "cohort": str(cohort.uuid)} for m in chunk]})
        seen = []

        def count(execute, sql, params, many, context):
            seen.append(sql)
            return execute(sql, params, many, context)

        t0 = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.post("/api/v1/enrolments/bulk/", body, content_type="application/json", **auth)
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.content[:300]
        assert response.json()["created"] == len(chunk), response.content[:300]
        if record:
            api_times.append(elapsed)
            queries.append(len(seen))

    def bare_round(chunk):
        t0 = time.perf_counter()  # building the rows is part of inserting them
        now = timezone.now()
        rows = [
            Enrolment(
                user_id=m.user_id,
                course=course,
                cohort=cohort,
                source="api",
                enrolled_at=now,
                last_activity_at=now,
            )
            for m in chunk
        ]
        Enrolment.objects.bulk_create(rows)
        bare_times.append(time.perf_counter() - t0)

    api_round(chunks[0], record=False)  # warm-up
    for index in range(BULK_ROUNDS):
        api_round(chunks[2 + 2 * index])
        bare_round(chunks[3 + 2 * index])
    api_ms = statistics.median(api_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    ratio = api_ms / bare_ms
    print(
        f"\nBulk enrolment on {connection.vendor}: {BULK_ITEMS} new items per request, {BULK_ROUNDS} rounds, "
        "alternating with a bare bulk_create of the same rows\n"
    )
    header = f"{'':<22} {'median ms':>10} {'items/s':>9} {'queries':>8}"
    print(header)
    print("-" * len(header))
    print(f"{'POST enrolments/bulk':<22} {api_ms:>10.1f} {BULK_ITEMS / (api_ms / 1000):>9.0f} {max(queries):>8}")
    print(f"{'bare bulk_create':<22} {bare_ms:>10.1f} {BULK_ITEMS / (bare_ms / 1000):>9.0f} {1:>8}")
    print(f"{'ratio':<22} {ratio:>10.2f}x")
    verdict = "OK" if api_ms <= 1000 and ratio <= 3 else "ABOVE TARGET"
    print(f"\ntargets: ≤ 1000 ms per 500 items, ≤ 3x the bare insert: {verdict}")


def main():
    setup_django()
    if os.environ.get("BENCH_ONLY") == "bulk":
        bench_bulk()
        return
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
    bench_bulk()


if __name__ == "__main__":
    main()
