"""The events feed and webhooks as its push: one event per change, written with it; cursor
paging; organisation scoping; retention; redelivery and catching up from the feed after a
receiver was down; a trickling receiver cut at the deadline; secret rotation."""

import datetime as dt
import json
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.v1 import webhooks
from lms import events
from lms.models import Event, OrganisationMember
from lms.services import enrolment as enrolment_services
from tests.api.test_webhooks import Receiver
from tests.factories import UserFactory
from tests.factories_api import MemberFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/events/"


@pytest.fixture
def loopback(settings):
    settings.MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = True
    settings.MICROLEARN_WEBHOOK_MAX_ATTEMPTS = 2


def feed(client, **params):
    response = client.get(FEED, params)
    assert response.status_code == 200, response.content
    return response.json()


def walk(client, url=FEED, params=None):
    rows, data = [], client.get(url, params or {}).json()
    while True:
        rows += data["results"]
        if not data["has_more"]:
            return rows, data
        data = client.get(data["next"]).json()


def enrol(world, user=None):
    user = user or MemberFactory(organisation=world.cohort.organisation, user=UserFactory()).user
    return enrolment_services.enrolment_create(user=user, course=world.course, cohort=world.cohort, source="api")


# --- Events -------------------------------------------------------------------------------------


def test_every_type_is_recorded_with_ids_only(token_client, world, django_capture_on_commit_callbacks):
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        created = enrol(world)
        enrolment_services.enrolment_withdraw(enrolment=created)
        enrol(world)
        token_client.post(f"/api/v1/participants/{world.member.uuid}/deactivate/")
        common = {"user_id": world.member.user_id, "organisation_id": world.member.organisation_id}
        events.send_on_commit(
            events.participant_reactivated,
            OrganisationMember,
            member_id=world.member.pk,
            occurred_at=timezone.now(),
            **common,
        )
        certificate = world.certificate
        cert = {"certificate_id": certificate.pk, "enrolment_id": world.enrolment.pk, "user_id": world.member.user_id}
        events.send_on_commit(
            events.certificate_issued, None, course_id=world.course.pk, occurred_at=timezone.now(), **cert
        )
        events.send_on_commit(
            events.certificate_revoked,
            None,
            course_id=world.course.pk,
            reason="Issued by mistake to Jane Doe",
            occurred_at=timezone.now(),
            **cert,
        )
        events.send_on_commit(
            events.participant_erased,
            OrganisationMember,
            member_id=world.member.pk,
            occurred_at=timezone.now(),
            **common,
        )
    # enrolment.completed: test_completion_is_recorded.
    rows = feed(token_client)["results"]
    types = [row["type"] for row in rows]
    assert types == [
        "enrolment.created",
        "enrolment.withdrawn",
        "enrolment.created",
        "participant.deactivated",
        "participant.reactivated",
        "certificate.issued",
        "certificate.revoked",
        "participant.erased",
    ]
    assert rows[0]["data"] == {
        "id": str(created.uuid),
        "participant": str(OrganisationMember.objects.get(user=created.user).uuid),
        "cohort": str(world.cohort.uuid),
        "course": str(world.course.translation_key),
        "status": "active",
    }
    assert rows[1]["data"]["status"] == "withdrawn"
    assert rows[3]["data"] == {"id": str(world.member.uuid)}
    assert rows[6]["data"] == {
        "id": str(certificate.uuid),
        "serial": certificate.serial,
        "enrolment": str(world.enrolment.uuid),
        "participant": str(world.member.uuid),
        "course": str(world.course.translation_key),
    }
    text = json.dumps(rows)
    user = world.member.user
    for personal in (user.email, user.first_name, user.last_name, world.member.external_id, "Jane Doe"):
        assert not personal or personal not in text


def test_completion_is_recorded(token_client, world, monkeypatch):
    Event.objects.all().delete()
    from lms.models import Enrolment

    enrolment = Enrolment.objects.get(pk=world.enrolment.pk)
    with transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(status="completed", completed_at=timezone.now())
        events.send_on_commit(
            events.enrolment_completed,
            Enrolment,
            enrolment_id=enrolment.pk,
            user_id=enrolment.user_id,
            course_id=enrolment.course_id,
            cohort_id=enrolment.cohort_id,
            occurred_at=timezone.now(),
        )
    [row] = feed(token_client)["results"]
    assert row["type"] == "enrolment.completed" and row["data"]["status"] == "completed"


