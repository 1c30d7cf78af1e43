"""``Idempotency-Key`` on POST: the first response is replayed for 24 hours.

* same key, same method, path and body (compared as canonical JSON: key order and spacing do not
  matter) → the stored response, with ``Idempotent-Replayed: true``;
* same key, anything else different → 422;
* two concurrent requests with the same key → the second waits on the unique index until the
  first commits, then replays its response (PostgreSQL); SQLite serialises writers anyway.

A request that fails with an error response raised by the view (validation, conflict…) rolls
back with its record, so a corrected retry may reuse the key.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from api.models import IdempotencyRecord

from .problems import Conflict, IdempotencyKeyReused

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location",)


def canonical_body(body: bytes) -> bytes:
    """The body as canonical JSON (sorted keys, no spaces), so the same document with its keys in
    another order or spaced differently is the same request. A body that is not JSON stays as sent."""
    if not body.strip():
        return b""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return body
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(canonical_body(request.body))
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(request, key: str, fingerprint: str) -> IdempotencyRecord | HttpResponse:
    """Insert the record, or return the response to replay. Expired records of the key go."""
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(api_key=request.auth, key=key, fingerprint=fingerprint)
        IdempotencyRecord.objects.filter(api_key=request.auth, created_at__lt=timezone.now() - TTL).delete()
        return record
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(api_key=request.auth, key=key)
    if record.created_at < timezone.now() - TTL:
        record.delete()
        return IdempotencyRecord.objects.create(api_key=request.auth, key=key, fingerprint=fingerprint)
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.status_code is None:  # only reachable where the database does not block (SQLite)
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
    return _replay(record)


def idempotent(handler):
    """Decorate every POST handler of the API (a test checks that none is missing)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError({HEADER: [f"Use at most {MAX_KEY_LENGTH} characters."]})
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            claimed = _claim(request, key, fingerprint)
            if isinstance(claimed, HttpResponse):
                return claimed
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            claimed.status_code = response.status_code
            claimed.content_type = "application/json"
            claimed.body = JSONRenderer().render(response.data) if response.data is not None else b""
            claimed.headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
            claimed.save(update_fields=["status_code", "content_type", "body", "headers"])
        return response

    wrapper.idempotent = True
    return wrapper
