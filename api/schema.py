"""OpenAPI schema hooks: document only the HR API, not Wagtail's internal admin API."""


def only_hr_api(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
