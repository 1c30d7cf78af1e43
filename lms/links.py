"""Signed one-click links in emails ("Yes, log it", "Not this time", check-in outcomes, unsubscribe).

A link carries a small payload signed with ``SECRET_KEY`` and a *purpose* (salt), so a link
made for one action never works for another, and it expires after ``max_age`` seconds. Use::

    token = make_action_token("reminder", {"plan": plan.pk, "occurrence": "2026-12-01T09:00"})
    url = action_url("microlearn_lms:reminder_yes", token)
    ...
    payload = read_action_token("reminder", token, max_age=7 * 24 * 3600)  # raises ActionLinkError

Views answer an ``ActionLinkError`` with ``action_link_error_response`` (a friendly 400 page that
says whether the link was tampered with or expired) and change nothing.
"""

from __future__ import annotations

from django.core import signing
from django.shortcuts import render
from django.urls import reverse

from .conf import conf

SALT_PREFIX = "microlearn.action."


class ActionLinkError(Exception):
    """The link is not valid: ``reason`` is ``"expired"`` or ``"invalid"``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def make_action_token(purpose: str, payload: dict) -> str:
    return signing.dumps(payload, salt=SALT_PREFIX + purpose, compress=True)


def read_action_token(purpose: str, token: str, *, max_age: int) -> dict:
    try:
        payload = signing.loads(token, salt=SALT_PREFIX + purpose, max_age=max_age)
    except signing.SignatureExpired:
        raise ActionLinkError("expired") from None
    except signing.BadSignature:
        raise ActionLinkError("invalid") from None
    if not isinstance(payload, dict):
        raise ActionLinkError("invalid")
    return payload


def action_url(url_name: str, token: str, *, base_url: str | None = None) -> str:
    """Absolute URL of ``url_name`` taking the token as its ``token`` argument."""
    return (base_url or conf.base_url()) + reverse(url_name, kwargs={"token": token})


def action_link_error_response(request, error: ActionLinkError):
    return render(
        request,
        "microlearn_lms/action_link_error.html",
        {"reason": error.reason},
        status=400,
    )