def test_an_event_rolls_back_with_its_change(world):
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        enrol(world)
        assert Event.objects.count() == before + 1  # written inside the transaction
        raise RuntimeError
    assert Event.objects.count() == before


def test_an_enrolment_without_an_organisation_is_in_no_feed(world):
    before = Event.objects.count()
    user = UserFactory()
    enrolment_services.enrolment_create(user=user, course=world.course, source="staff")
    assert Event.objects.count() == before


def test_cursor_paging_after_and_type(token_client, world):
    Event.objects.all().delete()
    made = [enrol(world) for _ in range(7)]
    rows, last = walk(token_client, params={"page_size": 3})
    assert [row["data"]["id"] for row in rows] == [str(e.uuid) for e in made]
    assert len({row["id"] for row in rows}) == 7
    # Polling the stored link returns only newer events.
    enrolment_services.enrolment_withdraw(enrolment=made[0])
    newer = token_client.get(last["next"]).json()
    assert [row["type"] for row in newer["results"]] == ["enrolment.withdrawn"]
    # ?after= an event id resumes after it.
    after = feed(token_client, after=rows[4]["id"])["results"]
    assert [row["id"] for row in after] == [row["id"] for row in rows[5:]] + [newer["results"][0]["id"]]
    assert [row["type"] for row in feed(token_client, type="enrolment.withdrawn")["results"]] == ["enrolment.withdrawn"]


def test_bad_parameters_are_problems(token_client, world):
    for params in ({"after": "nope"}, {"after": "8a1b6c3e-0000-4000-8000-000000000000"}, {"type": "x"}):
        response = token_client.get(FEED, params)
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_another_organisations_events_are_invisible(token_client, other_client, world, other_world):
    enrol(world)
    mine = feed(token_client)["results"]
    theirs = feed(other_client)["results"]
    assert mine and not {row["id"] for row in mine} & {row["id"] for row in theirs}
    assert all(row["data"]["cohort"] != str(world.cohort.uuid) for row in theirs if "cohort" in row["data"])
    response = other_client.get(FEED, {"after": mine[0]["id"]})
    assert response.status_code == 400  # not "found": another organisation's event is unknown here
    endpoint = world.webhook
    assert other_client.post(f"/api/v1/webhooks/{endpoint.uuid}/rotate-secret/").status_code == 404
    body = {"since": (timezone.now() - dt.timedelta(days=1)).isoformat()}
    assert other_client.post(f"/api/v1/webhooks/{endpoint.uuid}/redeliver/", body, format="json").status_code == 404


def test_events_are_kept_30_days_then_purged_with_their_deliveries(world):
    Event.objects.all().delete()
    enrol(world)
    enrol(world)
    old, young = Event.objects.order_by("id")
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    Event.objects.filter(pk=young.pk).update(created_at=timezone.now() - dt.timedelta(days=29))
    assert WebhookDelivery.objects.filter(feed_event=old).exists()
    call_command("purge_events", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Event.objects.all()) == [young]
    assert not WebhookDelivery.objects.filter(feed_event_id=old.pk).exists()


def test_feed_page_runs_a_constant_number_of_queries(token_client, world, django_assert_num_queries):
    for _ in range(5):
        enrol(world)
    token_client.get(FEED)  # warm the key's last_used_at
    with django_assert_num_queries(2):  # key lookup, page
        feed(token_client, page_size=2)
    with django_assert_num_queries(2):
        feed(token_client, page_size=200)


# --- Webhooks as the push of the feed ------------------------------------------------------------


