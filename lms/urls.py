from django.urls import path

from .views import participant

app_name = "lms"

urlpatterns = [
    path("learn/", participant.learn_home, name="learn"),
]
