"""Writes of participants' practice preferences: the account page form, one-click unsubscribe, calendar token."""

from __future__ import annotations

import secrets

from django.utils import timezone

from ..models import ParticipantPreferences

FIELDS = (
    "timezone",
    "quiet_hours_start",
    "quiet_hours_end",
    "reminder_emails",
    "checkin_emails",
    "booster_emails",
    "weekly_email_cap",
)


def _row(user) -> ParticipantPreferences:
    prefs, _ = ParticipantPreferences.objects.get_or_create(user=user)
    return prefs


def preferences_update(*, user, data: dict, subscribe: bool = True) -> ParticipantPreferences:
    """Save the "Practice emails" form. Saving it subscribes again (clears ``unsubscribed_at``)."""
    prefs = _row(user)
    for name in FIELDS:
        if name in data:
            setattr(prefs, name, data[name])
    if subscribe:
        prefs.unsubscribed_at = None
    prefs.full_clean(exclude=["user", "calendar_token"])
    prefs.save()
    return prefs


def participant_unsubscribe(*, user) -> ParticipantPreferences:
    """One-click unsubscribe from every practice email (idempotent: keeps the first time)."""
    prefs = _row(user)
    if prefs.unsubscribed_at is None:
        prefs.unsubscribed_at = timezone.now()
        prefs.save(update_fields=["unsubscribed_at", "updated_at"])
    return prefs


def calendar_token_rotate(*, user) -> ParticipantPreferences:
    """A new private calendar feed address; the old one stops working at once."""
    prefs = _row(user)
    prefs.calendar_token = secrets.token_urlsafe(32)
    prefs.save(update_fields=["calendar_token", "updated_at"])
    return prefs


def calendar_token_revoke(*, user) -> ParticipantPreferences:
    prefs = _row(user)
    prefs.calendar_token = None
    prefs.save(update_fields=["calendar_token", "updated_at"])
    return prefs
