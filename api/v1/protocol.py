"""HTTP at the edges of the HR API: OPTIONS, pathological JSON, chunked bodies (docs/api.md, "Errors").

Every answer under ``/api/`` is a JSON document or an RFC 9457 problem; these pieces make sure the
odd requests an integrator's tools send (a fuzzer, a generated client, a proxy that chunks bodies)
get one too, rather than a 500 or an HTML page.
"""

import io

from django.core.handlers.wsgi import LimitedStream
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser

from lms.conf import conf

from . import problems

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class SafeJSONParser(JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's decoder can follow is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from None


class ApiMetadata(SimpleMetadata):
    """``OPTIONS``: the endpoint's name, description, and what it renders and parses.

    DRF's default would describe a serializer per write method; these views declare their input
    per method (``*In`` serializers) and have no single ``serializer_class``. The OpenAPI schema
    (``/api/v1/schema/``) is where every shape is described.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": "/api/v1/schema/",
        }


def read_chunked_body(http_request) -> None:
    """Read a body sent with ``Transfer-Encoding: chunked`` and no ``Content-Length``, within the limit.

    A WSGI server that de-chunks (gunicorn) passes such a body on ``wsgi.input`` without a length,
    and Django would read it as empty: the request would be handled without its data and the size
    limit skipped. It is read here, at most ``MICROLEARN_API_MAX_BODY_BYTES`` + 1 bytes, and given
    back to Django as an ordinary body with its length; a larger one is a 413.
    """
    meta = http_request.META
    if http_request.method not in BODY_METHODS or meta.get("CONTENT_LENGTH"):
        return
    if "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    limit = conf.API_MAX_BODY_BYTES
    data = meta["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise problems.PayloadTooLarge(f"The request body is over {limit // 1024} KiB.")
    meta["CONTENT_LENGTH"] = str(len(data))
    http_request._stream = LimitedStream(io.BytesIO(data), len(data))
