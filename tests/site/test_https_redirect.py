"""Behind the proxy: HTTPS redirect for pages, but the health check answers plain HTTP probes."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_redirect_to_https_but_healthz_answers_plain_http_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/accounts/login/"
    # The proxy says the client used HTTPS (SECURE_PROXY_SSL_HEADER, as in production): no redirect.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
