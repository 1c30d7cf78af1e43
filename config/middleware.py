"""Site-level middleware: request ids, privacy headers, CSP, and a calm 503 when the database is down."""

import logging
import re
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render

from api.v1.problems import problem_response

from .logging import request_id_var

logger = logging.getLogger("config.requests")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (or accept a sane X-Request-ID from the proxy); echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class PrivacyHeadersMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user, so no shared
    cache or back button keeps a person's data; and the site's Content-Security-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        self.csp_exempt = tuple(getattr(settings, "CONTENT_SECURITY_POLICY_EXEMPT_PATHS", ()))

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or getattr(request, "personal_data", False):
            response["Cache-Control"] = "private, no-store"
        if self.csp and not request.path.startswith(self.csp_exempt):
            response.setdefault("Content-Security-Policy", self.csp)
        return response


DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(request):
    """The 503 page of a database outage, rendered without the database; HR API clients get a
    problem document instead."""
    if request.path.startswith("/api/"):
        response = problem_response(request, 503, "The database is unavailable; retry after Retry-After seconds.")
    else:
        response = render(request, "errors/503.html", status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database outage mid-request shows a 503 page, not a stack trace.

    This catches the errors a view raises; ``config.views.server_error`` (``handler500``) catches
    those raised later by another middleware, e.g. reading a signed-in visitor's session again.
    Recovery needs no restart: at the end of the request Django closes connections that are
    unusable (``close_old_connections`` on ``request_finished``), and ``CONN_HEALTH_CHECKS``
    re-checks persistent connections at the start of the next one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error("database unavailable: %s", exception.__class__.__name__)
        return database_unavailable(request)
