"""Reads of the HR API app, scoped to one organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from api.models import WebhookDelivery, WebhookEndpoint
from lms.models import Organisation


def webhook_endpoints_for_organisation(*, organisation: Organisation) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation=organisation)


def deliveries_for_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint)


def delivery_for_endpoint(*, endpoint: WebhookEndpoint, delivery_uuid) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(endpoint=endpoint, uuid=delivery_uuid).first()
