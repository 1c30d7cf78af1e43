"""Per-organisation SSO configuration, the domain that picks the organisation, the password-login
switch (login form, password reset) and the admin form's write-only secret."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lms.models import OrganisationMember, OrganisationSso
from lms.models.sso import email_domain, parse_domains
from lms.selectors.sso import password_login_allowed, sso_for_email
from lms.services.participants import participant_provision
from tests.factories import OrganisationFactory, UserFactory
from tests.factories_cohorts import trainer_user
from tests.factories_sso import OrganisationSsoFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_parse_domains_normalises_and_deduplicates():
    assert parse_domains(" Acme.COM, @acme.co.uk;\nacme.com  acme.de. ") == ["acme.com", "acme.co.uk", "acme.de"]
    assert parse_domains("") == []
    assert email_domain("Pat@Acme.Test") == "acme.test"
    assert email_domain("no-at-sign") == ""


def test_clean_requires_valid_domains_and_trims_the_issuer():
    sso = OrganisationSsoFactory.build(
        organisation=OrganisationFactory(), issuer="https://idp.test/", allowed_domains="acme.test, , b.test"
    )
    sso.full_clean()
    assert sso.issuer == "https://idp.test"
    assert sso.allowed_domains == "acme.test\nb.test"
    for bad in ("", "localhost", "a@b.test", "x/y.test"):
        sso.allowed_domains = bad
        with pytest.raises(ValidationError) as error:
            sso.full_clean()
        assert "allowed_domains" in error.value.message_dict
    sso.allowed_domains = "acme.test"
    sso.issuer = "ftp://idp.test"
    with pytest.raises(ValidationError):
        sso.full_clean()


def test_the_email_domain_selects_the_organisation():
    acme = OrganisationSsoFactory(allowed_domains="acme.test\nacme-group.test")
    beta = OrganisationSsoFactory(allowed_domains="beta.test")
    OrganisationSsoFactory(allowed_domains="off.test", enabled=False)
    assert sso_for_email("pat@ACME-group.test") == acme
    assert sso_for_email("kim@beta.test") == beta
    assert sso_for_email("kim@off.test") is None
    assert sso_for_email("kim@cme.test") is None  # a substring of a domain is not the domain
    assert sso_for_email("kim@sub.beta.test") is None
    assert sso_for_email("not-an-email") is None


def test_start_page_sends_an_allowed_domain_to_its_organisation(client):
    OrganisationSsoFactory(organisation__slug="acme", allowed_domains="acme.test")
    response = client.post("/sso/", {"email": "Pat@acme.test", "next": "/learn/"})
    assert response.status_code == 200
    url = "/sso/acme/login/?login_hint=pat%40acme.test&amp;next=%2Flearn%2F"
    assert f'<meta http-equiv="refresh" content="0;url={url}">'.encode() in response.content
    assert f'href="{url}"'.encode() in response.content


def test_start_page_explains_an_unknown_domain(client):
    OrganisationSsoFactory(allowed_domains="acme.test")
    response = client.post("/sso/", {"email": "pat@gmail.test"})
    assert response.status_code == 400
    assert b"No organisation signs in addresses at that domain here" in response.content


def test_the_login_page_offers_sso(client):
    response = client.get("/accounts/login/")
    assert b"Sign in with your organisation" in response.content


def _member(organisation, email="pat@acme.test"):
    member = participant_provision(organisation=organisation, email=email)
    member.user.set_password(PASSWORD)
    member.user.save()
    return member


@pytest.fixture
def sso_only():
    return OrganisationSsoFactory(organisation__slug="acme", password_login=False)


def test_password_login_allowed_rules(sso_only):
    member = _member(sso_only.organisation)
    assert not password_login_allowed(member.user)
    # A membership in an organisation that keeps passwords lets them in.
    OrganisationMember.objects.create(organisation=OrganisationFactory(), user=member.user)
    assert password_login_allowed(member.user)
    # SSO switched off: passwords work again.
    lone = _member(sso_only.organisation, "lone@acme.test")
    sso_only.enabled = False
    sso_only.save()
    assert password_login_allowed(lone.user)
    assert password_login_allowed(UserFactory())  # no membership


def test_staff_and_trainers_are_never_locked_out(sso_only):
    trainer = trainer_user()
    staff = UserFactory(is_staff=True)
    for user in (trainer, staff):
        OrganisationMember.objects.create(organisation=sso_only.organisation, user=user)
        assert password_login_allowed(user)


def test_login_form_refuses_a_password_for_an_sso_only_person(client, sso_only):
    member = _member(sso_only.organisation)
    response = client.post("/accounts/login/", {"username": member.user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Your organisation signs you in with single sign-on." in response.content
    assert b'<a href="/sso/">Sign in with your organisation</a>' in response.content


def test_login_form_still_works_when_password_login_is_on(client):
    sso = OrganisationSsoFactory(password_login=True)
    member = _member(sso.organisation)
    response = client.post("/accounts/login/", {"username": member.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.user.pk)


def test_a_wrong_password_does_not_reveal_sso(client, sso_only):
    member = _member(sso_only.organisation)
    response = client.post("/accounts/login/", {"username": member.user.username, "password": "wrong"})
    assert b"single sign-on" not in response.content


def test_password_reset_sends_nothing_to_an_sso_only_person(client, sso_only):
    _member(sso_only.organisation)
    open_org = OrganisationSsoFactory(password_login=True)
    _member(open_org.organisation, "kim@beta.test")
    mail.outbox.clear()
    client.post("/accounts/password_reset/", {"email": "pat@acme.test"})
    assert mail.outbox == []
    client.post("/accounts/password_reset/", {"email": "kim@beta.test"})
    assert [m.to for m in mail.outbox] == [["kim@beta.test"]]


def test_an_old_reset_link_does_not_work_once_password_login_is_off(client):
    sso = OrganisationSsoFactory(password_login=True)
    user = _member(sso.organisation).user
    url = f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"
    assert client.get(url, follow=True).context["validlink"] is True
    sso.password_login = False
    sso.save()
    client.logout()
    assert client.get(url, follow=True).context["validlink"] is False


# --- Admin ------------------------------------------------------------------------------------
@pytest.fixture
def admin_client_logged_in(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def _form_data(organisation, **overrides):
    data = {
        "organisation": organisation.pk,
        "enabled": "on",
        "issuer": "https://login.example.test/tenant/v2.0",
        "client_id": "abc",
        "client_secret": "a-very-secret-value-9876",
        "allowed_domains": "acme.test",
        "password_login": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_and_edits_without_showing_the_secret(admin_client_logged_in):
    client = admin_client_logged_in
    organisation = OrganisationFactory()
    response = client.post("/admin/organisation-sso/new/", _form_data(organisation))
    assert response.status_code == 302, response.content
    sso = OrganisationSso.objects.get()
    assert sso.client_secret == "a-very-secret-value-9876"
    page = client.get(f"/admin/organisation-sso/edit/{sso.pk}/")
    assert page.status_code == 200
    assert b"a-very-secret-value-9876" not in page.content
    assert "…9876".encode() in page.content
    # An empty secret keeps the stored one; a new one replaces it.
    response = client.post(f"/admin/organisation-sso/edit/{sso.pk}/", _form_data(organisation, client_secret=""))
    assert response.status_code == 302
    sso.refresh_from_db()
    assert sso.client_secret == "a-very-secret-value-9876"
    client.post(f"/admin/organisation-sso/edit/{sso.pk}/", _form_data(organisation, client_secret="new-secret-12345"))
    sso.refresh_from_db()
    assert sso.client_secret == "new-secret-12345"


def test_admin_refuses_a_config_without_domains_or_secret(admin_client_logged_in):
    organisation = OrganisationFactory()
    data = _form_data(organisation, allowed_domains="", client_secret="")
    response = admin_client_logged_in.post("/admin/organisation-sso/new/", data)
    assert response.status_code == 200
    assert not OrganisationSso.objects.exists()


def test_start_page_limits_lookups_per_client_address(client, settings):
    """Each lookup tells whether a domain signs in here: an address cannot list them by brute force."""
    from django.core.cache import cache

    cache.clear()
    settings.MICROLEARN_SSO_START_RATE = (3, 60)
    OrganisationSsoFactory(organisation__slug="acme", allowed_domains="acme.test")
    statuses = [
        client.post("/sso/", {"email": f"pat@guess{n}.test"}, REMOTE_ADDR="203.0.113.5").status_code for n in range(3)
    ]
    assert statuses == [400, 400, 400]
    response = client.post("/sso/", {"email": "pat@acme.test"}, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert b"acme" not in response.content.lower()  # blocked before the lookup: nothing revealed
    assert client.get("/sso/", REMOTE_ADDR="203.0.113.5").status_code == 200  # the form itself still shows
    assert client.post("/sso/", {"email": "pat@acme.test"}, REMOTE_ADDR="203.0.113.6").status_code == 200
    cache.clear()
