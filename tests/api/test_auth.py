"""API keys: bearer auth, hashing, prefixes, scopes, revocation, last use, the management command."""

import io

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiKey, ApiScope
from tests.api.conftest import make_client
from tests.factories_api import api_key_for

pytestmark = pytest.mark.django_db


def test_only_a_hash_is_stored_and_the_prefix_finds_the_key(organisation):
    key, raw = api_key_for(organisation)
    assert raw.startswith(f"mca_{key.prefix}_")
    secret = raw.split("_", 2)[2]
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())
    assert key.matches(secret) and not key.matches(secret + "x")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer nonsense", "Bearer mca_000000000000_wrong", "Token abc"],
)
def test_missing_or_bad_keys_are_401(header, world):
    client = make_client(None)
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/participants/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_right_prefix_with_a_wrong_secret_is_401(api_key, world):
    _key, raw = api_key
    response = make_client(raw[:-2] + "xx").get("/api/v1/participants/")
    assert response.status_code == 401


def test_revoked_key_is_401(api_key, token_client, world):
    api_key[0].revoke()
    assert token_client.get("/api/v1/participants/").status_code == 401


def test_last_used_at_is_recorded(api_key, token_client, world):
    assert api_key[0].last_used_at is None
    token_client.get("/api/v1/participants/")
    api_key[0].refresh_from_db()
    assert api_key[0].last_used_at is not None


def test_read_only_key_reads_but_cannot_write(read_only_client, world):
    assert read_only_client.get("/api/v1/participants/").status_code == 200
    response = read_only_client.post("/api/v1/participants/", {"email": "x@example.com"}, format="json")
    assert response.status_code == 403
    assert response.json()["title"] == "Not allowed with this API key"
    response = read_only_client.post(f"/api/v1/participants/{world.member.uuid}/deactivate/")
    assert response.status_code == 403
    world.member.refresh_from_db()
    assert world.member.deactivated_at is None


def test_create_api_key_command(organisation):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "acme", "--name", "Workday", "--read-only", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = ApiKey.objects.get(name="Workday")
    assert key.scope == ApiScope.READ and key.organisation == organisation
    assert raw.startswith(f"mca_{key.prefix}_")
    assert make_client(raw).get("/api/v1/courses/").status_code == 200
    with pytest.raises(CommandError):
        call_command("create_api_key", "nope", "--name", "x", stdout=out, stderr=err)


def test_admin_creates_a_key_and_shows_it_once(client, organisation):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/api_keys/new/", {"organisation": organisation.pk, "name": "From admin", "scope": "read"}, follow=True
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="From admin")
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"mca_{key.prefix}_" in m for m in shown)
    listing = client.get("/admin/api_keys/")
    assert listing.status_code == 200 and key.prefix in listing.content.decode()
    assert client.get("/admin/api_webhooks/").status_code == 200
