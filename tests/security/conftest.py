import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache, which outlives a test's database rollback."""
    cache.clear()
    yield
    cache.clear()


# The HR API's fixtures (an organisation and a client carrying its key), for the API cases here.
from tests.api.conftest import api_key, organisation, token_client  # noqa: E402, F401
