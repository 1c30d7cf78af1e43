"""Per-key throttling in the Django cache: one key's traffic never throttles another key."""

import pytest
from django.core.cache import cache

from tests.api.conftest import make_client
from tests.factories_api import api_key_for

pytestmark = pytest.mark.django_db


def test_each_key_has_its_own_budget(settings, organisation, other_organisation):
    settings.MICROLEARN_API_THROTTLE_RATE = "3/min"
    cache.clear()
    first = make_client(api_key_for(organisation)[1])
    second = make_client(api_key_for(organisation, name="second")[1])
    assert [first.get("/api/v1/courses/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/api/v1/courses/").status_code == 200
    assert make_client(api_key_for(other_organisation)[1]).get("/api/v1/courses/").status_code == 200


def test_throttle_counts_live_in_the_django_cache(settings, api_key, token_client):
    settings.MICROLEARN_API_THROTTLE_RATE = "5/min"
    cache.clear()
    token_client.get("/api/v1/courses/")
    assert len(cache.get(f"api-throttle:{api_key[0].prefix}")) == 1
