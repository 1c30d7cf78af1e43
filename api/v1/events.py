"""The events feed (``/api/v1/events/``) and the webhook actions built on it: redeliver one
delivery or every failed one since a time, and rotate an endpoint's signing secret.

The feed shows an organisation's events in commit order (``lms.selectors.feeds``): a reader
paging with the ``next`` link, or from an event id with ``?after=``, never misses or repeats one.
Webhooks push the same events, with the same body.
"""

from __future__ import annotations

import uuid

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiWebhook,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from api import selectors as api_selectors
from api import services as api_services
from lms.models import Event, EventType
from lms.selectors import feeds

from . import serializers as s
from .idempotency import idempotent
from .pagination import KeysetPage
from .views import ApiView, WebhookMixin
from .webhooks import event_body

# --- Serializers (the schema of the feed items and webhook bodies) ------------------------------


# Schema only: the feed and the webhooks write ``webhooks.event_body`` (ids only).
class EnrolmentEventData(serializers.Serializer):
    id = serializers.UUIDField(help_text="The enrolment.")
    participant = serializers.UUIDField(allow_null=True, help_text="The participant (null if no longer a member).")
    cohort = serializers.UUIDField()
    course = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["active", "completed", "withdrawn"], help_text="After the event.")


class CertificateEventData(serializers.Serializer):
    id = serializers.UUIDField(help_text="The certificate.")
    serial = serializers.CharField()
    enrolment = serializers.UUIDField()
    participant = serializers.UUIDField(allow_null=True)
    course = serializers.UUIDField()


class ParticipantEventData(serializers.Serializer):
    id = serializers.UUIDField(help_text="The participant.")


class PracticeBadgeEventData(serializers.Serializer):
    id = serializers.UUIDField(help_text="The practice badge award.")
    enrolment = serializers.UUIDField()
    participant = serializers.UUIDField(allow_null=True)
    course = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["active", "expired", "revoked"], help_text="After the event.")
    expires_at = serializers.DateTimeField(help_text="When the badge expires (after a renewal: the new date).")


class QuizAttemptGrantEventData(serializers.Serializer):
    id = serializers.UUIDField(help_text="The grant.")
    enrolment = serializers.UUIDField()
    participant = serializers.UUIDField(allow_null=True)
    course = serializers.UUIDField()
    module = serializers.UUIDField()
    extra_attempts = serializers.IntegerField(min_value=1)


DATA_OF = {
    "enrolment": EnrolmentEventData,
    "certificate": CertificateEventData,
    "participant": ParticipantEventData,
    "practice_badge": PracticeBadgeEventData,
    "quiz": QuizAttemptGrantEventData,
}


_UUID = {"type": "string", "format": "uuid"}
_NULLABLE_UUID = {"type": ["string", "null"], "format": "uuid"}


@extend_schema_field(
    {
        "description": "Ids only, by the type's subject: enrolment.*, certificate.*, participant.*, "
        "practice_badge.* or quiz.*.",
        "oneOf": [
            {
                "title": "Enrolment event data",
                "type": "object",
                "properties": {
                    "id": _UUID,
                    "participant": _NULLABLE_UUID,
                    "cohort": _UUID,
                    "course": _UUID,
                    "status": {"enum": ["active", "completed", "withdrawn"]},
                },
                "required": ["id", "participant", "cohort", "course", "status"],
            },
            {
                "title": "Certificate event data",
                "type": "object",
                "properties": {
                    "id": _UUID,
                    "serial": {"type": "string"},
                    "enrolment": _UUID,
                    "participant": _NULLABLE_UUID,
                    "course": _UUID,
                },
                "required": ["id", "serial", "enrolment", "participant", "course"],
            },
            {
                "title": "Practice badge event data",
                "type": "object",
                "properties": {
                    "id": _UUID,
                    "enrolment": _UUID,
                    "participant": _NULLABLE_UUID,
                    "course": _UUID,
                    "status": {"enum": ["active", "expired", "revoked"]},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
                "required": ["id", "enrolment", "participant", "course", "status", "expires_at"],
            },
            {
                "title": "Participant event data",
                "type": "object",
                "properties": {"id": _UUID},
                "required": ["id"],
                "additionalProperties": False,
            },
            {
                "title": "Quiz attempt grant event data",
                "type": "object",
                "properties": {
                    "id": _UUID,
                    "enrolment": _UUID,
                    "participant": _NULLABLE_UUID,
                    "course": _UUID,
                    "module": _UUID,
                    "extra_attempts": {"type": "integer", "minimum": 1},
                },
                "required": ["id", "enrolment", "participant", "course", "module", "extra_attempts"],
            },
        ],
    }
)
class EventDataField(serializers.JSONField):
    pass


class EventOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="The event's id: resume the feed after it with `?after=`.")
    type = serializers.ChoiceField(choices=EventType.choices)
    timestamp = serializers.DateTimeField(help_text="When the change happened.")
    data = EventDataField()


class EventFeedOut(serializers.Serializer):
    next = serializers.URLField(help_text="Poll this link next time (always present).")
    next_cursor = serializers.CharField(allow_null=True, help_text="The `cursor` parameter of `next`.")
    has_more = serializers.BooleanField(help_text="True when more events are waiting now.")
    results = EventOut(many=True)


def _webhook(event_type: str, label: str) -> OpenApiWebhook:
    """The POST a receiver gets for one event type (the body is the feed's item)."""
    name = "".join(part.capitalize() for part in event_type.split(".")) + "Event"
    body = type(
        name,
        (serializers.Serializer,),
        {
            "__module__": __name__,
            "id": serializers.UUIDField(help_text="The event's id, as in the events feed."),
            "type": serializers.ChoiceField(choices=[(event_type, label)]),
            "timestamp": serializers.DateTimeField(),
            "data": DATA_OF[event_type.split(".")[0]](),
        },
    )
    return OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=label,
            description="Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). "
            "Answer 2xx within `MICROLEARN_WEBHOOK_TIMEOUT_SECONDS`; else it is retried (docs/api.md).",
            request=body,
            responses={200: OpenApiResponse(description="Received (any 2xx).")},
        ),
    )


# SPECTACULAR_SETTINGS["WEBHOOKS"] (OpenAPI 3.1 ``webhooks``): one entry per event type.
WEBHOOKS = [_webhook(value, label) for value, label in EventType.choices]


class SecretRotatedOut(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret, shown only in this response.")
    previous_secret_expires_at = serializers.DateTimeField(
        help_text="Until then deliveries carry two signatures: with the new secret and with the old one."
    )


class RedeliverIn(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Redeliver the failed deliveries created at or after this time.")


class RedeliveredOut(serializers.Serializer):
    redelivered = serializers.IntegerField(help_text="Deliveries queued again (at most 1000 per request).")
    more = serializers.BooleanField(help_text="True when more failed deliveries remain: call again.")


# --- The events feed ------------------------------------------------------------------------------


AFTER = OpenApiParameter(
    "after",
    OpenApiTypes.UUID,
    description="Start after this event (an `id` from the feed). Ignored when `cursor` is given.",
)
TYPE = OpenApiParameter("type", {"type": "string", "enum": EventType.values}, description="Only events of this type.")


class EventFeed(ApiView):
    """The organisation's events, in commit order."""

    model = Event
    is_list = True
    filter_backends = []

    def scoped_queryset(self):
        return feeds.events_for_organisation(organisation=self.organisation)

    @extend_schema(
        responses={200: EventFeedOut},
        parameters=[AFTER, TYPE],
        description="Every event of the organisation (enrolments, certificates, participants), in commit order. "
        "Store the `next` link (or the last event's `id`, for `?after=`) and poll it: each event appears once, "
        "none is ever inserted before a position already read, whatever the length of the transactions that "
        "write them. Events are kept for `MICROLEARN_EVENT_RETENTION_DAYS` (30 by default).",
    )
    def get(self, request):
        queryset = self.get_queryset()
        kind = request.query_params.get("type")
        if kind:
            if kind not in EventType.values:
                raise exceptions.ValidationError({"type": [f"Use one of: {', '.join(EventType.values)}."]})
            queryset = queryset.filter(type=kind)
        start = None
        after = request.query_params.get("after")
        if after and not request.query_params.get("cursor"):
            start = self.position_of(after)
        page = KeysetPage(request, queryset, feeds.EVENT_KEYSET, start=start)
        feed = {
            "next": page.resume_link or request.build_absolute_uri(),
            "next_cursor": page.last_cursor or request.query_params.get("cursor"),
            "has_more": page.has_more,
            "results": [event_body(event) for event in page.rows],
        }
        return Response(feed)

    def position_of(self, after: str) -> list:
        try:
            event_uuid = uuid.UUID(after)
        except ValueError:
            event_uuid = None
        events = Event.objects.filter(organisation=self.organisation, uuid=event_uuid)
        event = events.values("txid", "id").first() if event_uuid else None
        if event is None:
            raise exceptions.ValidationError(
                {"after": ["No such event of this organisation (events are kept for a limited time)."]}
            )
        return [event["txid"], event["id"]]


# --- Webhook actions --------------------------------------------------------------------------------


class WebhookRotateSecret(WebhookMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: SecretRotatedOut},
        description="Replace the signing secret. The new one is in this response only; the old one keeps "
        "signing alongside it (a second signature in `webhook-signature`) until `previous_secret_expires_at` "
        "(`MICROLEARN_WEBHOOK_SECRET_OVERLAP_SECONDS`, 24 h by default), so receivers can switch without loss.",
    )
    @idempotent
    def post(self, request, id):
        endpoint = self.lookup(uuid=id)
        secret = api_services.webhook_secret_rotate(endpoint=endpoint)
        return Response(
            SecretRotatedOut({"secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}).data
        )


class WebhookRedeliverFailed(WebhookMixin, ApiView):
    @extend_schema(
        request=RedeliverIn,
        responses={200: RedeliveredOut},
        description="Queue again every failed delivery of this endpoint created since `since`, oldest first "
        "(1000 per request; call again while `more`). Each keeps its `webhook-id` and starts a fresh retry schedule.",
    )
    @idempotent
    def post(self, request, id):
        endpoint = self.lookup(uuid=id)
        since = self.validated(RedeliverIn)["since"]
        if since > timezone.now():
            raise exceptions.ValidationError({"since": ["Must not be in the future."]})
        count, more = api_services.webhook_deliveries_redeliver_failed(endpoint=endpoint, since=since)
        return Response(RedeliveredOut({"redelivered": count, "more": more}).data)


class WebhookDeliveryRedeliver(WebhookMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: s.DeliveryOut},
        description="Send this delivery again (same `webhook-id` and body) with a fresh retry schedule; "
        "a delivery still being retried is left as it is.",
    )
    @idempotent
    def post(self, request, id, delivery_id):
        endpoint = self.lookup(uuid=id)
        delivery = api_selectors.delivery_for_endpoint(endpoint=endpoint, delivery_uuid=delivery_id)
        if delivery is None:
            raise exceptions.NotFound("No such object for this organisation.")
        delivery = api_services.webhook_delivery_redeliver(delivery=delivery)
        return Response(s.DeliveryOut(delivery).data)
