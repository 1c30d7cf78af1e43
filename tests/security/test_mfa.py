"""Two-factor authentication: enrolment, the code step after every login form, recovery codes,
and MFA_REQUIRED for the roles that see personal data."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.factories_cohorts import trainer_user

pytestmark = pytest.mark.django_db


def code_for(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def enrol(client, user):
    """Enrol ``user`` through the pages; returns the device and the recovery codes."""
    client.force_login(user)
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("mfa_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
    device.refresh_from_db()
    assert device.confirmed and len(codes) == 10
    return device, codes


def password_login(client, url="/accounts/login/", username="pat"):
    client.logout()
    return client.post(url, {"username": username, "password": "pw-for-tests"})


def test_after_enrolment_every_login_form_asks_for_the_code(client):
    user = UserFactory(username="pat", is_staff=True, is_superuser=True)
    device, _ = enrol(client, user)
    for url, protected in (
        ("/accounts/login/", "/learn/"),
        ("/admin/login/", "/admin/"),
        ("/django-admin/login/", "/django-admin/"),
    ):
        password_login(client, url)
        response = client.get(protected)
        assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_verify"))
    wrong = client.post(reverse("mfa_verify"), {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    # A wrong code makes the next try wait (django-otp doubles the delay per failure) ...
    assert client.post(reverse("mfa_verify"), {"code": code_for(device, drift=1)}).status_code == 400
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=5))  # past any delay
    # ... after which the right code opens the page that was asked for.
    ok = client.post(reverse("mfa_verify"), {"code": code_for(device, drift=1), "next": "/django-admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/django-admin/"
    assert client.get("/django-admin/").status_code == 200


def test_a_code_is_not_accepted_twice(client):
    user = UserFactory(username="pat")
    device, _ = enrol(client, user)
    password_login(client)
    code = code_for(device, drift=1)
    assert client.post(reverse("mfa_verify"), {"code": code}).status_code == 302
    password_login(client)
    assert client.post(reverse("mfa_verify"), {"code": code}).status_code == 400


def test_recovery_codes_work_once(client):
    user = UserFactory(username="pat")
    _, codes = enrol(client, user)
    password_login(client)
    assert client.post(reverse("mfa_verify"), {"code": codes[0].upper()}).status_code == 302
    assert client.get("/learn/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    password_login(client)
    assert client.post(reverse("mfa_verify"), {"code": codes[0]}).status_code == 400
    assert client.get("/learn/").status_code == 302


def test_password_alone_cannot_enrol_a_second_device(client):
    user = UserFactory(username="pat")
    enrol(client, user)
    password_login(client)
    response = client.get(reverse("mfa_setup"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_verify")


@pytest.mark.parametrize(
    ("make", "required"),
    [
        (lambda: trainer_user(username="pat"), True),
        (lambda: UserFactory(username="pat", is_staff=True), True),
        (lambda: UserFactory(username="pat"), False),
    ],
    ids=["trainer", "staff", "participant"],
)
def test_mfa_required_sends_staff_and_trainers_to_enrolment(client, settings, make, required):
    settings.MFA_REQUIRED = True
    make()
    password_login(client)
    response = client.get("/learn/")
    if required:
        assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_setup"))
        assert "personal data" in client.get(response["Location"]).content.decode()
    else:
        assert response.status_code == 200


def test_without_the_setting_nobody_is_forced(client, settings):
    settings.MFA_REQUIRED = False
    trainer_user(username="pat")
    password_login(client)
    assert client.get("/learn/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client):
    user = UserFactory(username="pat")
    _, old = enrol(client, user)
    response = client.post(reverse("mfa_recovery_codes"))
    new = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)
