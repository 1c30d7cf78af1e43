"""OpenAPI schema: valid with --fail-on-warn, complete, served with offline docs, and a schemathesis
run of a fixed number of examples per operation (derandomized, so every machine runs the same
cases however fast it is) that finds no server error and no response breaking the schema."""

import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.urls import reverse

from api.v1 import urls as api_urls

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12


def schemathesis_schema(wsgi_app, raw_key: str):
    """The live schema, every check on, authenticated with ``raw_key`` (configured, so the auth
    checks know it and try without it). A schema-valid request may still be a 400 here: an opaque
    ``cursor`` must be one the API signed, and some rules span fields (an end date after the
    start); a 422 when the generated Idempotency-Key repeats with another body, and a 412 for a
    generated If-Match (not the resource's ETag)."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    accepted = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429", "5xx"]
    config = SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"ApiKey": {"bearer": raw_key}}},
            "checks": {"positive_data_acceptance": {"expected-statuses": accepted}},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app, config=config)


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
    """Every operation, a fixed number of examples, every schemathesis check (none listed: all run)."""
    from hypothesis import HealthCheck, Phase, given, settings

    schema = schemathesis_schema(wsgi_app, api_key[1])
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
            case.call_and_validate()

        run()
        operations += 1
    documented = load_schema()["paths"]
    assert operations == sum(len(methods) for methods in documented.values())  # every operation ran


STATEFUL_EXAMPLES = 15  # derandomized: enough sequences to reach a create whose link is then followed
STATEFUL_STEPS = 6


@pytest.mark.skipif(connection.vendor == "postgresql", reason="runs once, in the SQLite pass")
def test_schemathesis_stateful_follows_the_links_with_every_check(wsgi_app, api_key, world):
    """The stateful phase: sequences of calls that follow the OpenAPI links (create, then read what
    was created), every check after each call; a fixed number of derandomized sequences."""
    from hypothesis import HealthCheck, Phase, settings

    schema = schemathesis_schema(wsgi_app, api_key[1])
    calls = []

    class Machine(schema.as_state_machine()):
        def after_call(self, response, case):
            calls.append((case.method, case.path, response.status_code))

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    assert calls  # it ran; any check failing would have raised
    assert any(200 <= status < 300 for _, _, status in calls), calls  # authenticated, not only refused
    followed = {(method, path) for method, path, status in calls if "{id}" in path and method == "GET"}
    assert followed, calls  # at least one link from a create to a read was followed


def test_schema_serves_generated_clients():
    """Typed bulk items and results, binary PDF, cursors a client can follow, links between operations,
    and no parameter that does nothing."""
    schema = load_schema()
    components = schema["components"]["schemas"]
    bulk = schema["paths"]["/api/v1/enrolments/bulk/"]["post"]
    body = bulk["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    items = components[body]["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 500)
    item = components[items["items"]["$ref"].rsplit("/", 1)[1]]
    assert item["required"] == ["cohort", "participant"] and item["properties"]["participant"]["format"] == "uuid"
    errors = components["BulkResultOut"]["properties"]["errors"]
    assert errors["items"]["$ref"].endswith("/FieldErrorOut")
    pdf = schema["paths"]["/api/v1/certificates/{id}/pdf/"]["get"]
    assert pdf["responses"]["200"]["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "format" not in names, (path, method)
    assert components["ParticipantPage"]["properties"]["next_cursor"]["type"] == ["string", "null"]  # OpenAPI 3.1
    for collection, operation_id in [
        ("participants", "participants_retrieve"),
        ("cohorts", "cohorts_retrieve"),
        ("enrolments", "enrolments_retrieve"),
    ]:
        links = schema["paths"][f"/api/v1/{collection}/"]["post"]["responses"]["201"]["links"]
        (link,) = links.values()
        assert link["operationId"] == operation_id and link["parameters"] == {"id": "$response.body#/id"}
    patch = schema["paths"]["/api/v1/participants/{id}/"]["patch"]
    assert "412" in patch["responses"] and any(p["name"] == "If-Match" for p in patch["parameters"])


def test_next_cursor_is_the_cursor_of_the_next_link(token_client, organisation):
    from urllib.parse import parse_qs, urlsplit

    from tests.factories_api import MemberFactory

    for _ in range(3):
        MemberFactory(organisation=organisation)
    first = token_client.get("/api/v1/participants/?page_size=2").json()
    assert parse_qs(urlsplit(first["next"]).query)["cursor"] == [first["next_cursor"]]
    second = token_client.get("/api/v1/participants/", {"page_size": 2, "cursor": first["next_cursor"]}).json()
    assert second == token_client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None and second["next_cursor"] is None
