"""SCIM tokens: hashed, created by the management command or the Wagtail admin (shown once)."""

import io

import pytest
from django.core.management import CommandError, call_command

from api.models import ScimToken
from tests.scim.conftest import ScimClient

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed(organisation):
    token, raw = ScimToken.generate(organisation=organisation, name="Entra")
    assert raw.startswith(f"mcs_{token.prefix}_")
    secret = raw.split("_", 2)[2]
    assert secret not in token.hashed and token.matches(secret) and not token.matches(secret + "x")
    assert ScimToken.split("mca_abc_def") is None  # an HR API key is not a SCIM token


def test_create_scim_token_command(organisation, mini_programme):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_scim_token", "acme", "--name", "Okta", "--course", mini_programme.slug, stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ScimToken.objects.get(name="Okta")
    assert token.organisation == organisation and token.group_course_id == mini_programme.pk
    assert ScimClient(raw).get("Users").status_code == 200
    with pytest.raises(CommandError):
        call_command("create_scim_token", "nope", "--name", "x", stdout=out, stderr=err)
    with pytest.raises(CommandError):
        call_command("create_scim_token", "acme", "--name", "x", "--course", "nope", stdout=out, stderr=err)


def test_admin_creates_a_token_and_shows_it_once(client, organisation, mini_programme):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/api_scim_tokens/new/",
        {"organisation": organisation.pk, "name": "From admin", "group_course": mini_programme.pk},
        follow=True,
    )
    assert response.status_code == 200
    token = ScimToken.objects.get(name="From admin")
    assert token.group_course_id == mini_programme.pk
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"mcs_{token.prefix}_" in m for m in shown)
    listing = client.get("/admin/api_scim_tokens/")
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