def register(client, url, events=("enrolment.created",)):
    response = client.post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_receiver_down_for_a_day_catches_up_by_redelivery_and_from_the_feed(
    loopback, token_client, world, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(is_active=False)
    with Receiver([503]) as down:
        hook = register(token_client, down.url)
        with django_capture_on_commit_callbacks(execute=True):
            made = [enrol(world) for _ in range(3)]
    assert len(down.requests) == 6  # 2 attempts each, then FAILED
    deliveries = WebhookDelivery.objects.filter(endpoint__uuid=hook["id"])
    assert {d.status for d in deliveries} == {DeliveryStatus.FAILED}
    # The events are in the feed whatever the pushes did: the receiver reads it from its last position.
    rows = feed(token_client, type="enrolment.created")["results"]
    assert [row["data"]["id"] for row in rows][-3:] == [str(e.uuid) for e in made]
    # Back up: one delivery by hand, then every failed one since yesterday.
    with Receiver([200]) as up:
        WebhookEndpoint.objects.filter(uuid=hook["id"]).update(url=up.url)
        first = deliveries.order_by("created_at", "id").first()
        with django_capture_on_commit_callbacks(execute=True):
            response = token_client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{first.uuid}/redeliver/")
        assert response.status_code == 200 and response.json()["status"] == "pending"  # queued on commit
        first.refresh_from_db()
        assert first.status == DeliveryStatus.SUCCEEDED and first.attempts == 1
        since = (timezone.now() - dt.timedelta(days=1)).isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            response = token_client.post(f"/api/v1/webhooks/{hook['id']}/redeliver/", {"since": since}, format="json")
        assert response.json() == {"redelivered": 2, "more": False}
    assert {d.status for d in deliveries.all()} == {DeliveryStatus.SUCCEEDED}
    bodies = [json.loads(body) for _headers, body in up.requests]
    assert sorted(body["data"]["id"] for body in bodies) == sorted(str(e.uuid) for e in made)
    assert {body["id"] for body in bodies} <= {row["id"] for row in rows}  # the feed's event ids
    # The same message id as the failed attempts: receivers de-duplicate on webhook-id.
    assert {h["webhook-id"] for h, _ in up.requests} == {str(d.uuid) for d in deliveries}
    unknown = "8a1b6c3e-0000-4000-8000-000000000000"
    assert token_client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{unknown}/redeliver/").status_code == 404


class Trickler:
    """A loopback server that reads the request, then sends one byte of headers every 1.5 s."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/slow"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self):
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                if self.stop.wait(1.5):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.listener.close()


def test_a_trickling_receiver_fails_the_attempt_at_the_deadline(settings, loopback):
    settings.MICROLEARN_WEBHOOK_TIMEOUT_SECONDS = 3
    with Trickler() as slow:
        started = time.monotonic()
        with pytest.raises(webhooks.DeadlineExceeded):
            webhooks.post(slow.url, b"{}", {"content-type": "application/json"})
        elapsed = time.monotonic() - started
    assert 2.5 < elapsed < 5, elapsed  # one deadline, not a timeout per byte (the headers take 57 s)


def test_a_trickling_receiver_leaves_the_delivery_pending_with_the_error(settings, loopback, world, monkeypatch):
    settings.MICROLEARN_WEBHOOK_TIMEOUT_SECONDS = 2
    monkeypatch.setattr(webhooks, "schedule", lambda pk, run_after=None: None)
    with Trickler() as slow:
        WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(url=slow.url)
        delivery = WebhookDelivery.objects.create(endpoint=world.webhook, event="enrolment.created", payload={})
        webhooks.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "DeadlineExceeded" in delivery.last_error


def test_rotation_signs_with_both_secrets_during_the_overlap(
    loopback, token_client, world, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.filter(pk=world.webhook.pk).update(is_active=False)
    with Receiver([200]) as receiver:
        hook = register(token_client, receiver.url)
        response = token_client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret/")
        assert response.status_code == 200
        rotated = response.json()
        assert rotated["secret"] != hook["secret"] and rotated["secret"].startswith("whsec_")
        assert "secret" not in token_client.get(f"/api/v1/webhooks/{hook['id']}/").json()
        with django_capture_on_commit_callbacks(execute=True):
            enrol(world)
        # After the overlap only the new secret signs.
        WebhookEndpoint.objects.filter(uuid=hook["id"]).update(
            previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            enrol(world)
    (headers, body), (later_headers, later_body) = receiver.requests
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (hook["secret"], rotated["secret"]):  # the reference library accepts either
        assert Webhook(secret).verify(body, headers)["type"] == "enrolment.created"
    assert len(later_headers["webhook-signature"].split()) == 1
    Webhook(rotated["secret"]).verify(later_body, later_headers)
    with pytest.raises(Exception, match=r"(?i)signature"):
        Webhook(hook["secret"]).verify(later_body, later_headers)


def test_the_admin_form_refuses_unsafe_urls(world):
    from api.wagtail_hooks import WebhookEndpointViewSet

    form_class = WebhookEndpointViewSet("api_webhooks").get_form_class()
    data = {
        "organisation": world.cohort.organisation_id,
        "url": "https://127.0.0.1/x",
        "events": '["enrolment.created"]',
    }
    form = form_class(data=data)
    assert not form.is_valid() and "url" in form.errors


def test_the_admin_lists_deliveries_and_redelivers_one(client, world, monkeypatch, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    sent = []
    monkeypatch.setattr(webhooks, "post", lambda url, body, headers: sent.append(headers["webhook-id"]) or 204)
    delivery = WebhookDelivery.objects.create(
        endpoint=world.webhook, event="enrolment.created", payload={}, status=DeliveryStatus.FAILED, attempts=8
    )
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw"))
    listing = client.get("/admin/api_webhook_deliveries/")
    url = f"/admin/api_webhook_deliveries/{delivery.pk}/redeliver/"
    assert listing.status_code == 200 and url in listing.content.decode()
    assert client.get(url).status_code == 200
    edit = reverse("api_webhook_deliveries:edit", args=[delivery.pk])
    assert client.get(edit).status_code in (302, 403)  # a log: not editable
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    delivery.refresh_from_db()
    assert sent == [str(delivery.uuid)] and delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    staff = get_user_model().objects.create_user("clerk", "clerk@example.com", "pw", is_staff=True)
    client.force_login(staff)
    assert client.post(url).status_code in (302, 403)
    delivery.refresh_from_db()
    assert delivery.attempts == 1  # not redelivered without the permission


# --- Completions feed position, certificates updated_since -----------------------------------------


def test_the_database_moves_an_enrolment_in_the_completions_feed_when_it_changes(world):
    from lms.models import Enrolment

    def position():
        row = Enrolment.objects.filter(pk=world.enrolment.pk).values("feed_txid", "feed_seq").get()
        return row["feed_txid"], row["feed_seq"]

    created = position()
    other = enrol(world)
    assert created[1] is not None and position() == created
    Enrolment.objects.filter(pk=world.enrolment.pk).update(last_activity_at=timezone.now())
    assert position() == created  # updated_at unchanged: no move
    enrolment_services.enrolment_withdraw(enrolment=world.enrolment)
    moved = position()
    assert moved > created and moved[1] > Enrolment.objects.get(pk=other.pk).feed_seq


def test_certificates_updated_since(token_client, world):
    from lms.models import Certificate

    Certificate.objects.filter(pk=world.certificate.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert token_client.get("/api/v1/certificates/", {"updated_since": since}).json()["results"] == []
    Certificate.objects.filter(pk=world.certificate.pk).update(updated_at=timezone.now())
    rows = token_client.get("/api/v1/certificates/", {"updated_since": since}).json()["results"]
    assert [row["id"] for row in rows] == [str(world.certificate.uuid)]
    assert token_client.get("/api/v1/certificates/", {"updated_since": "soon"}).status_code == 400


def test_a_completions_link_stored_before_the_commit_order_still_works(token_client, world):
    from api.v1.pagination import encode_cursor
    from lms.models import Enrolment

    Enrolment.objects.filter(pk=world.enrolment.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    fresh = enrol(world)
    old_cursor = encode_cursor([timezone.now() - dt.timedelta(days=1), 10**9])  # (updated_at, id), as before
    data = token_client.get("/api/v1/completions/", {"cursor": old_cursor}).json()
    assert [row["id"] for row in data["results"]] == [str(fresh.uuid)]
    assert token_client.get(data["next"]).json()["results"] == []  # the new link continues in commit order
