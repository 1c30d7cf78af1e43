"""``Authorization: Bearer mca_<prefix>_<secret>``: one organisation's API key."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiKey

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute per key


class ApiClient:
    """The ``request.user`` of an API request: the key's organisation, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.organisation = api_key.organisation

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not raw.strip():
            raise exceptions.AuthenticationFailed("Send the API key as 'Authorization: Bearer <key>'.")
        parts = ApiKey.split(raw.strip())
        if parts is None:
            raise exceptions.AuthenticationFailed("The API key is malformed.")
        prefix, secret = parts
        key = ApiKey.objects.active().select_related("organisation").filter(prefix=prefix).first()
        if key is None or not key.matches(secret):
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return ApiClient(key), key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.v1.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organisation's API key: `Authorization: Bearer mca_<prefix>_<secret>`.",
        }
