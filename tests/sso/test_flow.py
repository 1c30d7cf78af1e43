"""The OpenID Connect flow against a real provider (oidc-provider on loopback), through the
Django test client: first sign-in, linking, the next sign-in by ``sub``, and every refusal."""

from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone

from lms.models import OrganisationMember, SsoIdentity
from lms.oidc import BACKEND_PATH, OrganisationOIDCBackend
from lms.services.participants import participant_provision
from tests.factories import UserFactory

from .provider import query_of, running_provider, sign_in_at_provider

pytestmark = pytest.mark.django_db


def start(client, slug="acme", **params):
    response = client.get(f"/sso/{slug}/login/", params)
    assert response.status_code == 302, response.content
    return response["Location"]


def callback(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, slug="acme", **identity):
    authorize = start(client, slug)
    return callback(client, sign_in_at_provider(requests.Session(), authorize, **identity))


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def assert_refused(response, reason, status=400):
    assert response.status_code == status, response.content
    assert response.context["reason"] == reason
    assert b"We could not sign you in" in response.content


# --- The request to the provider ------------------------------------------------------------
def test_login_redirects_to_the_provider_with_state_nonce_and_pkce(client, acme_sso, provider):
    location = start(client, login_hint="pat@acme.test")
    query = query_of(location)
    assert location.startswith(f"{provider.issuer}/auth?")
    assert query["client_id"] == "microlearn"
    assert query["redirect_uri"] == "http://testserver/sso/callback/"
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert query["login_hint"] == "pat@acme.test"
    entry = client.session["oidc_states"][query["state"]]
    assert entry["nonce"] == query["nonce"] and len(entry["code_verifier"]) >= 43
    assert entry["sso"] == acme_sso.pk


def test_a_hint_outside_the_allowed_domains_is_not_passed_on(client, acme_sso):
    assert "login_hint" not in query_of(start(client, login_hint="pat@elsewhere.test"))


def test_no_sso_for_an_unknown_or_disabled_organisation(client, acme_sso):
    assert client.get("/sso/nobody/login/").status_code == 404
    acme_sso.enabled = False
    acme_sso.save()
    assert client.get("/sso/acme/login/").status_code == 404


# --- Success --------------------------------------------------------------------------------
def test_first_sign_in_creates_the_member_and_lands_on_learn(client, acme_sso):
    response = sign_in(client, sub="emp-1", email="Pat@Acme.test", given_name="Pat", family_name="Lee")
    assert response.status_code == 302
    assert response["Location"] == "/learn/"
    member = OrganisationMember.objects.get(organisation=acme_sso.organisation)
    assert member.user.email == "pat@acme.test"
    assert (member.user.first_name, member.user.last_name) == ("Pat", "Lee")
    assert not member.user.has_usable_password()
    assert str(member.user.pk) == logged_in_user_id(client)
    assert client.session["_auth_user_backend"] == BACKEND_PATH
    identity = SsoIdentity.objects.get()
    assert (identity.member, identity.subject, identity.issuer) == (member, "emp-1", acme_sso.issuer)
    assert identity.last_login_at is not None
    assert client.get("/learn/").status_code == 200


def test_next_sign_in_finds_the_same_member_by_sub_even_with_a_new_email(client, acme_sso):
    sign_in(client, sub="emp-2", email="sam@acme.test")
    client.logout()
    response = sign_in(client, sub="emp-2", email="sam.new@acme-group.test")
    assert response.status_code == 302
    member = OrganisationMember.objects.get()
    assert logged_in_user_id(client) == str(member.user.pk)
    assert SsoIdentity.objects.count() == 1


def test_first_sign_in_links_a_member_the_hr_api_provisioned(client, acme_sso):
    member = participant_provision(organisation=acme_sso.organisation, email="kim@acme.test", external_id="E7")
    response = sign_in(client, sub="emp-3", email="KIM@acme.test")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(member.user.pk)
    assert OrganisationMember.objects.count() == 1
    assert SsoIdentity.objects.get().member == member


def test_sign_in_continues_to_a_safe_next_page(client, acme_sso):
    authorize = start(client, next="/learn/?tab=done")
    response = callback(client, sign_in_at_provider(requests.Session(), authorize, sub="n1", email="n1@acme.test"))
    assert response["Location"] == "/learn/?tab=done"
    authorize = start(client, next="https://evil.test/")
    client.logout()
    authorize = start(client, next="https://evil.test/")
    response = callback(client, sign_in_at_provider(requests.Session(), authorize, sub="n1", email="n1@acme.test"))
    assert response["Location"] == "/learn/"


