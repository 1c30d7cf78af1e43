"""django-axes on every login form (docs/security.md)."""

from axes.backends import AxesStandaloneBackend


class AxesBackend(AxesStandaloneBackend):
    """Axes' lockout check for every ``authenticate()`` that comes with a request: the site's
    login page, Wagtail's ``/admin/login/`` and Django's ``/django-admin/login/``.

    A call without a request (a management command, the test client's ``login()``) is left to
    the next backend: there is no client to lock out, and no web form reaches it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials) -> str:
    """Count ``Pat``, ``pat `` and ``PAT`` as one account, so case tricks do not multiply the tries."""
    credentials = credentials or {}
    value = credentials.get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return str(value or "").strip().lower()
