"""Send pending xAPI statements to the Learning Record Stores (docs/xapi.md).

manage.py xapi_push                 # once, here (cron: every minute)
manage.py xapi_push --loop 30       # every 30 seconds until stopped (a Procfile process)
manage.py xapi_push --enqueue       # queue one xapi_push_task per store for the task worker instead
manage.py xapi_push --force         # ignore the retry wait after a failure
"""

import time

from django.core.management.base import BaseCommand

from lms.xapi import delivery
from lms.xapi.tasks import xapi_tick_task


class Command(BaseCommand):
    help = "Send pending xAPI statements to the site's and organisations' LRSs (docs/xapi.md)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Queue the pushes for the worker instead.")
        parser.add_argument("--loop", type=float, default=0, help="Run again every this many seconds.")
        parser.add_argument("--force", action="store_true", help="Ignore the retry wait after a failure.")

    def handle(self, *, enqueue: bool, loop: float, force: bool, **options):
        while True:
            if enqueue:
                result = xapi_tick_task.enqueue()
                self.stdout.write(f"Queued xapi_tick_task ({result.id}).")
            else:
                for result in delivery.push_all(force=force):
                    if options["verbosity"] >= 1:
                        self.stdout.write(
                            f"{result.key}: {result.state}, sent {result.sent}, rejected {result.rejected}, "
                            f"withheld {result.withheld}"
                        )
            if not loop:
                return
            time.sleep(loop)
