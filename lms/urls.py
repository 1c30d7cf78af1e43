from django.urls import path

from .views import challenges, participant

app_name = "lms"

urlpatterns = [
    path("learn/", participant.learn_home, name="learn"),
    path("learn/challenges/<int:course_id>/", challenges.challenge_page, name="challenges"),
    path("learn/challenges/<int:course_id>/wins/", challenges.wins_page, name="challenge_wins"),
    path("learn/challenges/entries/<uuid:entry>/edit/", challenges.entry_edit, name="challenge_entry_edit"),
    path("learn/challenges/entries/<uuid:entry>/delete/", challenges.entry_delete, name="challenge_entry_delete"),
    path(
        "learn/challenges/entries/<uuid:entry>/follow-up-done/",
        challenges.entry_follow_up_done,
        name="challenge_follow_up_done",
    ),
    path("learn/challenges/entries/<uuid:entry>/outcome/", challenges.entry_outcome, name="challenge_entry_outcome"),
]
