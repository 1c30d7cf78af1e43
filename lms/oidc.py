"""OpenID Connect with mozilla-django-oidc, read per organisation instead of from global settings.

The library's backend and request view read ``OIDC_*`` settings; here ``get_settings`` answers
from the organisation's ``OrganisationSso`` and the provider's discovery document, so one site
serves any number of providers. What the library leaves open is closed here: the ID token's
audience, issuer, expiry and issue time are checked (the library skips the audience), the
userinfo ``sub`` must match the ID token's, and every failure is an ``SsoRefused`` with a
message for the person (docs/sso.md, docs/decisions/0005-oidc-with-mozilla-django-oidc.md).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.utils.crypto import constant_time_compare
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from .conf import conf
from .models import OrganisationSso
from .services.sso import SsoRefused, sso_member_sign_in

logger = logging.getLogger(__name__)

BACKEND_PATH = "lms.oidc.OrganisationOIDCBackend"
CALLBACK_URL_NAME = "microlearn_lms:sso-callback"
SCOPES = "openid email profile"
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256")
CLOCK_LEEWAY_SECONDS = 60


def _unreachable(sso: OrganisationSso) -> SsoRefused:
    return SsoRefused(
        "provider_unreachable",
        f"We could not reach {sso.organisation.name}'s sign-in service. Try again in a few minutes.",
        status=502,
    )


def _bad_signature() -> SsoRefused:
    return SsoRefused("signature", "Your organisation's sign-in answer was not signed by its provider.")


def provider_metadata(sso: OrganisationSso) -> dict:
    """The provider's discovery document (cached ``SSO_DISCOVERY_CACHE_SECONDS``); its ``issuer``
    must be the configured one, as OpenID Connect Discovery requires."""
    key = f"microlearn:oidc-discovery:{sso.issuer}"
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    try:
        response = requests.get(
            f"{sso.issuer.rstrip('/')}/.well-known/openid-configuration", timeout=conf.SSO_HTTP_TIMEOUT
        )
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError):
        logger.warning("sso: discovery failed for %s", sso.issuer, exc_info=True)
        raise _unreachable(sso) from None
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
    if not isinstance(metadata, dict) or any(not metadata.get(name) for name in needed):
        raise _unreachable(sso)
    if metadata["issuer"].rstrip("/") != sso.issuer.rstrip("/"):
        logger.warning("sso: %s publishes issuer %r", sso.issuer, metadata["issuer"])
        raise _unreachable(sso)
    cache.set(key, metadata, conf.SSO_DISCOVERY_CACHE_SECONDS)
    return metadata


class _PerOrganisationSettings:
    """``get_settings`` from one organisation's configuration instead of Django settings."""

    sso: OrganisationSso | None = None
    metadata: dict | None = None

    def use_organisation(self, sso: OrganisationSso) -> None:
        self.sso = sso
        self.metadata = provider_metadata(sso)
        self.OIDC_OP_AUTH_ENDPOINT = self.metadata["authorization_endpoint"]
        self.OIDC_OP_TOKEN_ENDPOINT = self.metadata["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = self.metadata["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = self.metadata["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = sso.client_id
        self.OIDC_RP_CLIENT_SECRET = sso.client_secret
        self.OIDC_RP_IDP_SIGN_KEY = None

    def get_settings(self, attr, *args):
        fixed = {
            "OIDC_RP_SCOPES": SCOPES,
            "OIDC_USE_NONCE": True,
            "OIDC_USE_PKCE": True,
            "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
            "OIDC_AUTHENTICATION_CALLBACK_URL": CALLBACK_URL_NAME,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_VERIFY_SSL": True,
            "OIDC_TIMEOUT": conf.SSO_HTTP_TIMEOUT,
            "OIDC_PROXY": None,
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_STORE_ID_TOKEN": False,
            "OIDC_CREATE_USER": False,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
            "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {},
            "OIDC_REDIRECT_FIELD_NAME": "next",
        }
        if attr in fixed:
            return fixed[attr]
        if args:
            return args[0]
        raise AttributeError(f"{attr} is not read per organisation")


class OrganisationOIDCBackend(_PerOrganisationSettings, OIDCAuthenticationBackend):
    """The library's backend, answering only when the SSO callback calls it with ``sso=``.

    It must be in ``AUTHENTICATION_BACKENDS`` (the session remembers it); a password login
    never reaches it (no ``sso`` argument: ``None``)."""

    def __init__(self, *args, **kwargs):  # the library's reads global settings
        self.UserModel = get_user_model()

    def authenticate(self, request, sso=None, nonce=None, code_verifier=None, **kwargs):
        if request is None or sso is None:
            return None
        self.use_organisation(sso)
        self.OIDC_RP_SIGN_ALGO = "RS256"
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except requests.HTTPError as exc:
            response = exc.response
            token_error = response is not None and response.url.startswith(self.OIDC_OP_TOKEN_ENDPOINT)
            if token_error and response.status_code in (400, 401):
                raise SsoRefused(
                    "code",
                    "This sign-in link has already been used or has expired. Start the sign-in again.",
                ) from None
            raise _unreachable(sso) from None
        except requests.RequestException:
            raise _unreachable(sso) from None

    # --- ID token checks ----------------------------------------------------------------------
    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except (SuspiciousOperation, jwt.PyJWTError):
            raise _bad_signature() from None

    def verify_token(self, token, **kwargs):
        if not token:
            raise SsoRefused("token", "Your organisation's sign-in answer had no ID token.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SsoRefused("token", "Your organisation's sign-in answer could not be read.") from None
        if header.get("alg") not in SIGN_ALGORITHMS:
            raise _bad_signature()
        self.OIDC_RP_SIGN_ALGO = header["alg"]
        key = self.retrieve_matching_jwk(token)
        payload = self._verify_jws(token, key)
        nonce = kwargs.get("nonce")
        if not nonce or not constant_time_compare(str(payload.get("nonce") or ""), nonce):
            raise SsoRefused("nonce", "This sign-in answer does not belong to the sign-in you started. Start again.")
        return payload

    def _verify_jws(self, payload, key):
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.metadata["issuer"],
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidAudienceError:
            raise SsoRefused("audience", "This sign-in answer was meant for another application.") from None
        except jwt.InvalidIssuerError:
            raise SsoRefused("issuer", "This sign-in answer came from another provider.") from None
        except jwt.ExpiredSignatureError:
            raise SsoRefused("expired", "This sign-in answer has expired. Start the sign-in again.") from None
        except (jwt.InvalidSignatureError, jwt.DecodeError):
            raise _bad_signature() from None
        except jwt.PyJWTError:
            raise SsoRefused("token", "Your organisation's sign-in answer could not be checked.") from None

    # --- From claims to a member --------------------------------------------------------------
    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SsoRefused("subject", "Your organisation's sign-in answers did not agree on who you are.")
        claims = {**payload, **userinfo}
        member = sso_member_sign_in(sso=self.sso, claims=claims)
        return member.user


class OrganisationAuthenticationRequestView(_PerOrganisationSettings, OIDCAuthenticationRequestView):
    """The library's request view (state, nonce, PKCE S256 in the session) for one organisation."""

    def __init__(self, *args, **kwargs):  # the library's reads global settings
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def start(self, request, sso: OrganisationSso, *, login_hint: str = ""):
        self.use_organisation(sso)
        self.login_hint = login_hint
        response = super().get(request)
        # Remember which organisation each state belongs to: the callback is shared.
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["sso"] = sso.pk
        request.session.modified = True
        return response

    def get_extra_params(self, request):
        return {"login_hint": self.login_hint} if self.login_hint else {}
