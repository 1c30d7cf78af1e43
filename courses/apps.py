import mimetypes

from django.apps import AppConfig


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    label = "microlearn_courses"
    verbose_name = "Courses"

    def ready(self):
        # Audio captions are WebVTT documents; browsers load a <track> only as text/vtt, and a
        # machine without /etc/mime.types would otherwise serve them as a download.
        mimetypes.add_type("text/vtt", ".vtt")
