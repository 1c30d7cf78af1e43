"""Delete events older than ``MICROLEARN_EVENT_RETENTION_DAYS`` (30) and their webhook deliveries.

manage.py purge_events   # run daily (cron, or a scheduler of the host)
"""

from django.core.management.base import BaseCommand

from lms.conf import conf
from lms.services.events import events_purge


class Command(BaseCommand):
    help = "Delete events (and their webhook deliveries) older than MICROLEARN_EVENT_RETENTION_DAYS."

    def handle(self, **options):
        count = events_purge()
        self.stdout.write(f"Purged {count} event(s) older than {conf.EVENT_RETENTION_DAYS} days.")
