import json

import pytest
from django.core.cache import cache

from lms.credentials import services, verify
from tests.factories_certificates import issued_certificate


@pytest.fixture(autouse=True)
def certificate_storage(settings, tmp_path):
    """PDFs in a temporary folder; the verification throttle starts empty."""
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
def credential(certificate):
    from lms.models import IssuedCredential

    return IssuedCredential.objects.get(kind="certificate", object_id=str(certificate.uuid))


def public_check(text: str, **kwargs):
    """Verify as an outsider: only the served DID document and status list, round-tripped through JSON."""
    did_document = json.loads(json.dumps(services.did_document()))
    return verify.verify(text, did_document=did_document, status_list=services.status_list_jwt(), **kwargs)


@pytest.fixture
def mini_course_two(mini_programme):
    from courses.models import CoursePage

    other = CoursePage(title="Second course", slug="second-course", summary="Another.")
    mini_programme.get_parent().add_child(instance=other)
    return other
