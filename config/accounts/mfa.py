"""Two-factor authentication with django-otp: TOTP (an authenticator app) plus recovery codes.

* Anyone may enrol at ``/accounts/2fa/``. Once a person has a confirmed device, every login
  (the site's, Wagtail's ``/admin/login/``, Django's ``/django-admin/login/``) is followed by the
  code page before any other page opens.
* ``MFA_REQUIRED = True`` makes it compulsory for the people who see personal data: staff,
  Wagtail admin users and trainers (``lms.selectors.cohorts.is_trainer``). Without a device they
  go to the enrolment page after the password, and nowhere else.
* Recovery codes (``StaticDevice``, ``MFA_RECOVERY_CODES`` of them) are single-use and shown once.
* A learner who signs in with their organisation's single sign-on is not asked for a code:
  the organisation's provider does MFA (docs/sso.md). Staff and trainers still are.
* Wrong codes slow down: django-otp's throttling doubles the wait after each failure per device.

The login marks the session (``SESSION_KEY``), so the check on each request reads the session and
costs no query.
"""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

SESSION_KEY = "mfa_pending"  # "verify" (has a device) or "setup" (required, none yet)
VERIFY, SETUP = "verify", "setup"
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def mfa_required() -> bool:
    return bool(getattr(settings, "MFA_REQUIRED", False))


def sees_personal_data(user) -> bool:
    """Staff, Wagtail admin users and trainers: the roles ``MFA_REQUIRED`` applies to."""
    from lms.roles import is_trainer

    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or is_trainer(user) or user.has_perm("wagtailadmin.access_admin")


def signed_in_with_sso(request) -> bool:
    """The session was logged in by the organisation SSO backend (lms.oidc)."""
    from django.contrib.auth import BACKEND_SESSION_KEY

    from lms.oidc import BACKEND_PATH

    return request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH


def mark_second_factor_pending(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: what the session still owes after the password."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.get(DEVICE_ID_SESSION_KEY):  # verified while logging in
        request.session.pop(SESSION_KEY, None)
        return
    if signed_in_with_sso(request) and not sees_personal_data(user):
        # The organisation's provider did the sign-in and its own MFA (docs/sso.md): a learner
        # is not asked for the site's code. Staff and trainers still are.
        request.session.pop(SESSION_KEY, None)
        return
    if user_has_device(user):
        request.session[SESSION_KEY] = VERIFY
    elif mfa_required() and sees_personal_data(user):
        request.session[SESSION_KEY] = SETUP
    else:
        request.session.pop(SESSION_KEY, None)


class SecondFactorMiddleware:
    """Until the session's second factor is done, every page except the 2FA pages, logout and
    static files redirects to the code page (or, when enrolment is required, to enrolment)."""

    ALLOWED = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        pending = session.get(SESSION_KEY) if session is not None else None
        if pending and not request.path.startswith(self.ALLOWED) and request.user.is_authenticated:
            target = reverse("mfa_verify" if pending == VERIFY else "mfa_setup")
            query = "?" + urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(target + query)
        return self.get_response(request)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _verified(request, device) -> None:
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def qr_svg(url: str) -> str:
    """The enrolment QR code as an inline SVG (no script, no style attribute: fits the CSP)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=5, border=2, title="QR code")
    return out.getvalue().decode()


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(getattr(settings, "MFA_RECOVERY_CODES", 10))]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
@require_http_methods(["GET"])
def manage(request):
    devices = list(devices_for_user(request.user))
    totp = next((d for d in devices if isinstance(d, TOTPDevice)), None)
    recovery = next((d for d in devices if isinstance(d, StaticDevice)), None)
    context = {
        "totp": totp,
        "recovery_left": recovery.token_set.count() if recovery else 0,
        "required": mfa_required() and sees_personal_data(request.user),
    }
    return render(request, "accounts/mfa_manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code."""
    if user_has_device(request.user) and request.session.get(SESSION_KEY) == VERIFY:
        return redirect("mfa_verify")
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("mfa_manage")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=TOTP_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(request.user)
            _verified(request, device)
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", "That code is not right. Check the time on your phone and try the newest code.")
    context = {
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
        "next": request.GET.get("next", ""),
        "required": request.session.get(SESSION_KEY) == SETUP,
    }
    return render(request, "accounts/mfa_setup.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of a login: a code from the app or a recovery code."""
    if request.session.get(SESSION_KEY) != VERIFY:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"You used a recovery code; {left} left. Make new ones on your 2FA page.")
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right, or was already used. Wait for a new code and try again.")
    context = {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))}
    return render(request, "accounts/mfa_verify.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def recovery_codes(request):
    """New recovery codes (the old ones stop working); only from a verified session."""
    if not request.user.is_verified():
        return redirect("mfa_manage")
    codes = _new_recovery_codes(request.user)
    return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": reverse("mfa_manage")})
