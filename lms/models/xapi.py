"""xAPI delivery state (docs/xapi.md): an organisation's own Learning Record Store, and one
cursor per store over the events outbox.

The site's store is configured in settings (``MICROLEARN_XAPI``); an organisation's store, when
set and enabled, receives that organisation's statements instead. The password is kept (Basic
auth needs it) and never shown back by the admin form.
"""

from __future__ import annotations

from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

SITE_CURSOR = "site"


class OrganisationLrs(models.Model):
    """An organisation's Learning Record Store: its people's statements go there, not to the site's."""

    wagtail_reference_index_ignore = True

    organisation = models.OneToOneField(
        "microlearn_lms.Organisation", on_delete=models.CASCADE, related_name="lrs", verbose_name="organisation"
    )
    enabled = models.BooleanField(default=True)
    endpoint = models.CharField(
        max_length=500,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="The LRS's xAPI base URL, e.g. https://lrs.example.org/xAPI/ (statements go to …/statements).",
    )
    username = models.CharField(max_length=200, help_text="Basic auth user name (the LRS's key).")
    password = models.CharField(max_length=500, help_text="Basic auth password (the LRS's secret).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organisation LRS"
        verbose_name_plural = "organisation LRSs"

    def __str__(self) -> str:
        return f"{self.organisation}: {self.endpoint}"

    @property
    def password_hint(self) -> str:
        return f"…{self.password[-4:]}" if len(self.password) > 8 else "set"

    @property
    def cursor_key(self) -> str:
        return f"org:{self.organisation_id}"


class LrsCursor(models.Model):
    """Where one store's delivery stands in the outbox: the last event sent, retry state and counts.

    ``key`` is ``site`` for the site's store, ``org:<organisation id>`` for an organisation's.
    ``leased_until`` lets one worker at a time push to a store (a conditional UPDATE claims it).
    """

    wagtail_reference_index_ignore = True

    key = models.CharField(max_length=40, unique=True)
    after_txid = models.BigIntegerField(default=-1)
    after_id = models.BigIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts in a row (5xx, no connection).")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    sent = models.PositiveBigIntegerField(default=0, help_text="Statements the store accepted (or already had).")
    rejected = models.PositiveBigIntegerField(default=0, help_text="Statements the store refused (4xx).")
    withheld = models.PositiveBigIntegerField(default=0, help_text="Statements not sent: their person was erased.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "LRS cursor"

    def __str__(self) -> str:
        return f"{self.key} after ({self.after_txid}, {self.after_id})"
