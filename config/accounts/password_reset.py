"""Password reset that cannot be abused (docs/security.md).

* Throttled per client address (``PASSWORD_RESET_RATE_PER_IP``) and per email address
  (``PASSWORD_RESET_RATE_PER_EMAIL``), both ``(requests, seconds)``; over either: 429.
* The email goes through the task worker; links are Django's: single-use (the token depends on
  the password hash and last login) and valid for ``PASSWORD_RESET_TIMEOUT`` seconds.
* People whose organisation switched password login off get no email (checked in the worker).
* A known and an unknown address cost the request the same work: one lookup, one task enqueued
  (with no user ids for an unknown address), so the timing does not tell them apart.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.contrib.sites.shortcuts import get_current_site
from django.shortcuts import render

from lms import ratelimit

DEFAULT_RATE_PER_IP = (10, 3600)
DEFAULT_RATE_PER_EMAIL = (3, 3600)


def send_reset_emails(*, user_ids: list[int], domain: str, site_name: str, use_https: bool) -> int:
    """Worker side: render Django's reset email for each user (fresh token) and send it."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    form = PasswordResetForm()
    sent = 0
    email_field = get_user_model().get_email_field_name()
    from lms.selectors.sso import password_login_allowed

    for user in get_user_model()._default_manager.filter(pk__in=user_ids, is_active=True):
        # Not those who must sign in with single sign-on (docs/sso.md): checked here, in the
        # worker, so the request does the same work for them as for anyone.
        if not password_login_allowed(user):
            continue
        context = {
            "email": getattr(user, email_field),
            "domain": domain,
            "site_name": site_name,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
            "protocol": "https" if use_https else "http",
        }
        form.send_mail(
            "registration/password_reset_subject.txt",
            "registration/password_reset_email.html",
            context,
            None,
            getattr(user, email_field),
        )
        sent += 1
    return sent


class QueuedPasswordResetForm(PasswordResetForm):
    def save(self, *, domain_override=None, use_https=False, request=None, **kwargs):
        from .tasks import password_reset_email_send

        site = get_current_site(request)
        user_ids = [user.pk for user in self.get_users(self.cleaned_data["email"])]
        # Enqueued whether or not anyone matched: the same work on both paths.
        password_reset_email_send.enqueue(
            user_ids=user_ids,
            domain=domain_override or site.domain,
            site_name=domain_override or site.name,
            use_https=use_https,
        )


def _rate(name: str, default: tuple[int, int]) -> tuple[int, int]:
    return tuple(getattr(settings, name, default))


def _too_many(request, window: int):
    response = render(request, "registration/password_reset_throttled.html", {"minutes": window // 60}, status=429)
    response["Retry-After"] = str(window)
    return response


class ThrottledPasswordResetView(PasswordResetView):
    form_class = QueuedPasswordResetForm

    def post(self, request, *args, **kwargs):
        limit, window = _rate("PASSWORD_RESET_RATE_PER_IP", DEFAULT_RATE_PER_IP)
        if not ratelimit.hit("password-reset-ip", ratelimit.client_ip(request), limit=limit, window=window):
            return _too_many(request, window)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        limit, window = _rate("PASSWORD_RESET_RATE_PER_EMAIL", DEFAULT_RATE_PER_EMAIL)
        address = form.cleaned_data["email"].strip().lower()
        if not ratelimit.hit("password-reset-email", address, limit=limit, window=window):
            return _too_many(self.request, window)
        return super().form_valid(form)
