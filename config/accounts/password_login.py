"""Password login switched off per organisation (``OrganisationSso.password_login``, docs/sso.md).

A person whose memberships are all in organisations that sign in with single sign-on cannot log
in with a password on the site's login page, and the password reset neither emails them a link
nor accepts an old one. Staff and trainers are never locked out (``lms.selectors.sso``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.urls import reverse
from django.utils.html import format_html

from lms.roles import home_url
from lms.selectors.sso import password_login_allowed

SSO_REQUIRED = "sso_required"
MESSAGE = "Your organisation signs you in with single sign-on."


class PasswordLoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not password_login_allowed(user):
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}">Sign in with your organisation</a>.',
                    MESSAGE,
                    reverse("microlearn_lms:sso-start"),
                ),
                code=SSO_REQUIRED,
            )


class SiteLoginView(LoginView):
    """Without a safe ``next``, a trainer lands on their cohorts and everyone else on /learn/:
    the plugin decides (``lms.roles.home_url``, also behind ``LOGIN_REDIRECT_URL``'s ``/start/``)."""

    form_class = PasswordLoginForm

    def get_default_redirect_url(self):
        return home_url(self.request.user)


class SsoAwarePasswordResetConfirmView(PasswordResetConfirmView):
    """An old reset link of someone who must use single sign-on is an invalid link."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is not None and not password_login_allowed(user):
            return None
        return user
