import pytest
from django.core.cache import cache

from tests.factories_sso import OrganisationSsoFactory

from .provider import running_provider

TEST_CALLBACK = "http://testserver/sso/callback/"


@pytest.fixture(scope="session")
def provider():
    """A real OpenID provider on loopback whose clients return to the Django test client."""
    with running_provider([TEST_CALLBACK]) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_discovery_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme_sso(db, provider):
    return OrganisationSsoFactory(
        organisation__name="Acme",
        organisation__slug="acme",
        issuer=provider.issuer,
        client_id=provider.client.client_id,
        client_secret=provider.client.client_secret,
        allowed_domains="acme.test\nacme-group.test",
    )
