"""Send the "Did you do it?" reminders that are due. Idempotent; safe on several workers at once.

manage.py practice_tick                 # once (cron: every minute)
manage.py practice_tick --loop 60       # every 60 seconds until stopped (a Procfile process)
manage.py practice_tick --enqueue       # queue practice_tick_task for the task worker instead
"""

import time

from django.core.management.base import BaseCommand

from lms.services.reminders import practice_tick_task, reminders_tick


class Command(BaseCommand):
    help = "Send the practice reminders that are due (docs/practice.md, docs/workers.md)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Queue the task for the worker instead.")
        parser.add_argument("--loop", type=float, default=0, help="Run again every this many seconds.")
        parser.add_argument("--batch-size", type=int, default=None, help="Reminders per transaction.")

    def handle(self, *, enqueue: bool, loop: float, batch_size: int | None, **options):
        while True:
            if enqueue:
                result = practice_tick_task.enqueue()
                self.stdout.write(f"Queued practice_tick_task ({result.id}).")
            else:
                report = reminders_tick(batch_size=batch_size)
                if options["verbosity"] >= 1:
                    self.stdout.write(f"Reminders: {report}")
            if not loop:
                return
            time.sleep(loop)
