"""Registering and deleting webhook endpoints (api.services), called directly."""

import datetime as dt

import pytest

from api.models import WebhookDelivery, WebhookEndpoint
from api.services import UnsafeURL, webhook_endpoint_create, webhook_endpoint_delete
from api.v1 import webhooks

pytestmark = pytest.mark.django_db


def test_create_stores_the_events_sorted_once_each(organisation, settings):
    settings.MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = True
    endpoint = webhook_endpoint_create(
        organisation=organisation,
        url="http://127.0.0.1:8000/hooks",
        events=["enrolment.completed", "enrolment.created", "enrolment.completed"],
        description="HR sync",
    )
    endpoint.refresh_from_db()
    assert endpoint.organisation == organisation and endpoint.is_active
    assert endpoint.events == ["enrolment.completed", "enrolment.created"]
    assert endpoint.description == "HR sync" and endpoint.secret.startswith("whsec_")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/lms", "must use https://"),
        ("https://127.0.0.1/lms", "private, loopback or link-local"),
        ("https://10.1.2.3/lms", "private, loopback or link-local"),
        ("https://user:pw@8.8.8.8/lms", "must not contain credentials"),
    ],
)
def test_create_refuses_an_unsafe_url_and_writes_nothing(organisation, url, message):
    with pytest.raises(UnsafeURL, match=message):
        webhook_endpoint_create(organisation=organisation, url=url, events=["enrolment.created"])
    assert not WebhookEndpoint.objects.exists()


def test_delete_removes_the_endpoint_and_its_deliveries_and_a_queued_retry_stops(organisation, settings):
    settings.MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = True
    endpoint = webhook_endpoint_create(
        organisation=organisation, url="http://127.0.0.1:9/x", events=["enrolment.created"]
    )
    keep = webhook_endpoint_create(organisation=organisation, url="http://127.0.0.1:9/y", events=["enrolment.created"])
    webhooks.dispatch(
        organisation_id=organisation.pk, event="enrolment.created", data={}, occurred_at=dt.datetime.now(dt.UTC)
    )
    delivery, kept = WebhookDelivery.objects.get(endpoint=endpoint), WebhookDelivery.objects.get(endpoint=keep)
    webhook_endpoint_delete(endpoint=endpoint)
    assert list(WebhookEndpoint.objects.all()) == [keep]
    assert list(WebhookDelivery.objects.all()) == [kept]
    webhooks.attempt_delivery(delivery.pk)  # the queued attempt finds nothing to do
    assert list(WebhookDelivery.objects.all()) == [kept]
