"""Webhooks: Standard Webhooks signatures checked by a real HTTP receiver on loopback, retries with
exponential backoff and a limit, SSRF refusals, and the events that trigger deliveries."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.v1 import webhooks

pytestmark = pytest.mark.django_db


class Receiver:
    """A loopback HTTP server that records requests and answers the given statuses in turn."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/lms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback(settings):
    settings.MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = True
    settings.MICROLEARN_WEBHOOK_MAX_ATTEMPTS = 3


def quiet(world):
    """Switch off the world's own endpoint (its host does not resolve in tests)."""
    WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(is_active=False)


def register(client, url, events=("enrolment.created",)):
    response = client.post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def enrol(client, world):
    body = {"participant": str(world.member.uuid), "cohort": str(world.cohort.uuid)}
    world.enrolment.delete()
    response = client.post("/api/v1/enrolments/", body, format="json")
    assert response.status_code == 201
    return response.json()


def test_signed_delivery_retried_after_a_500(loopback, token_client, world, django_capture_on_commit_callbacks):
    quiet(world)
    with Receiver([500, 200]) as receiver:
        hook = register(token_client, receiver.url)
        assert hook["secret"].startswith("whsec_")
        assert "secret" not in token_client.get(f"/api/v1/webhooks/{hook['id']}/").json()
        with django_capture_on_commit_callbacks(execute=True):
            enrolment = enrol(token_client, world)
    assert len(receiver.requests) == 2
    (first_headers, _first_body), (headers, body) = receiver.requests
    assert first_headers["webhook-id"] == headers["webhook-id"]  # the same message, retried
    assert webhooks.verify(hook["secret"], headers, body)
    assert not webhooks.verify(hook["secret"], headers, body + b" ")
    assert not webhooks.verify("whsec_" + "A" * 44, headers, body)
    payload = json.loads(body)
    assert payload["type"] == "enrolment.created" and payload["data"]["id"] == enrolment["id"]
    assert payload["data"]["participant"] == str(world.member.uuid)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 2, 200)
    log = token_client.get(f"/api/v1/webhooks/{hook['id']}/deliveries/").json()["results"]
    assert log[0]["id"] == headers["webhook-id"] and log[0]["status"] == "succeeded"


