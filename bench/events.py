"""Benchmark the events outbox: recording events, pushing them to a webhook receiver, reading the feed.

    .venv/bin/python bench/events.py              # throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/events_bench .venv/bin/python bench/events.py

Prints: the cost of recording one event (queries, ms) with one subscribed endpoint; how many
deliveries one worker process pushes per second to a loopback receiver answering 204; and the
median latency and query count of an events-feed page of 100.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["MICROLEARN_API_THROTTLE_RATE"] = "100000000/min"
TMP = None
if not os.environ.get("DATABASE_URL"):
    TMP = tempfile.TemporaryDirectory(prefix="bench-events-")
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP.name}/bench.sqlite3"

N = int(os.environ.get("BENCH_EVENTS", "500"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    import django

    if os.environ["DATABASE_URL"].startswith("postgres"):
        from _seed import ensure_database

        ensure_database(os.environ["DATABASE_URL"])

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    settings.MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = True
    settings.ALLOWED_HOSTS = ["*"]
    from rest_framework.test import APIClient

    from api.models import ApiKey, WebhookDelivery, WebhookEndpoint
    from api.v1 import webhooks
    from lms import events
    from lms.models import Event, Organisation, OrganisationMember

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    from django.contrib.auth import get_user_model

    organisation = Organisation.objects.create(name="Bench", slug=f"bench-{int(time.time())}")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-{organisation.pk}-{i}", email=f"b{i}@example.com") for i in range(N)
    )
    members = OrganisationMember.objects.bulk_create(
        OrganisationMember(organisation=organisation, user=user, external_id=f"B{i}") for i, user in enumerate(users)
    )
    WebhookEndpoint.objects.create(organisation=organisation, url=url, events=["participant.deactivated"])
    webhooks.schedule = lambda *a, **k: None  # deliveries are pushed below, one after another

    times, queries = [], []
    for member in members:
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            events.send_on_commit(
                events.participant_deactivated,
                OrganisationMember,
                user_id=member.user_id,
                organisation_id=organisation.pk,
                occurred_at=timezone.now(),
            )
        times.append(time.perf_counter() - started)
        queries.append(len(captured) - 2)  # minus the SAVEPOINT/RELEASE or BEGIN/COMMIT pair
    print(
        f"{connection.vendor}: record one event + one delivery: median {statistics.median(times) * 1000:.2f} ms, "
        f"{statistics.median(queries)} queries (member lookup, event insert, endpoints, delivery insert)"
    )

    ids = list(WebhookDelivery.objects.filter(endpoint__organisation=organisation).values_list("pk", flat=True))
    started = time.perf_counter()
    for delivery_id in ids:
        webhooks.attempt_delivery(delivery_id)
    elapsed = time.perf_counter() - started
    done = WebhookDelivery.objects.filter(pk__in=ids, status="succeeded").count()
    print(
        f"push {len(ids)} deliveries to a loopback receiver, one worker: {elapsed:.2f} s, "
        f"{len(ids) / elapsed:.0f} deliveries/s ({done} succeeded)"
    )

    raw = ApiKey.generate(organisation=organisation, name="bench")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/events/?page_size=100")
    latencies = []
    for _ in range(50):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/events/?page_size=100")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200 and len(response.json()["results"]) == 100
    print(f"events feed page of 100: median {statistics.median(latencies) * 1000:.1f} ms, {len(captured)} queries")
    assert Event.objects.filter(organisation=organisation).count() == N
    server.shutdown()


if __name__ == "__main__":
    main()
