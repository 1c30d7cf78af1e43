"""Personal data stays out of logs: Django's handlers and gunicorn's access log redact it."""

import datetime as dt
import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from config.gunicorn_logging import RedactingLogger
from config.logging import RedactFilter, redact

EMAIL = "ann.smith@acme.example"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("GET /api/v1/participants/?email=ann.smith%40acme.example&active=true HTTP/1.1", "&active=true"),
        ("GET /api/v1/participants/?active=true&email=ann.smith@acme.example HTTP/1.1", "?active=true&email="),
        ("GET /api/v1/participants/?external_id=E-4411 HTTP/1.1", "external_id=[redacted]"),
        ("GET /api/v1/participants/?user_name=ann.smith HTTP/1.1", "user_name=[redacted]"),
        ("mail to ann.smith@acme.example failed", "mail to [email] failed"),
    ],
)
def test_redact_removes_personal_values(line, kept):
    out = redact(line)
    assert "ann.smith" not in out and "E-4411" not in out
    assert kept in out


def test_every_configured_handler_redacts(settings):
    """The site's console handler carries the filter, so every logger's lines are redacted."""
    filters = settings.LOGGING["handlers"]["console"]["filters"]
    assert "redact" in filters
    assert settings.LOGGING["filters"]["redact"]["()"] == "config.logging.RedactFilter"
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]


def test_django_request_lines_are_redacted_when_captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    logger = logging.getLogger("django.server")
    logger.addHandler(handler)
    try:
        logger.error('"%s" %s %s', f"GET /api/v1/participants/?email={EMAIL} HTTP/1.1", 200, 12)
        try:
            raise ValueError(f"no such person {EMAIL}")
        except ValueError:
            logging.getLogger("django.request").addHandler(handler)
            logging.getLogger("django.request").exception("Lookup failed for %s", EMAIL)
    finally:
        logger.removeHandler(handler)
        logging.getLogger("django.request").removeHandler(handler)
    text = stream.getvalue()
    assert "ann.smith" not in text
    assert "email=[redacted]" in text and "Lookup failed for [email]" in text and "ValueError" in text


def test_gunicorn_access_log_is_redacted(tmp_path):
    cfg = Config()
    log_file = tmp_path / "access.log"
    cfg.set("accesslog", str(log_file))
    cfg.set("logger_class", "config.gunicorn_logging.RedactingLogger")
    assert cfg.logger_class is RedactingLogger
    logger = RedactingLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/participants/?email={EMAIL}",
        "PATH_INFO": "/api/v1/participants/",
        "QUERY_STRING": f"email={EMAIL}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://hr.example/search?email={EMAIL}",
        "HTTP_USER_AGENT": "curl",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, dt.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text()
    assert "GET /api/v1/participants/?email=[redacted] HTTP/1.1" in line
    assert "ann.smith" not in line and " 200 " in line


def test_gunicorn_conf_uses_the_redacting_logger():
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "gunicorn.conf.py").read_text()
    assert 'logger_class = "config.gunicorn_logging.RedactingLogger"' in source
