"""With media on S3, pages load images and audio from the bucket (or CDN): the production
Content-Security-Policy must allow exactly where django-storages points those URLs."""

from urllib.parse import urlsplit

import pytest
from storages.backends.s3 import S3Storage

from config.settings.base import content_security_policy, s3_media_origins, s3_storages

CONFIGURATIONS = {
    "aws with region": {"AWS_STORAGE_BUCKET_NAME": "learn-media", "AWS_S3_REGION_NAME": "eu-west-2"},
    "aws without region": {"AWS_STORAGE_BUCKET_NAME": "learn-media"},
    "aws path-style": {
        "AWS_STORAGE_BUCKET_NAME": "learn-media",
        "AWS_S3_REGION_NAME": "eu-west-2",
        "AWS_S3_ADDRESSING_STYLE": "path",
    },
    "minio path-style": {
        "AWS_STORAGE_BUCKET_NAME": "learn-media",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_S3_ADDRESSING_STYLE": "path",
    },
    "s3-compatible virtual-hosted": {
        "AWS_STORAGE_BUCKET_NAME": "learn-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
        "AWS_S3_REGION_NAME": "fr-par",
        "AWS_S3_ADDRESSING_STYLE": "virtual",
    },
    "cdn custom domain": {"AWS_STORAGE_BUCKET_NAME": "learn-media", "AWS_S3_CUSTOM_DOMAIN": "media.example.com"},
}


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    # Signing a URL happens locally: no request is made, any credentials do.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_csp_allows_the_origin_of_media_urls(name):
    env = CONFIGURATIONS[name]
    url = S3Storage(**s3_storages(env)["default"]["OPTIONS"]).url("original_images/logo.png")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    assert origin in s3_media_origins(env), url
    directives = dict(d.split(" ", 1) for d in content_security_policy(s3_media_origins(env)).split("; "))
    assert origin in directives["img-src"].split() and origin in directives["media-src"].split()
    assert origin not in directives["script-src"] and origin not in directives["default-src"]


def test_explicit_csp_media_origins_replace_the_guess_and_local_media_adds_none():
    env = {"AWS_STORAGE_BUCKET_NAME": "b", "CSP_MEDIA_ORIGINS": "https://a.example, https://b.example"}
    assert s3_media_origins(env) == ["https://a.example", "https://b.example"]
    assert s3_media_origins({}) == []
    assert "img-src 'self' data: blob:;" in content_security_policy()
