from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),  # the demo's audio download links
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("api.v1.urls")),  # the HR REST API
    path("scim/v2/", include("api.scim.urls")),  # SCIM provisioning (docs/scim.md)
    path("", include("lms.urls")),
    path("", include(wagtail_urls)),  # Wagtail's catch-all comes last
]
