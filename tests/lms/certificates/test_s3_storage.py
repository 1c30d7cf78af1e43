"""Certificates and media on S3-compatible storage, against a fake S3 (moto, no network).

The storage options come from ``config.settings.base.s3_storages``, the function the production
settings use, so this checks the configuration that is deployed, not a copy of it.
"""

import io

import boto3
import pytest
from django.core.files.images import ImageFile
from django.urls import reverse
from moto import mock_aws
from PIL import Image as PILImage
from pypdf import PdfReader

from config.settings.base import s3_storages
from lms.certificates.storage import certificate_storage
from tests.factories import UserFactory
from tests.factories_certificates import issued_certificate

pytestmark = pytest.mark.django_db

REGION = "eu-west-2"
BUCKET = "hst-site"
ENV = {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_REGION_NAME": REGION}
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


@pytest.fixture
def s3(settings, monkeypatch, certificate_storage):
    """A fake S3 with one bucket; media and certificates configured as production would be."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any credentials
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = {**settings.STORAGES, **s3_storages(ENV)}
        yield client


def keys(client, prefix: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def png_logo():
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (300, 90), (12, 90, 160)).save(buffer, format="PNG")
    return Image.objects.create(title="Logo", file=ImageFile(buffer, name="logo.png"))


def test_certificate_pdf_is_stored_privately_in_the_bucket_and_streamed_to_its_holder_only(client, s3, mini_programme):
    from lms.certificates.pdf import design_for_site

    design = design_for_site()
    design.logo = png_logo()  # media on S3 too: the renderer reads the logo's rendition from the bucket
    design.save()

    certificate = issued_certificate(mini_programme, first_name="Ada", last_name="Lovelace")

    assert type(certificate_storage._wrapped).__name__ == "S3Storage"
    key = f"private/{certificate.pdf.name}"
    assert key.startswith(f"private/certificates/{certificate.issued_on:%Y}/{certificate.uuid}")
    assert keys(s3, "private/") == [key]
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert stored.startswith(b"%PDF")
    grantees = {grant["Grantee"].get("URI") for grant in s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]}
    assert not grantees & PUBLIC_GRANTEES
    # Any URL the storage would hand out is signed and short-lived, never a public address.
    url = certificate.pdf.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url

    media = keys(s3, "media/")
    assert any(name.startswith("media/original_images/logo") for name in media)
    assert any(name.startswith("media/images/logo") for name in media), media  # the rendition
    assert not any("certificates" in name for name in media)
    page = PdfReader(io.BytesIO(stored)).pages[0]
    images = [o for o in page["/Resources"]["/XObject"].values() if o.get_object()["/Subtype"] == "/Image"]
    assert images, "the logo from the bucket is in the PDF"

    path = reverse("microlearn_lms:certificate_download", kwargs={"uuid": certificate.uuid})
    client.force_login(certificate.enrolment.user)
    response = client.get(path)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == stored

    client.force_login(UserFactory())
    assert client.get(path).status_code == 404


def test_a_separate_certificates_bucket(settings, s3, mini_programme):
    s3.create_bucket(Bucket="hst-private", CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, **s3_storages({**ENV, "AWS_CERTIFICATES_BUCKET_NAME": "hst-private"})}

    certificate = issued_certificate(mini_programme)

    listed = s3.list_objects_v2(Bucket="hst-private").get("Contents", [])
    assert [item["Key"] for item in listed] == [f"private/{certificate.pdf.name}"]
    assert keys(s3, "") == []  # nothing in the media bucket
