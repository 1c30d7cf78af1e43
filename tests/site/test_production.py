"""Site operations: health, privacy headers, CSP, request ids, JSON logs, database outage."""

import json
import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from config.logging import JsonFormatter, RequestIdFilter, redact
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"


def test_healthz_reports_a_stale_task_queue(client, settings):
    from django_tasks_db.models import DBTaskResult

    settings.HEALTHZ_MAX_TASK_AGE_SECONDS = 60
    DBTaskResult.objects.create(
        status="READY",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="x.y",
        backend_name="default",
        run_after=timezone.now(),
        queue_name="default",
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert any("worker" in reason for reason in response.json()["reasons"])


def test_signed_in_pages_are_not_cached_and_anonymous_pages_may_be(client, mini_programme):
    anonymous = client.get(mini_programme.url)
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(UserFactory())
    for url in (mini_programme.url, "/learn/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_csp_on_site_pages_but_not_in_the_wagtail_admin(client, mini_programme, admin_user):
    csp = client.get(mini_programme.url)["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    client.force_login(admin_user)
    assert "Content-Security-Policy" not in client.get("/admin/")


def test_request_id_is_generated_or_accepted(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id<script>"})["X-Request-ID"] != "bad id<script>"


def test_json_log_lines_carry_request_id_and_redact_secrets():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "auth Bearer sk_live_abcdef ok", None, None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "auth Bearer [redacted] ok"
    assert line["level"] == "INFO" and "request_id" in line
    assert redact("secret=hunter2 and whsec_abcd") == "secret=[redacted] and whsec_[redacted]"


def test_database_outage_mid_request_gives_a_503_page(client, mini_programme, monkeypatch):
    from courses.models import CoursePage

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CoursePage, "get_context", broken)
    response = client.get(mini_programme.url)
    assert response.status_code == 503
    assert b"We will be right back" in response.content
    assert b"Traceback" not in response.content
    assert response["Retry-After"] == "30"
    monkeypatch.undo()
    assert client.get(mini_programme.url).status_code == 200  # recovers without a restart


def test_an_outage_noticed_by_a_middleware_still_gives_the_503_page(monkeypatch):
    """Signed in: the view fails loading the session, then the privacy middleware asks for the
    user again, outside the view. handler500 turns that second database error into the 503 page."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())

    def broken(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/learn/")
    assert response.status_code == 503
    assert b"We will be right back" in response.content and b"Traceback" not in response.content
    assert response["Retry-After"] == "30"


def test_other_errors_still_give_the_500_page(monkeypatch):
    from django.test import Client

    from lms.selectors import learning

    def broken(**kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(learning, "dashboard", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.get("/learn/")
    assert response.status_code == 500
    assert b"We will be right back" not in response.content