# --- Refusals: each a page, and no session --------------------------------------------------
def test_a_disallowed_email_domain_is_refused(client, acme_sso):
    response = sign_in(client, sub="x1", email="pat@gmail.test")
    assert_refused(response, "domain", 403)
    assert b"does not sign in addresses at gmail.test" in response.content
    assert logged_in_user_id(client) is None
    assert not OrganisationMember.objects.exists()


def test_a_deactivated_member_is_refused(client, acme_sso):
    member = participant_provision(organisation=acme_sso.organisation, email="leaver@acme.test")
    sign_in(client, sub="emp-9", email="leaver@acme.test")
    client.logout()
    OrganisationMember.objects.filter(pk=member.pk).update(deactivated_at=timezone.now())
    response = sign_in(client, sub="emp-9", email="leaver@acme.test")
    assert_refused(response, "deactivated", 403)
    assert b"has been switched off" in response.content
    assert logged_in_user_id(client) is None


def test_a_deactivated_member_without_identity_is_refused_not_recreated(client, acme_sso):
    member = participant_provision(organisation=acme_sso.organisation, email="gone@acme.test")
    OrganisationMember.objects.filter(pk=member.pk).update(deactivated_at=timezone.now())
    assert_refused(sign_in(client, sub="emp-10", email="gone@acme.test"), "deactivated", 403)
    assert OrganisationMember.objects.count() == 1 and not SsoIdentity.objects.exists()


def test_a_wrong_state_is_refused(client, acme_sso):
    authorize = start(client)
    url = sign_in_at_provider(requests.Session(), authorize, sub="s1", email="s1@acme.test")
    response = callback(client, url.replace("state=", "state=x"))
    assert_refused(response, "state")
    assert logged_in_user_id(client) is None


def test_a_callback_in_another_browser_is_refused(client, acme_sso):
    from django.test import Client

    url = sign_in_at_provider(requests.Session(), start(client), sub="s2", email="s2@acme.test")
    other = Client()
    assert_refused(callback(other, url), "state")
    assert other.session.get("_auth_user_id") is None


def test_a_nonce_mismatch_is_refused(client, acme_sso):
    authorize = start(client)
    state = query_of(authorize)["state"]
    session = client.session
    session["oidc_states"][state]["nonce"] = "not-the-nonce-that-was-sent"
    session.save()
    response = callback(client, sign_in_at_provider(requests.Session(), authorize, sub="s3", email="s3@acme.test"))
    assert_refused(response, "nonce")
    assert logged_in_user_id(client) is None


def test_a_replayed_callback_is_refused(client, acme_sso):
    authorize = start(client)
    url = sign_in_at_provider(requests.Session(), authorize, sub="s4", email="s4@acme.test")
    entry = dict(client.session["oidc_states"][query_of(authorize)["state"]])
    assert callback(client, url).status_code == 302
    client.logout()
    # The state was used up: the same answer again is refused before the code is even tried.
    assert_refused(callback(client, url), "state")
    # Even with the state put back, the provider refuses the used code.
    session = client.session
    session["oidc_states"] = {query_of(authorize)["state"]: entry}
    session.save()
    assert_refused(callback(client, url), "code")
    assert logged_in_user_id(client) is None


def test_an_id_token_for_another_client_is_refused(client, acme_sso, provider, monkeypatch):
    # A real token from the same provider, issued to the client "other-app".
    other = provider.clients["other-app"]
    browser = requests.Session()
    discovery = browser.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    authorize = start(client)
    query = query_of(authorize)
    state = query["state"]
    verifier = client.session["oidc_states"][state]["code_verifier"]
    other_authorize = authorize.replace("client_id=microlearn", "client_id=other-app")
    url = sign_in_at_provider(browser, other_authorize, sub="s5", email="s5@acme.test")
    tokens = browser.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query_of(url)["code"],
            "redirect_uri": "http://testserver/sso/callback/",
            "client_id": other.client_id,
            "client_secret": other.client_secret,
            "code_verifier": verifier,
        },
    ).json()
    monkeypatch.setattr(OrganisationOIDCBackend, "get_token", lambda self, payload: tokens)
    response = callback(client, url)
    assert_refused(response, "audience")
    assert logged_in_user_id(client) is None


