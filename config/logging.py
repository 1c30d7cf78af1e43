"""One JSON object per log line, carrying the request id. Never logs secrets, API keys or personal data.

``redact`` removes secrets (bearer tokens, keys, passwords), the values of personal query
parameters (``?email=``, ``external_id``, ``user_name``…: the HR API's GET filters) and any email
address. ``RedactFilter`` applies it to every record of a handler (both formatters, Django's
``django.server`` request lines); ``config.gunicorn_logging`` does the same for gunicorn's access
log. Lookups by email should use ``POST /api/v1/participants/search/`` (docs/api.md), which
keeps the value out of URLs altogether.
"""

import contextvars
import json
import logging
import re
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_SECRET_RE = re.compile(r"(?i)(bearer\s+|api[_-]?key[=:]\s*|password[=:]\s*|secret[=:]\s*|whsec_)[^\s,;\"']+")


# Query parameters whose value is personal data: redacted wherever a URL is logged.
PERSONAL_PARAMETERS = ("email", "external_id", "user_name", "username", "employee_number", "first_name", "last_name")
_QUERY_RE = re.compile(r"(?i)([?&;](?:" + "|".join(PERSONAL_PARAMETERS) + r")=)[^&\s\"'#;]*")
# An email address, also percent-encoded (%40) as it appears in URLs.
_EMAIL_RE = re.compile(r"(?i)[a-z0-9!#$%&'*+/=?^_`{|}~.-]+(?:@|%40)[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def redact(text: str) -> str:
    text = _SECRET_RE.sub(lambda m: m.group(1) + "[redacted]", text)
    text = _QUERY_RE.sub(lambda m: m.group(1) + "[redacted]", text)
    return _EMAIL_RE.sub("[email]", text)


class RedactFilter(logging.Filter):
    """Rewrites each record's message (and exception text) through ``redact``."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the formatter to report
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            payload["status"] = status
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)
