"""Recompute every enrolment's cohort-page summary from the facts (lms.services.summaries).

manage.py cohort_summaries_rebuild               # every enrolment
manage.py cohort_summaries_rebuild --cohort 12   # one cohort's enrolments

Idempotent. Run it after editing what the summary depends on outside the services (a module's
"required" flag or attempt limit, a challenge's week or target, a cohort's start date: the admin
does this by itself) and whenever in doubt; the worker runs it nightly (Procfile).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from lms.models import Cohort, Enrolment
from lms.services.summaries import rebuild


class Command(BaseCommand):
    help = "Recompute the enrolments' completed and used-up module counts and streaks (the cohort page's summary)."

    def add_arguments(self, parser):
        parser.add_argument("--cohort", type=int, default=None, help="Only this cohort's enrolments (its id).")
        parser.add_argument("--loop", type=float, default=0, help="Run again every this many seconds.")

    def handle(self, *, cohort: int | None, loop: float, **options):
        if cohort is not None and not Cohort.objects.filter(pk=cohort).exists():
            raise CommandError(f"No cohort with id {cohort}.")
        while True:
            enrolments = Enrolment.objects.all() if cohort is None else Enrolment.objects.filter(cohort_id=cohort)
            written = rebuild(enrolments=enrolments)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Cohort summaries: {written} enrolment{'s' if written != 1 else ''} recomputed.")
            if not loop:
                return
            time.sleep(loop)
