"""RFC 9457 problem details (``application/problem+json``) for every API error.

Shape::

    {"type": "https://…/problems/validation", "title": "Invalid request", "status": 400,
     "detail": "…", "instance": "/api/v1/participants/",
     "errors": [{"field": "email", "detail": "Enter a valid email address.", "code": "invalid"}]}

``errors`` is present for 400/409 field errors; ``field`` is a dotted path (``items.3.cohort``)
and ``non_field_errors`` marks an error about the whole object.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://microlearn.example/problems/"

TITLES = {
    400: ("validation", "Invalid request"),
    401: ("unauthenticated", "Missing or invalid API key"),
    403: ("forbidden", "Not allowed with this API key"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    410: ("gone", "Gone"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("idempotency-key-reused", "Idempotency-Key reused with a different request"),
    429: ("throttled", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This resource was erased."
    default_code = "gone"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match does not match the resource's current ETag."
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the API accepts."
    default_code = "payload_too_large"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with a different request body or path."
    default_code = "idempotency_key_reused"


def flatten_errors(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail → a flat list of {field, detail, code}."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            out += flatten_errors(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                out.append(
                    {"field": prefix or "non_field_errors", "detail": str(item), "code": getattr(item, "code", "")}
                )
        else:
            for index, item in enumerate(detail):
                if item:
                    out += flatten_errors(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        out.append({"field": prefix or "non_field_errors", "detail": str(detail), "code": getattr(detail, "code", "")})
    return out


def problem(status_code: int, detail: str, *, instance: str = "", errors: list | None = None, title: str = "") -> dict:
    slug, default_title = TITLES.get(status_code, ("error", "Error"))
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title or default_title,
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    """DRF's handler (headers such as Retry-After and WWW-Authenticate), then a problem body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such object for this organisation.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.path if request is not None else ""
    data = response.data
    errors = None
    if isinstance(exc, exceptions.ValidationError) or (isinstance(exc, Conflict) and isinstance(data, dict | list)):
        errors = flatten_errors(exc.detail)
        detail = "Some fields are invalid." if response.status_code == 400 else errors[0]["detail"]
        if isinstance(exc, Conflict):
            detail = errors[0]["detail"] if errors else str(exc)
    else:
        detail = str(data.get("detail", "")) if isinstance(data, dict) else str(data)
    body = problem(response.status_code, detail, instance=instance, errors=errors)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = int(exc.wait + 0.999)
    return Response(
        body,
        status=response.status_code,
        headers={k: v for k, v in response.items() if k.lower() != "content-type"},
        content_type=PROBLEM_CONTENT_TYPE,
    )


def problem_response(request, status_code: int, detail: str) -> JsonResponse:
    """A problem response outside DRF (unknown URLs under /api/v1/)."""
    return JsonResponse(
        problem(status_code, detail, instance=request.path), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )
