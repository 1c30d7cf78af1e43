"""A trainer enrols TOTP, signs out, signs in with a code, then with a recovery code (Chromium)."""

import base64
import re

import pytest
from django.utils import timezone
from django_otp.oath import totp

from tests.factories_cohorts import cohort_for, trainer_user

pytestmark = pytest.mark.django_db(transaction=True)


def code(secret: str, drift: int = 0) -> str:
    return f"{totp(base64.b32decode(secret), drift=drift):06d}"


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "trainer")
    page.fill("#id_password", "pw-for-tests")
    page.click("button:has-text('Log in')")


def sign_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"^[^?]*/$"))


def test_trainer_enrols_totp_and_signs_in_with_codes(strict_page, settings, mini_programme):
    """Under the site's real Content-Security-Policy (no inline script or style on these pages)."""
    page = strict_page
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    settings.MFA_REQUIRED = True
    trainer = trainer_user(username="trainer")
    cohort_for(mini_programme, trainers=[trainer], start=timezone.localdate())

    sign_in(page)
    page.wait_for_url(re.compile(r"^[^?]*/accounts/2fa/setup/"))
    assert page.locator("figure.mfa-qr svg").count() == 1
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#id_code", code(secret))
    page.click("button:has-text('Turn on two-factor authentication')")
    recovery = page.locator("#recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    page.click("a:has-text('Continue')")
    page.wait_for_url(re.compile(r"^[^?]*/trainer/cohorts/$"))  # a trainer's home after signing in

    sign_out(page)
    sign_in(page)
    page.wait_for_url(re.compile(r"^[^?]*/accounts/2fa/verify/"))
    page.goto("/trainer/cohorts/")
    page.wait_for_url(re.compile(r"^[^?]*/accounts/2fa/verify/"))  # nothing else opens before the code
    page.fill("#id_code", code(secret, drift=1))  # the next step: the enrolment code cannot be replayed
    page.click("button:has-text('Verify')")
    page.wait_for_url(re.compile(r"^[^?]*/trainer/cohorts/$"))
    assert page.locator("h1").first.is_visible()

    sign_out(page)
    sign_in(page)
    page.wait_for_url(re.compile(r"^[^?]*/accounts/2fa/verify/"))
    page.fill("#id_code", recovery[0])
    page.click("button:has-text('Verify')")
    page.wait_for_url(re.compile(r"^[^?]*/trainer/cohorts/$"))
    assert "recovery code" in page.inner_text(".messages")

    sign_out(page)
    sign_in(page)
    page.fill("#id_code", recovery[0])  # used up
    page.click("button:has-text('Verify')")
    assert "not right" in page.inner_text("main")
    assert "/accounts/2fa/verify/" in page.url
    assert refused == []
