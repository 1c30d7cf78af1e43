"""Renew or expire the practice badges that are due (docs/badges.md). Idempotent; safe to run twice.

manage.py badge_tick                # once (cron: hourly is plenty; daily is enough)
manage.py badge_tick --loop 3600    # every hour until stopped (a Procfile process)
"""

import time

from django.core.management.base import BaseCommand

from lms.services.badges import badges_tick


class Command(BaseCommand):
    help = "Renew or expire the practice badges in their renewal period or past expiry (docs/badges.md)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="Run again every this many seconds.")
        parser.add_argument("--batch-size", type=int, default=None, help="Awards evaluated per run.")

    def handle(self, *, loop: float, batch_size: int | None, **options):
        while True:
            report = badges_tick(batch_size=batch_size)
            if options["verbosity"] >= 1:
                self.stdout.write(
                    f"Practice badges: {report['renewed']} renewed, {report['expired']} expired, "
                    f"{report['none']} unchanged."
                )
            if not loop:
                return
            time.sleep(loop)
