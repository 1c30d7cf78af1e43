"""Settings of the worker subprocesses in tests/lms/test_reminder_workers.py: tasks in the database, mail to files."""

import os

from tests.lms.worker_settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["REMINDER_MAIL_DIR"]
MICROLEARN_REMINDER_BATCH_SIZE = 7  # many small batches, so two workers interleave
