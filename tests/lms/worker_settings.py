"""Settings of the worker subprocesses in tests/lms/test_workers.py: the test settings, tasks queued in the database."""

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
