from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import events, views

app_name = "microlearn_api"

urlpatterns = [
    path("participants/", views.ParticipantListCreate.as_view(), name="participant-list"),
    path("participants/search/", views.ParticipantSearch.as_view(), name="participant-search"),
    path("participants/<uuid:id>/", views.ParticipantDetail.as_view(), name="participant-detail"),
    path("participants/<uuid:id>/deactivate/", views.ParticipantDeactivate.as_view(), name="participant-deactivate"),
    path("participants/<uuid:id>/reactivate/", views.ParticipantReactivate.as_view(), name="participant-reactivate"),
    path("participants/<uuid:id>/erase/", views.ParticipantErase.as_view(), name="participant-erase"),
    path("courses/", views.CourseList.as_view(), name="course-list"),
    path("courses/<uuid:id>/", views.CourseDetail.as_view(), name="course-detail"),
    path("cohorts/", views.CohortListCreate.as_view(), name="cohort-list"),
    path("cohorts/<uuid:id>/", views.CohortDetail.as_view(), name="cohort-detail"),
    path("cohorts/<uuid:id>/challenge-stats/", views.CohortChallengeStats.as_view(), name="cohort-challenge-stats"),
    path("enrolments/", views.EnrolmentListCreate.as_view(), name="enrolment-list"),
    path("enrolments/bulk/", views.EnrolmentBulk.as_view(), name="enrolment-bulk"),
    path("enrolments/<uuid:id>/", views.EnrolmentDetail.as_view(), name="enrolment-detail"),
    path("enrolments/<uuid:id>/withdraw/", views.EnrolmentWithdraw.as_view(), name="enrolment-withdraw"),
    path("completions/", views.CompletionFeed.as_view(), name="completion-feed"),
    path("certificates/", views.CertificateList.as_view(), name="certificate-list"),
    path("certificates/<uuid:id>/", views.CertificateDetail.as_view(), name="certificate-detail"),
    path("certificates/<uuid:id>/pdf/", views.CertificatePdf.as_view(), name="certificate-pdf"),
    path("certificates/<uuid:id>/credential/", views.CertificateCredential.as_view(), name="certificate-credential"),
    path("webhooks/", views.WebhookListCreate.as_view(), name="webhook-list"),
    path("webhooks/<uuid:id>/", views.WebhookDetail.as_view(), name="webhook-detail"),
    path("webhooks/<uuid:id>/deliveries/", views.WebhookDeliveries.as_view(), name="webhook-deliveries"),
    path(
        "webhooks/<uuid:id>/deliveries/<uuid:delivery_id>/redeliver/",
        events.WebhookDeliveryRedeliver.as_view(),
        name="webhook-delivery-redeliver",
    ),
    path("webhooks/<uuid:id>/redeliver/", events.WebhookRedeliverFailed.as_view(), name="webhook-redeliver"),
    path("webhooks/<uuid:id>/rotate-secret/", events.WebhookRotateSecret.as_view(), name="webhook-rotate-secret"),
    path("events/", events.EventFeed.as_view(), name="event-feed"),
    # Documentation: not API resources (no key needed).
    # The version comes from SPECTACULAR_SETTINGS alone: a valid PEP 440 version for generated clients.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="microlearn_api:schema"), name="docs"),
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),  # any path, newlines included
]
