"""Write-side rules of the HR API app: registering and deleting webhook endpoints.

Here rather than in ``api/v1/``: endpoints are the app's records (``api/models.py``), not a
detail of one API version, so a later version or the admin can call the same rules. Views
translate ``UnsafeURL`` into a 400 on ``url``.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.models import WebhookEndpoint
from api.v1.webhooks import UnsafeURL, resolve_target
from lms.models import Organisation

__all__ = ["UnsafeURL", "webhook_endpoint_create", "webhook_endpoint_delete"]


def webhook_endpoint_create(
    *, organisation: Organisation, url: str, events: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    """Register ``url`` for ``events`` (stored sorted, once each). The URL must pass the SSRF
    check of ``webhooks.resolve_target`` (HTTPS, public addresses only), else ``UnsafeURL``
    with a message safe to show; it is checked again before every delivery."""
    resolve_target(url)
    return WebhookEndpoint.objects.create(
        organisation=organisation, url=url, events=sorted(set(events)), description=description
    )


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log; a retry still queued then finds no delivery and stops."""
    endpoint.delete()
