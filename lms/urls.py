from django.urls import path

from .views import certificates, participant

app_name = "lms"

urlpatterns = [
    path("learn/", participant.learn_home, name="learn"),
    path("certificates/verify/", certificates.verify_lookup, name="certificate_verify_lookup"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate_verify"),
    path("certificates/<uuid:uuid>/download/", certificates.download, name="certificate_download"),
]