def test_signature_matches_the_standard_webhooks_reference_vector():
    # From the Standard Webhooks specification's test vector.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhooks.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_gives_up_after_the_limit(loopback, token_client, world, django_capture_on_commit_callbacks):
    quiet(world)
    with Receiver([500]) as receiver:
        register(token_client, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            enrol(token_client, world)
    assert len(receiver.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3 and delivery.last_error == "HTTP 500"


def test_retries_follow_the_schedule_for_over_a_day_then_fail_still_redeliverable(world, monkeypatch):
    scheduled = []
    monkeypatch.setattr(webhooks, "schedule", lambda pk, run_after=None: scheduled.append(run_after))
    monkeypatch.setattr(webhooks, "post", lambda *a: 503)
    delivery = WebhookDelivery.objects.create(endpoint=world.webhook, event="enrolment.created", payload={})
    for _ in range(8):
        webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 8
    assert len(scheduled) == 7  # no retry after the last attempt
    assert [webhooks.retry_delay(n) for n in range(1, 8)] == [60, 300, 1800, 7200, 18000, 36000, 36000]
    assert sum(webhooks.retry_delay(n) for n in range(1, 8)) >= 24 * 3600


def test_only_subscribed_events_of_the_organisation_are_delivered(
    token_client, world, other_world, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(webhooks, "post", lambda url, body, headers: sent.append(json.loads(body)) or 204)
    WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(events=["participant.deactivated"])
    with django_capture_on_commit_callbacks(execute=True):
        enrol(token_client, world)
        token_client.post(f"/api/v1/participants/{world.member.uuid}/deactivate/")
    assert [event["type"] for event in sent] == ["participant.deactivated"]
    assert sent[0]["data"]["id"] == str(world.member.uuid)
    assert not WebhookDelivery.objects.filter(endpoint=other_world.webhook).exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # not HTTPS
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://[::1]/x",
        "https://10.0.0.8/x",
        "https://172.16.5.4/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://0.0.0.0/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://user:pw@hooks.example.com/x",
        "ftp://hooks.example.com/x",
    ],
)
def test_unsafe_urls_are_refused(url, token_client, organisation, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.example.com":
            return [(2, 1, 6, "", ("93.184.215.14", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    response = token_client.post("/api/v1/webhooks/", {"url": url, "events": ["enrolment.created"]}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "url"


def test_names_resolving_to_private_addresses_are_refused_at_registration_and_delivery(
    token_client, organisation, monkeypatch
):
    answers = {"hooks.example.com": "93.184.215.14"}
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [(2, 1, 6, "", (answers[host], 443))])
    answers["inside.example.com"] = "10.1.2.3"
    body = {"url": "https://inside.example.com/x", "events": ["enrolment.created"]}
    assert token_client.post("/api/v1/webhooks/", body, format="json").status_code == 400
    hook = register(token_client, "https://hooks.example.com/x")
    # DNS rebinding: the name now points inside; the delivery refuses to connect.
    answers["hooks.example.com"] = "127.0.0.1"
    endpoint = WebhookEndpoint.objects.get(uuid=hook["id"])
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="enrolment.created", payload={})
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert connects == [] and "private" in delivery.last_error and delivery.status == DeliveryStatus.PENDING


def test_the_verification_code_in_docs_api_md_accepts_our_signatures():
    import re
    import time
    from pathlib import Path

    from api.models import new_webhook_secret

    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    code = re.search(r"```python\n(.*?def verify_webhook.*?)```", text, re.S).group(1)
    namespace = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own documentation
    secret, body, now = new_webhook_secret(), b'{"type":"enrolment.completed"}', int(time.time())
    headers = {
        "webhook-id": "d-1",
        "webhook-timestamp": str(now),
        "webhook-signature": webhooks.sign(secret, "d-1", now, body),
    }
    assert namespace["verify_webhook"](secret, headers, body)
    assert not namespace["verify_webhook"](secret, headers, body + b"x")


def test_a_delivery_whose_queued_attempt_was_lost_is_queued_again_by_the_worker_housekeeping(
    loopback, token_client, world, django_capture_on_commit_callbacks
):
    """The row commits with the event; its first attempt is queued after the commit. A crash in
    between leaves it PENDING with no task: the worker's housekeeping finds it and sends it."""
    from datetime import timedelta

    from django.utils import timezone

    from lms.worker.runner import worker_housekeeping

    quiet(world)
    with Receiver([200]) as receiver:
        register(token_client, receiver.url)
        with django_capture_on_commit_callbacks(execute=False):  # the process "dies" after the commit
            enrol(token_client, world)
        assert receiver.requests == []
        stalled = WebhookDelivery.objects.get()
        assert (stalled.status, stalled.attempts) == (DeliveryStatus.PENDING, 0)

        with django_capture_on_commit_callbacks(execute=True):
            worker_housekeeping()  # too recent: its task may still be on the way
        assert receiver.requests == []

        WebhookDelivery.objects.filter(pk=stalled.pk).update(created_at=timezone.now() - timedelta(minutes=11))
        with django_capture_on_commit_callbacks(execute=True):
            worker_housekeeping()
        assert len(receiver.requests) == 1
        assert receiver.requests[0][0]["webhook-id"] == str(stalled.uuid)
    stalled.refresh_from_db()
    assert (stalled.status, stalled.attempts) == (DeliveryStatus.SUCCEEDED, 1)


def test_the_sweep_requeues_only_overdue_pending_deliveries_of_active_endpoints(world, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    scheduled = []
    monkeypatch.setattr(webhooks, "schedule", lambda pk, run_after=None: scheduled.append(pk))
    now = timezone.now()
    old, recent = now - timedelta(minutes=30), now - timedelta(minutes=2)

    def delivery(**fields):
        return WebhookDelivery.objects.create(endpoint=world.webhook, event="enrolment.created", payload={}, **fields)

    lost_first = delivery(created_at=old)
    lost_retry = delivery(created_at=old, attempts=1, next_attempt_at=old)
    delivery(created_at=recent)  # its task is probably still queued
    delivery(created_at=old, attempts=1, next_attempt_at=now + timedelta(hours=1))  # a retry due later
    delivery(created_at=old, status=DeliveryStatus.SUCCEEDED)
    delivery(created_at=old, status=DeliveryStatus.FAILED)

    assert webhooks.deliveries_requeue_stalled(now=now) == 2
    assert sorted(scheduled) == sorted([lost_first.pk, lost_retry.pk])
    assert webhooks.deliveries_requeue_stalled(now=now + timedelta(minutes=1)) == 0  # stamped: not again at once

    WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(is_active=False)
    scheduled.clear()
    assert webhooks.deliveries_requeue_stalled(now=now + timedelta(hours=2)) == 0
