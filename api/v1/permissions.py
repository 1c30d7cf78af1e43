"""Scopes: a read key may use safe methods only; a read-write key may also change data."""

from rest_framework import permissions

from api.models import ApiKey


class HasApiKeyScope(permissions.BasePermission):
    message = "This API key is read-only; the request needs a read-write key."

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "read_only_post", False):
            return True  # read_only_post: a POST that only reads (a search with a body)
        return key.can_write
