"""OpenAPI schema hooks: document only the HR API, not Wagtail's internal admin API."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter


def only_hr_api(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (e.g. a UUID), at most 255 characters. A retry with the same key and body "
    "replays the first response for 24 hours; the same key with a different body is 422.",
)
PAGE_SIZE = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    description="Rows per page: 50 by default, at most 200 (larger is capped).",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "maxLength": 1000},
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag of your last read of the resource: the update applies only if it has not changed "
    "since (else 412 Precondition Failed). `*` matches any.",
)
CURSOR = OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque position from the `next` link.")

ERROR_DESCRIPTIONS = {
    400: "Invalid request, with field errors.",
    401: "Missing, malformed, unknown or revoked API key.",
    403: "The API key is read-only.",
    404: "Not found, or another organisation's.",
    409: "Conflict with the current state (duplicate external_id, already withdrawn…).",
    410: "The participant was erased (final).",
    412: "If-Match names an ETag that is not the resource's current one: read it again.",
    413: "Request body over 1 MB.",
    415: "Content type other than application/json.",
    422: "Idempotency-Key reused with a different request.",
    429: "Throttled; see the Retry-After header.",
    503: "Database unavailable for a moment; retry (a POST with the same Idempotency-Key).",
}


class ApiAutoSchema(AutoSchema):
    """Adds the problem-details responses, the cursor parameters and Idempotency-Key to HR API
    operations (views of ``api.v1``)."""

    def _is_hr_api(self) -> bool:
        return type(self.view).__module__.startswith(("api.v1.views", "api.v1.events"))

    def _is_list(self) -> bool:
        return self.method == "GET" and getattr(self.view, "is_list", False)

    def get_description(self):
        description = super().get_description()
        # Only a view's own docstring documents it; the shared base class docstring does not.
        return "" if description.startswith("Base of every HR API view") else description

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if self._is_list() and operation_id.endswith("_retrieve"):
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _get_format_parameters(self):
        # DRF's ``?format=`` would only pick a renderer, which the PDF download (a file response)
        # and the JSON endpoints (one renderer) never need: not advertised.
        return [] if self._is_hr_api() else super()._get_format_parameters()

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", []) if self._is_list() else []

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_hr_api():
            if self._is_list():
                parameters += [PAGE_SIZE, CURSOR]
            if self.method == "POST":
                parameters.append(IDEMPOTENCY_KEY)
            if self.method in ("PATCH", "PUT"):
                parameters.append(IF_MATCH)
        return parameters

    def error_codes(self) -> list[int]:
        codes = [401, 429, 503]
        has_id = "{id}" in self.path
        if has_id:
            codes.append(404)
            if "/participants/{id}" in self.path or self.path.endswith("/certificates/{id}/credential/"):
                codes.append(410)
        if self._is_list():
            codes.append(400)
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            codes.append(403)
        if self.method in ("POST", "PATCH", "PUT"):
            codes += [400, 409, 413, 415]
        if self.method == "POST":
            codes.append(422)
        if self.method in ("PATCH", "PUT"):
            codes.append(412)
        return sorted(set(codes))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self._is_hr_api() or direction != "response":
            return responses
        from api.v1.serializers import ProblemOut

        for code in self.error_codes():
            if str(code) in responses:
                continue
            response = self._get_response_for_code(ProblemOut, str(code), media_types=["application/problem+json"])
            response["description"] = ERROR_DESCRIPTIONS[code]
            if code == 429:
                response["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                }
            responses[str(code)] = response
        return responses


def add_links(result, generator, request, public):
    """OpenAPI links from each create to the read of what it created, so that clients and
    stateful testers (schemathesis) can follow them: ``POST /participants/`` 201 →
    ``GET /participants/{id}/`` with ``id`` from the response body; likewise for cohorts,
    enrolments and webhooks."""
    paths = result.get("paths", {})
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        detail = paths.get(f"{path}{{id}}/", {}).get("get")
        if created is None or detail is None:
            continue
        name = "Get" + "".join(part.title() for part in detail["operationId"].split("_")[:-1]).removesuffix("s")
        created["links"] = {
            name: {
                "operationId": detail["operationId"],
                "parameters": {"id": "$response.body#/id"},
                "description": "Read back what was created.",
            }
        }
    return result
