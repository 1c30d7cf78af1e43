"""HR API state: API keys, idempotency records, webhook endpoints and their deliveries.

Everything belongs to one ``lms.Organisation``; the API never shows one organisation's rows to
another's key.
"""

import hashlib
import hmac
import secrets
import uuid

from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from lms.models.events import EventType

KEY_PREFIX = "mca"  # "Micro-connections Academy": recognisable in logs and secret scanners


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A bearer key of one organisation. Only a SHA-256 hash of the secret is stored.

    The full key reads ``mca_<prefix>_<secret>``; ``prefix`` is public (shown in the admin and
    used to find the row), the secret part is compared in constant time against ``hashed``.
    Keys carry 256 bits of randomness, so a fast hash is enough (no password stretching).
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("microlearn_lms.Organisation", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'Workday sync'.")
    scope = models.CharField(max_length=10, choices=ApiScope.choices, default=ApiScope.READ_WRITE)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.organisation})"

    @classmethod
    def generate(cls, *, organisation, name: str, scope: str = ApiScope.READ_WRITE) -> tuple["ApiKey", str]:
        """Create a key; returns (row, full key). The full key is never stored: show it once."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        key = cls.objects.create(organisation=organisation, name=name, scope=scope, prefix=prefix, hashed=_hash(secret))
        return key, f"{KEY_PREFIX}_{prefix}_{secret}"

    @classmethod
    def split(cls, raw: str) -> tuple[str, str] | None:
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
            return None
        return parts[1], parts[2]

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.hashed, _hash(secret))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == ApiScope.READ_WRITE

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an ``Idempotency-Key``, replayed for 24 hours.

    The row is inserted before the request is handled, in the same transaction: a concurrent
    request with the same key waits on the unique index until the first one commits, then
    replays its response.
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


# The event types webhooks can subscribe to: every type of the events feed (lms.models.EventType).
WebhookEvent = EventType


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    """A URL of one organisation that receives signed event deliveries.

    The signing secret must be kept (HMAC needs it); the API shows it only in the response
    that creates the endpoint.
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "microlearn_lms.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=500, validators=[URLValidator(schemes=["https", "http"])])
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types to deliver, e.g. ['enrolment.completed'].")
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    # After a rotation the old secret keeps signing alongside the new one until this time.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.url} ({self.organisation})"

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, then the previous one while its overlap lasts."""
        now = now or timezone.now()
        secrets_ = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at:
            secrets_.append(self.previous_secret)
        return secrets_


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event sent (or being retried) to one endpoint. ``uuid`` is the ``webhook-id`` header."""

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The events-feed event this delivery pushes (purged with it after the retention period).
    feed_event = models.ForeignKey(
        "microlearn_lms.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["endpoint", "created_at", "id"], name="api_delivery_endpoint_created"),
            models.Index(fields=["endpoint", "status", "created_at"], name="api_delivery_endpoint_status"),
            # The worker's sweep for stalled attempts (webhooks.deliveries_requeue_stalled) reads only these.
            models.Index(
                fields=["next_attempt_at", "created_at"],
                condition=models.Q(status="pending"),
                name="api_delivery_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


SCIM_TOKEN_PREFIX = "mcs"  # noqa: S105 - "Micro-connections SCIM": told apart from HR API keys at a glance


class ScimTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ScimToken(models.Model):
    """A SCIM bearer token of one organisation (docs/scim.md). Hashed like ``ApiKey``.

    The full token reads ``mcs_<prefix>_<secret>``. ``group_course`` is the course a cohort
    follows when the identity provider creates a group (``POST /Groups``); without it group
    creation is refused with a clear 400, and existing cohorts can still be managed.
    """

    wagtail_reference_index_ignore = True

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "microlearn_lms.Organisation", on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(max_length=100, help_text="Which directory uses it, e.g. 'Entra ID provisioning'.")
    group_course = models.ForeignKey(
        "microlearn_courses.CoursePage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The course a cohort follows when the directory creates a group. Empty: groups cannot be created.",
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScimTokenQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = "SCIM token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.organisation})"

    @classmethod
    def generate(cls, *, organisation, name: str, group_course=None) -> tuple["ScimToken", str]:
        """Create a token; returns (row, full token). The full token is never stored: show it once."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            organisation=organisation, name=name, group_course=group_course, prefix=prefix, hashed=_hash(secret)
        )
        return token, f"{SCIM_TOKEN_PREFIX}_{prefix}_{secret}"

    @classmethod
    def split(cls, raw: str) -> tuple[str, str] | None:
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != SCIM_TOKEN_PREFIX or not parts[1] or not parts[2]:
            return None
        return parts[1], parts[2]

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.hashed, _hash(secret))

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
