"""Benchmark SCIM provisioning: an initial sync, and a filtered lookup in a large organisation.

    .venv/bin/python bench/scim.py                          # 10,000 users synced, lookup among 100,000
    .venv/bin/python bench/scim.py --sync 2000 --people 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_scim_bench .venv/bin/python bench/scim.py

Prints the users per second of an initial sync (``POST /Users`` through the Django test client,
one request per user, as Entra ID and Okta send them), then bulk-creates ``--people`` records in
another organisation and prints the median time and the query count of the lookup a directory
makes before every create (``GET /Users?filter=userName eq "…"``). Never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
TMP = None
if not os.environ.get("DATABASE_URL"):
    TMP = tempfile.TemporaryDirectory(prefix="bench-scim-")
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync", type=int, default=10_000, help="users created by POST /Users")
    parser.add_argument("--people", type=int, default=100_000, help="records for the filtered lookup")
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client

    settings.MICROLEARN_SCIM_THROTTLE_RATE = "100000000/min"
    settings.DEBUG = False
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from api.models import ScimToken
    from lms.models import Organisation, OrganisationMember

    stamp = int(time.time())
    client = Client()

    # --- Initial sync ---
    org = Organisation.objects.create(name=f"Sync {stamp}", slug=f"sync-{stamp}")
    raw = ScimToken.generate(organisation=org, name="bench")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    started = time.perf_counter()
    for n in range(args.sync):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"user{n}@sync{stamp}.example",
            "externalId": f"ext-{n}",
            "name": {"givenName": "Given", "familyName": f"Family{n}"},
            "emails": [{"value": f"user{n}@sync{stamp}.example", "type": "work", "primary": True}],
            "active": True,
        }
        response = client.post("/scim/v2/Users", json.dumps(body), content_type="application/scim+json", **auth)
        assert response.status_code == 201, response.content
    elapsed = time.perf_counter() - started
    rate = args.sync / elapsed
    print(f"initial sync: {args.sync} users in {elapsed:.1f} s = {rate:.0f} users/s ({connection.vendor})")

    # --- Filtered lookup among many people ---
    big = Organisation.objects.create(name=f"Big {stamp}", slug=f"big-{stamp}")
    raw = ScimToken.generate(organisation=big, name="bench")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    User = get_user_model()
    started = time.perf_counter()
    batch = 5000
    now = timezone.now()
    for start in range(0, args.people, batch):
        users = User.objects.bulk_create(
            [
                User(username=f"big{stamp}-{n}", email=f"p{n}@big.example")
                for n in range(start, min(start + batch, args.people))
            ]
        )
        if not all(u.pk for u in users):  # SQLite before returning ids: fetch them
            users = list(User.objects.filter(username__startswith=f"big{stamp}-").order_by("pk")[start : start + batch])
        OrganisationMember.objects.bulk_create(
            [
                OrganisationMember(
                    organisation=big,
                    user=u,
                    user_name=u.email,
                    email=u.email,
                    external_id=f"e{u.pk}",
                    first_name="P",
                    last_name=str(u.pk),
                    owns_account=True,
                    created_at=now,
                    updated_at=now,
                )
                for u in users
            ]
        )
    print(f"seeded {args.people} people in {time.perf_counter() - started:.1f} s")
    times = []
    queries = 0
    settings.DEBUG = True
    for i in range(args.lookups):
        n = (i * 7919) % args.people
        reset_queries()
        t0 = time.perf_counter()
        response = client.get("/scim/v2/Users", {"filter": f'userName eq "p{n}@big.example"'}, **auth)
        times.append(time.perf_counter() - t0)
        queries = len(connection.queries)
        assert response.json()["totalResults"] == 1, response.content
    settings.DEBUG = False
    times.sort()
    print(
        f"filtered lookup among {args.people} people: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.1f} ms, {queries} queries"
    )


if __name__ == "__main__":
    main()
