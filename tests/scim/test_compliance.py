"""scim2-tester against a live server (pytest-django's ``live_server``) with a real SCIM token:
discovery, then create / read / query / replace / patch / delete of Users and Groups.
Every check must pass (no ERROR or CRITICAL result); the report is printed."""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from api.models import ScimToken
from tests.factories import OrganisationFactory


@pytest.fixture
def live_token(transactional_db, mini_programme):
    organisation = OrganisationFactory(name="Compliance", slug="compliance")
    return ScimToken.generate(organisation=organisation, name="scim2-tester", group_course=mini_programme)[1]


def test_scim2_tester_passes_every_check(live_server, live_token, settings):
    settings.MICROLEARN_SCIM_THROTTLE_RATE = "100000/min"
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {live_token}"}, timeout=30
    )
    results = check_server(SyncSCIMClient(http))
    report = [f"{r.status.name:8} {r.resource_type or '-':6} {r.title}: {r.reason or ''}" for r in results]
    print("\n".join(report))
    failed = [line for r, line in zip(results, report, strict=True) if r.status in (Status.ERROR, Status.CRITICAL)]
    assert results, "scim2-tester ran no check"
    assert sum(r.status == Status.SUCCESS for r in results) > 20
    assert failed == []
