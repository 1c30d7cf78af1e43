from django.urls import path

from .views import participant, trainer

app_name = "lms"

urlpatterns = [
    path("learn/", participant.learn_home, name="learn"),
    path("trainer/cohorts/", trainer.cohort_list, name="trainer-cohorts"),
    path("trainer/cohorts/<int:cohort_id>/", trainer.cohort_detail, name="trainer-cohort"),
    path("trainer/cohorts/<int:cohort_id>/people/<int:enrolment_id>/", trainer.participant, name="trainer-participant"),
    path("trainer/cohorts/<int:cohort_id>/nudge/", trainer.nudge, name="trainer-nudge"),
    path("trainer/cohorts/<int:cohort_id>/progress.csv", trainer.export_progress, name="trainer-export-progress"),
    path("trainer/cohorts/<int:cohort_id>/entries.csv", trainer.export_entries, name="trainer-export-entries"),
]
