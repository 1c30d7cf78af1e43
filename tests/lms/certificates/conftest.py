import pytest
from django.core.cache import cache

from tests.factories_certificates import issued_certificate


@pytest.fixture(autouse=True)
def certificate_storage(settings, tmp_path):
    """Each test stores PDFs in its own temporary folder; the verification throttle starts empty."""
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "certificates")},
        },
    }
    cache.clear()
    yield tmp_path / "certificates"
    cache.clear()


@pytest.fixture
def certificate(mini_programme):
    return issued_certificate(mini_programme, first_name="Ada", last_name="Lovelace")
