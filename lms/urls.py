from django.urls import path

from .views import certificates, learning, participant

app_name = "lms"

urlpatterns = [
    path("learn/", participant.learn_home, name="learn"),
    path("learn/courses/<int:course_id>/enrol/", learning.enrol, name="enrol"),
    path("learn/modules/<int:module_id>/confirm/", learning.module_confirm, name="module_confirm"),
    path("learn/modules/<int:module_id>/quiz/", learning.quiz_start, name="quiz_start"),
    path("learn/attempts/<uuid:uuid>/", learning.attempt_detail, name="attempt"),
    path("learn/attempts/<uuid:uuid>/result/", learning.attempt_result, name="attempt_result"),
    path("certificates/verify/", certificates.verify_lookup, name="certificate_verify_lookup"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate_verify"),
    path("certificates/<uuid:uuid>/download/", certificates.download, name="certificate_download"),
]
