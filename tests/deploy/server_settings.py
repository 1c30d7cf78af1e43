"""The production settings the deploy tests run gunicorn with, changed in one place only.

``CompressedManifestStaticFilesStorage`` needs ``collectstatic`` (about a minute of hashing and
compressing) before any template can render ``{% static %}``. Static files are build output, not
state, so these servers use the plain static storage; everything else is ``config.settings.production``.
"""

from config.settings.production import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
