"""Single sign-on pages: find the organisation by email, start the provider's login, and the
shared callback. Each refusal is a page saying what happened (4xx) and creates no session."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django import forms
from django.contrib import auth
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import ratelimit
from ..conf import conf
from ..oidc import BACKEND_PATH, OrganisationAuthenticationRequestView, OrganisationOIDCBackend
from ..roles import home_url
from ..selectors.sso import sso_by_id, sso_for_email, sso_for_slug
from ..services.sso import SsoRefused

logger = logging.getLogger(__name__)

SESSION_ORGANISATION = "sso_organisation"


class WorkEmailForm(forms.Form):
    email = forms.EmailField(
        label="Work email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text="Your organisation's address: we send you to its sign-in page.",
    )


def refused(request, error: SsoRefused):
    logger.info("sso: sign-in refused (%s)", error.reason)
    context = {"message": error.message, "reason": error.reason}
    return render(request, "microlearn_lms/sso/refused.html", context, status=error.status)


def _next_param(request) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


@never_cache
@require_http_methods(["GET", "POST"])
def sso_start(request):
    """ "Sign in with your organisation": the email's domain picks the organisation."""
    if request.method == "POST":
        # Each lookup says whether a domain signs in with SSO here: limited per address, like
        # certificate checks, so the form cannot be used to list our customers' domains.
        limit, window = conf.SSO_START_RATE
        if not ratelimit.hit("sso-start", ratelimit.client_ip(request), limit=limit, window=window):
            response = render(request, "microlearn_lms/sso/throttled.html", {"window": window}, status=429)
            response["Retry-After"] = str(window)
            return response
    form = WorkEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        sso = sso_for_email(email)
        if sso is not None:
            url = reverse("microlearn_lms:sso-login", args=[sso.organisation.slug])
            query = {"login_hint": email}
            if _next_param(request):
                query["next"] = _next_param(request)
            # A page that moves on by itself, not a redirect: the site's CSP (form-action 'self')
            # would stop a form submission that redirects on to another origin, the provider.
            context = {"organisation": sso.organisation, "url": f"{url}?{urlencode(query)}"}
            return render(request, "microlearn_lms/sso/continue.html", context)
        form.add_error(
            "email",
            "No organisation signs in addresses at that domain here. Check the address, or log in with your password.",
        )
    status = 400 if form.errors else 200
    return render(request, "microlearn_lms/sso/start.html", {"form": form, "next": _next_param(request)}, status=status)


@never_cache
@require_GET
def sso_login(request, slug: str):
    """Send the person to their organisation's provider (state, nonce and PKCE kept in the session)."""
    sso = sso_for_slug(slug)
    if sso is None:
        raise Http404("No single sign-on for this organisation.")
    hint = request.GET.get("login_hint", "")[:254]
    if hint and not sso.allows_email(hint):
        hint = ""
    view = OrganisationAuthenticationRequestView()
    view.setup(request)
    try:
        return view.start(request, sso, login_hint=hint)
    except SsoRefused as error:
        return refused(request, error)


def _pop_state(request, state: str) -> dict | None:
    states = request.session.get("oidc_states")
    if not isinstance(states, dict) or not state:
        return None
    for known in list(states):
        if constant_time_compare(known, state):
            entry = states.pop(known)
            request.session.modified = True
            request.session.save()  # used once, even if the rest fails
            return entry if isinstance(entry, dict) else None
    return None


@never_cache
@require_GET
def sso_callback(request):
    """Where every provider sends the person back: check everything, then log in."""
    state = request.GET.get("state", "")
    if request.GET.get("error"):
        _pop_state(request, state)
        description = request.GET.get("error_description", "")[:300]
        return refused(
            request,
            SsoRefused(
                "provider_error",
                "Your organisation's sign-in did not complete"
                + (f": {description}" if description else ".")
                + " Start the sign-in again.",
                status=403 if request.GET["error"] == "access_denied" else 400,
            ),
        )
    if not request.GET.get("code") or not state:
        return refused(request, SsoRefused("incomplete", "This sign-in answer is incomplete. Start the sign-in again."))
    entry = _pop_state(request, state)
    if entry is None:
        return refused(
            request,
            SsoRefused(
                "state",
                "This sign-in answer does not belong to a sign-in started in this browser, or it was already "
                "used. Start the sign-in again from the same browser.",
            ),
        )
    sso = sso_by_id(entry.get("sso"))
    if sso is None:
        return refused(request, SsoRefused("disabled", "Single sign-on is off for your organisation.", status=403))
    # RFC 9207: a provider that names itself in the answer must be the one we asked.
    returned_issuer = request.GET.get("iss")
    if returned_issuer and returned_issuer.rstrip("/") != sso.issuer.rstrip("/"):
        return refused(request, SsoRefused("issuer", "This sign-in answer came from another provider."))
    backend = OrganisationOIDCBackend()
    try:
        user = backend.authenticate(
            request, sso=sso, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
    except SsoRefused as error:
        return refused(request, error)
    if user is None or not user.is_active:
        return refused(request, SsoRefused("inactive", "This account cannot sign in.", status=403))
    next_url = request.session.pop("oidc_login_next", None)
    auth.login(request, user, backend=BACKEND_PATH)
    request.session[SESSION_ORGANISATION] = sso.organisation_id
    return HttpResponseRedirect(next_url or home_url(user))
