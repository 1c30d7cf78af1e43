"""Send the practice emails that are due: outcome check-ins and weekly boosters. Idempotent.

manage.py practice_emails             # run here, print what was sent
manage.py practice_emails --enqueue   # hand the two jobs to the task worker instead

Run it from cron (hourly is plenty). Every (entry, stage) check-in and every (person, week)
booster email is claimed with a unique row before it is sent, so overlapping runs, or several
workers, never send one twice (docs/practice.md).
"""

from django.core.management.base import BaseCommand

from lms.services import practice


class Command(BaseCommand):
    help = "Send due outcome check-ins and weekly booster emails (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Enqueue tasks for the worker instead.")

    def handle(self, *, enqueue: bool, **options):
        if enqueue:
            practice.send_checkins_task.enqueue()
            practice.send_booster_digests_task.enqueue()
            self.stdout.write(self.style.SUCCESS("Enqueued the check-in and booster jobs."))
            return
        checkins = practice.checkins_run()
        self.stdout.write(
            f"Check-ins: {checkins['sent']} sent, {checkins['skipped']} skipped, "
            f"{checkins['deferred']} waiting (quiet hours or weekly cap), {checkins['already']} already claimed."
        )
        digests = practice.booster_digests_run()
        self.stdout.write(
            f"Boosters: {digests['seeded']} question(s) added, {digests['sent']} email(s) sent, "
            f"{digests['skipped']} skipped, {digests['deferred']} waiting, {digests['already']} already sent this week."
        )
