"""Where certificate PDFs are stored: the ``certificates`` alias of ``STORAGES``.

The PDFs are private (downloads go through a permission-checked view), so they get their own
storage rather than the public media storage. A host site that does not define the alias falls
back to the default storage. Resolved lazily, and again whenever ``STORAGES`` changes (tests).
"""

from django.core.files.storage import InvalidStorageError, default_storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

ALIAS = "certificates"


class CertificateStorage(LazyObject):
    def _setup(self):
        try:
            self._wrapped = storages[ALIAS]
        except InvalidStorageError:
            self._wrapped = default_storage


certificate_storage = CertificateStorage()


def get_certificate_storage():
    """Callable for ``FileField(storage=...)`` so migrations reference it, not a resolved backend."""
    return certificate_storage


def _reset(*, setting, **kwargs):
    if setting in {"STORAGES", "MEDIA_ROOT"}:
        certificate_storage._wrapped = empty


setting_changed.connect(_reset)
