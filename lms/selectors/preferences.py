"""Reads of participants' practice preferences."""

from __future__ import annotations

from ..models import ParticipantPreferences


def preferences_for(*, user) -> ParticipantPreferences:
    """The user's preferences row, or unsaved defaults when they have never saved any."""
    prefs = ParticipantPreferences.objects.filter(user=user).first()
    return prefs if prefs is not None else ParticipantPreferences(user=user)
