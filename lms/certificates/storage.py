"""Where certificate PDFs are stored: the ``STORAGES`` alias named by ``MICROLEARN_CERTIFICATE_STORAGE``
(``"certificates"`` by default).

The PDFs are private (downloads go through a permission-checked view), so they get their own
storage rather than the public media storage. A site without the alias fails the system check
``microlearn.E002``; if that check is silenced, the default storage is used. Resolved lazily,
and again whenever ``STORAGES`` or the setting changes (tests).
"""

from django.core.files.storage import InvalidStorageError, default_storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

from ..conf import PREFIX, conf


class CertificateStorage(LazyObject):
    def _setup(self):
        try:
            self._wrapped = storages[conf.CERTIFICATE_STORAGE]
        except InvalidStorageError:
            self._wrapped = default_storage


certificate_storage = CertificateStorage()


def get_certificate_storage():
    """Callable for ``FileField(storage=...)`` so migrations reference it, not a resolved backend."""
    return certificate_storage


def _reset(*, setting, **kwargs):
    if setting in {"STORAGES", "MEDIA_ROOT", f"{PREFIX}CERTIFICATE_STORAGE"}:
        certificate_storage._wrapped = empty


setting_changed.connect(_reset)
