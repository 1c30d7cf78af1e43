"""Single sign-on in Chromium through a real OpenID provider (oidc-provider on loopback): a first
sign-in lands on /learn/ as the organisation's new member; a refused domain gets a clear page."""

import re

import pytest

from lms.models import OrganisationMember, SsoIdentity
from tests.factories_sso import OrganisationSsoFactory
from tests.sso.provider import running_provider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def live_provider(live_server):
    with running_provider([f"{live_server.url}/sso/callback/"]) as provider:
        yield provider


@pytest.fixture
def acme(live_provider):
    from django.core.cache import cache

    cache.clear()
    return OrganisationSsoFactory(
        organisation__name="Acme",
        organisation__slug="acme",
        issuer=live_provider.issuer,
        client_id=live_provider.client.client_id,
        client_secret=live_provider.client.client_secret,
        allowed_domains="acme.test",
        password_login=False,
    )


def test_first_sign_in_through_the_provider_lands_on_learn(strict_page, acme, assert_accessible):
    """Under the site's real Content-Security-Policy: the hop to the provider must not be blocked."""
    page = strict_page
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.wait_for_url(re.compile(r"/sso/$"))
    assert_accessible(page)
    page.get_by_label("Work email").fill("robin@acme.test")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/interaction/"))  # the provider's own login page
    assert page.get_by_label("Email").input_value() == "robin@acme.test"  # login_hint passed on
    page.get_by_label("Subject").fill("acme-emp-42")
    page.get_by_label("Given name").fill("Robin")
    page.get_by_label("Family name").fill("Quay")
    page.get_by_role("button", name="Sign in at the provider").click()

    page.wait_for_url(re.compile(r"^[^?]*/learn/$"))
    assert page.get_by_role("button", name="Log out").is_visible()
    member = OrganisationMember.objects.select_related("user").get(organisation=acme.organisation)
    assert (member.user.email, member.user.first_name) == ("robin@acme.test", "Robin")
    assert SsoIdentity.objects.get().subject == "acme-emp-42"


def test_a_refused_domain_gets_a_clear_page_and_no_session(page, acme, assert_accessible):
    page.goto("/sso/")
    page.get_by_label("Work email").fill("robin@gmail.test")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("No organisation signs in addresses at that domain here").is_visible()

    # Through the organisation's own URL, the provider vouches for an address Acme does not allow.
    page.goto("/sso/acme/login/")
    page.wait_for_url(re.compile(r"/interaction/"))
    page.get_by_label("Subject").fill("outsider-1")
    page.get_by_label("Email").fill("robin@gmail.test")
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_url(re.compile(r"/sso/callback/"))
    assert page.get_by_role("heading", name="We could not sign you in").is_visible()
    assert page.get_by_text("Acme does not sign in addresses at gmail.test here").is_visible()
    assert_accessible(page)
    assert page.get_by_role("button", name="Log out").count() == 0
    page.goto("/learn/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert not OrganisationMember.objects.exists()
