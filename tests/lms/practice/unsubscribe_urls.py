"""A URLconf with a stand-in ``microlearn_lms:practice_unsubscribe`` view (built on feat/plans)."""

from django.http import HttpResponse
from django.urls import include, path

from lms import urls as lms_urls


def unsubscribe(request, token):
    return HttpResponse("unsubscribed")


urlpatterns = [
    path(
        "",
        include(
            (
                [*lms_urls.urlpatterns, path("unsubscribe/<str:token>/", unsubscribe, name="practice_unsubscribe")],
                "microlearn_lms",
            )
        ),
    ),
]
