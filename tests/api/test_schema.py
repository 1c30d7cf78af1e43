"""OpenAPI schema: valid with --fail-on-warn, complete, served with offline docs, and a schemathesis
run of a fixed number of examples per operation (derandomized, so every machine runs the same
cases however fast it is) that finds no server error and no response breaking the schema."""

import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from api.v1 import urls as api_urls

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12


def load_schema() -> dict:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_schema_validates_and_covers_every_endpoint():
    schema = load_schema()
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    documented = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    for pattern in api_urls.urlpatterns:
        if pattern.name in {"schema", "docs", "not-found"}:
            continue
        path = "/api/v1/" + re.sub(r"<uuid:(\w+)>", r"{\1}", str(pattern.pattern))
        for method in ("get", "post", "patch", "delete"):
            if hasattr(pattern.callback.view_class, method):
                assert (path, method) in documented, (path, method)
    for (path, method), operation in (((p, m), op) for p, ops in schema["paths"].items() for m, op in ops.items()):
        responses = operation["responses"]
        assert {"401", "429", "503"} <= set(responses), (path, method)
        assert operation["security"] == [{"ApiKey": []}]
        if "{id}" in path:
            assert "404" in responses
        if method == "post":
            assert {"400", "403", "409", "413", "415", "422"} <= set(responses), path
            assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
        assert responses["429"]["headers"]["Retry-After"]
    participants = schema["paths"]["/api/v1/participants/"]["get"]
    assert {"external_id", "page_size", "cursor"} <= {p["name"] for p in participants["parameters"]}


def test_schema_and_offline_docs_are_served(client):
    assert client.get(reverse("microlearn_api:schema")).status_code == 200
    docs = client.get(reverse("microlearn_api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.fixture
def wsgi_app():
    """The real WSGI app, without closing the test's database connection after each request."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_nor_schema_violation(wsgi_app, api_key, world):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    headers = {"Authorization": f"Bearer {api_key[1]}"}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        run()
        operations += 1
    documented = load_schema()["paths"]
    assert operations == sum(len(methods) for methods in documented.values())  # every operation ran
