"""A client generated from the live schema with openapi-python-client, with no warning, runs the
HR flow of docs/api.md against a live server: provision, cohort, enrol, bulk enrol, completions,
certificate bytes.

The client is generated into a temporary directory and imported from there (``--meta none``: a
plain package on ``sys.path``; its dependencies, httpx and attrs, come with openapi-python-client
in the ``dev`` extra), so nothing is downloaded.
"""

import datetime as dt
import importlib
import subprocess
import sys

import httpx
import pytest
from django.db import connection

from tests.factories_api import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # HTTP-level and about a minute: it runs once, in CI's SQLite pass (.ci/run runs the suite twice).
    pytest.mark.skipif(connection.vendor == "postgresql", reason="runs once, in the SQLite pass"),
]

CONFIG = """\
content_type_overrides:
  application/pdf: application/octet-stream  # a PDF download is bytes (a File) in the client
post_hooks: []
"""


@pytest.fixture
def hr_client(live_server, tmp_path, monkeypatch):
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "config.yaml").write_text(CONFIG)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(tmp_path / "schema.json"), "--config", str(tmp_path / "config.yaml")),
            *("--meta", "none", "--output-path", str(tmp_path / "hr_client")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output  # zero warnings
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name == "hr_client" or name.startswith("hr_client.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    return importlib.import_module("hr_client")


def test_generated_client_runs_the_hr_flow(hr_client, live_server, api_key, world, organisation):
    from hr_client.api.certificates import certificates_list, certificates_pdf_retrieve
    from hr_client.api.cohorts import cohorts_create, cohorts_retrieve
    from hr_client.api.completions import completions_list
    from hr_client.api.courses import courses_list
    from hr_client.api.enrolments import enrolments_bulk_create, enrolments_create, enrolments_retrieve
    from hr_client.api.participants import participants_create, participants_list, participants_partial_update
    from hr_client.models import (
        CohortCreateInRequest,
        EnrolmentBulkItemInRequest,
        EnrolmentBulkRequest,
        EnrolmentCreateInRequest,
        ParticipantCreateInRequest,
        PatchedParticipantUpdateInRequest,
    )

    client = hr_client.AuthenticatedClient(base_url=live_server.url, token=api_key[1], raise_on_unexpected_status=True)

    # 1. Provision an employee (201, Location), idempotently.
    body = ParticipantCreateInRequest(email="ada@example.com", first_name="Ada", external_id="E-1")
    created = participants_create.sync_detailed(client=client, body=body, idempotency_key="ada-1")
    assert created.status_code == 201 and created.headers["location"].endswith(f"/participants/{created.parsed.id}/")
    replay = participants_create.sync_detailed(client=client, body=body, idempotency_key="ada-1")
    assert replay.headers["idempotent-replayed"] == "true" and replay.parsed.id == created.parsed.id
    ada = created.parsed
    renamed = participants_partial_update.sync(
        id=ada.id, client=client, body=PatchedParticipantUpdateInRequest(last_name="Lovelace")
    )
    assert renamed.last_name == "Lovelace"

    # 2. Create a cohort on a course of the catalogue.
    course = courses_list.sync(client=client).results[0]
    cohort = cohorts_create.sync(
        client=client, body=CohortCreateInRequest(name="Autumn", course=course.id, start_date=dt.date(2026, 9, 1))
    )
    assert cohorts_retrieve.sync(id=cohort.id, client=client).name == "Autumn"

    # 3. Enrol, then bulk-enrol (one new, one already enrolled, one unknown).
    enrolment = enrolments_create.sync(
        client=client, body=EnrolmentCreateInRequest(participant=ada.id, cohort=cohort.id)
    )
    assert enrolments_retrieve.sync(id=enrolment.id, client=client).participant == ada.id
    others = [MemberFactory(organisation=organisation) for _ in range(2)]
    items = [EnrolmentBulkItemInRequest(participant=m.uuid, cohort=cohort.id) for m in others]
    items += [
        EnrolmentBulkItemInRequest(participant=ada.id, cohort=cohort.id),
        EnrolmentBulkItemInRequest(participant=cohort.id, cohort=cohort.id),
    ]
    bulk = enrolments_bulk_create.sync(client=client, body=EnrolmentBulkRequest(items=items))
    assert (bulk.created, bulk.existing, bulk.failed) == (2, 1, 1)
    assert [r.outcome.value for r in bulk.results] == ["created", "created", "existing", "error"]
    assert bulk.results[3].errors[0].field == "participant"
    assert bulk.results[0].enrolment.cohort == cohort.id

    # 4. Read completions, following the cursor.
    feed = completions_list.sync(client=client)
    assert {row.id for row in feed.results} >= {enrolment.id, world.enrolment.uuid}
    page = participants_list.sync(client=client, page_size=1)
    assert page.next_cursor
    assert participants_list.sync(client=client, page_size=1, cursor=page.next_cursor).results[0].id != (
        page.results[0].id
    )

    # 5. Download a certificate: bytes.
    certificate = certificates_list.sync(client=client).results[0]
    pdf = certificates_pdf_retrieve.sync(id=certificate.id, client=client)
    assert pdf.payload.read().startswith(b"%PDF")
