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


@pytest.fixture
def mini_course_two(mini_programme):
    from courses.models import CoursePage

    other = CoursePage(title="Second course", slug="second-course", summary="Another.")
    mini_programme.get_parent().add_child(instance=other)
    return other
