"""Local development: DEBUG on, console email, tasks run in-process."""

from .base import *

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# In development, tasks run immediately in the web process so `make run` needs no worker.
# TASKS_BACKEND=db queues them in the database as production does, for `make worker` to run.
if os.environ.get("TASKS_BACKEND", "immediate") != "db":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "plain")
LOGGING["loggers"]["wagtail"] = {"level": "WARNING"}