def test_a_code_issued_to_another_client_is_refused(client, acme_sso):
    authorize = start(client).replace("client_id=microlearn", "client_id=other-app")
    url = sign_in_at_provider(requests.Session(), authorize, sub="s6", email="s6@acme.test")
    assert_refused(callback(client, url), "code")


def test_a_bad_signature_is_refused(client, db):
    from tests.factories_sso import OrganisationSsoFactory

    with running_provider(["http://testserver/sso/callback/"], wrong_jwks=True) as forger:
        OrganisationSsoFactory(
            organisation__slug="forged",
            issuer=forger.issuer,
            client_id=forger.client.client_id,
            client_secret=forger.client.client_secret,
        )
        response = sign_in(client, "forged", sub="s7", email="s7@acme.test")
    assert_refused(response, "signature")
    assert logged_in_user_id(client) is None
    assert not OrganisationMember.objects.exists()


def test_a_provider_error_is_refused(client, acme_sso):
    state = query_of(start(client))["state"]
    answer = {"error": "access_denied", "error_description": "User said no", "state": state}
    response = client.get("/sso/callback/", answer)
    assert_refused(response, "provider_error", 403)
    assert b"User said no" in response.content
    assert state not in client.session["oidc_states"]


def test_an_answer_from_another_issuer_is_refused(client, acme_sso):
    url = sign_in_at_provider(requests.Session(), start(client), sub="s8", email="s8@acme.test")
    response = callback(client, url.replace("iss=http", "iss=https"))
    assert_refused(response, "issuer")


def test_an_unreachable_provider_is_a_clear_page(client, acme_sso):
    acme_sso.issuer = "http://127.0.0.1:9"
    acme_sso.save()
    response = client.get("/sso/acme/login/")
    assert_refused(response, "provider_unreachable", 502)


def test_a_user_in_another_organisation_cannot_be_taken_over(client, acme_sso):
    """An existing account that is not Acme's member is never attached to Acme's sign-in."""
    outsider = UserFactory(email="boss@acme.test")
    response = sign_in(client, sub="s9", email="boss@acme.test")
    assert logged_in_user_id(client) != str(outsider.pk)
    assert not SsoIdentity.objects.filter(member__user=outsider).exists()
    assert response.status_code in (302, 409)


# --- MFA and lockouts -------------------------------------------------------------------------
def test_sso_sign_in_does_not_ask_a_learner_for_the_site_code(client, acme_sso):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    member = participant_provision(organisation=acme_sso.organisation, email="otp@acme.test")
    TOTPDevice.objects.create(user=member.user, name="app", confirmed=True)
    response = sign_in(client, sub="otp-1", email="otp@acme.test")
    assert response["Location"] == "/learn/"
    assert "mfa_pending" not in client.session
    assert client.get("/learn/").status_code == 200


def test_sso_sign_in_still_asks_a_trainer_for_the_site_code(client, acme_sso):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lms.roles import trainer_permission

    member = participant_provision(organisation=acme_sso.organisation, email="coach@acme.test")
    member.user.user_permissions.add(trainer_permission())
    TOTPDevice.objects.create(user=member.user, name="app", confirmed=True)
    sign_in(client, sub="coach-1", email="coach@acme.test")
    assert client.session["mfa_pending"] == "verify"
    assert client.get("/learn/")["Location"].startswith("/accounts/2fa/verify/")


def test_refused_sso_callbacks_do_not_lock_out_the_password_form(client, acme_sso, settings):
    """SSO answers are not password tries: django-axes does not count them (docs/sso.md)."""
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.get("/sso/callback/", {"code": "x", "state": "nope"})
    assert not AccessAttempt.objects.exists()
    user = UserFactory(username="pw-user")
    user.set_password("pw-user-password-1")
    user.save()
    response = client.post("/accounts/login/", {"username": "pw-user", "password": "pw-user-password-1"})
    assert response.status_code == 302


def test_member_found_by_the_records_work_email_and_erasure_forgets_the_identity(
    client, acme_sso, django_capture_on_commit_callbacks
):
    from lms.services.participants import participant_erase

    member = participant_provision(organisation=acme_sso.organisation, email="rec@acme.test")
    member.user.email = "private@home.test"  # the account's address is the person's own
    member.user.save()
    assert sign_in(client, sub="rec-1", email="rec@acme.test").status_code == 302
    assert logged_in_user_id(client) == str(member.user.pk)
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        participant_erase(member=member)
    assert not SsoIdentity.objects.exists()
