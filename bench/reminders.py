"""Benchmark: "Did you do it?" reminders selected, rendered and sent per second by one worker process.

Run standalone: ``.venv/bin/python bench/reminders.py [--participants 100000] [--due N]``
(``make bench`` runs it at the default, smaller size). Uses a throwaway SQLite database under
/tmp unless DATABASE_URL is set (PostgreSQL: ``BENCH_DATABASE_URL``-style URL in DATABASE_URL).
Builds the participants, their plans and reminders with ``bulk_create``; ``--due`` of them
(default: all) are due at the tick, the rest next week. Then one ``reminders_tick`` sends the due
ones with Django's locmem email backend and prints, per phase, reminders per second: claiming
(the index scan, the preference checks and the status update), rendering (text + HTML, three
signed links) and sending. Also prints the queries per batch, which must not grow with the
number of participants, and on PostgreSQL the plan of the claim query. Target: >= 200/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _harness import ROOT, setup

THROWAWAY = setup("reminders")

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

UTC = dt.UTC
TICK = dt.datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


def seed(participants: int, due: int) -> None:
    from django.contrib.auth import get_user_model

    from courses.loader import ProgrammeLoader
    from courses.models import Challenge, CoursePage
    from lms.models import Cohort, Enrolment, Organisation, ParticipantPreferences, Plan, PlanOccurrence

    ProgrammeLoader(ROOT / "fixtures" / "demo_programme.json").load()
    course = CoursePage.objects.get(slug="micro-connections")
    challenge = Challenge.objects.filter(course=course).order_by("week").first()
    organisation = Organisation.objects.create(name="Bench", slug="bench")
    cohort = Cohort.objects.create(
        organisation=organisation, course=course, name="Bench", start_date=dt.date(2026, 6, 1)
    )
    User = get_user_model()
    chunk = 5000
    for first in range(0, participants, chunk):
        size = min(chunk, participants - first)
        users = User.objects.bulk_create(
            [
                User(username=f"bench{first + i}", email=f"bench{first + i}@example.com", first_name="Bench")
                for i in range(size)
            ]
        )
        enrolments = Enrolment.objects.bulk_create(
            [Enrolment(user=u, course=course, cohort=cohort, enrolled_at=TICK - dt.timedelta(days=3)) for u in users]
        )
        rows = []
        for i, enrolment in enumerate(enrolments):
            later = first + i >= due
            cue_at = TICK + dt.timedelta(days=7) if later else TICK - dt.timedelta(seconds=(first + i) % 600)
            rows.append(
                Plan(
                    enrolment=enrolment,
                    challenge=challenge,
                    cue="I queue for coffee",
                    action="ask “How's your week shaping up so far?”",
                    day=cue_at.date(),
                    time=cue_at.time(),
                    timezone="Europe/London",
                    cue_at=cue_at,
                )
            )
        plans = Plan.objects.bulk_create(rows)
        PlanOccurrence.objects.bulk_create(
            [
                PlanOccurrence(plan=p, user_id=e.user_id, cue_at=p.cue_at, due_at=p.cue_at)
                for p, e in zip(plans, enrolments, strict=True)
            ]
        )
        # A third have saved preferences (quiet hours outside the tick), the rest use the defaults.
        ParticipantPreferences.objects.bulk_create(
            [
                ParticipantPreferences(user=u, quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7))
                for u in users[::3]
            ]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--due", type=int, default=None, help="reminders due at the tick (default: all)")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    due = args.participants if args.due is None else min(args.due, args.participants)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    seed(args.participants, due)
    print(
        f"Reminders benchmark ({connection.vendor}): {args.participants:,} participants, {due:,} due, "
        f"batch {args.batch_size} (seeded in {time.perf_counter() - started:.1f} s)"
    )

    import time_machine

    from lms.services import reminders

    phases = {"claim": 0.0, "render+send": 0.0}
    render_time = [0.0]
    claim, send, message = reminders._claim, reminders._send, reminders.reminder_message

    def timed(name, function):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                phases[name] += time.perf_counter() - t

        return wrapper

    def timed_message(*a, **k):
        t = time.perf_counter()
        try:
            return message(*a, **k)
        finally:
            render_time[0] += time.perf_counter() - t

    reminders._claim, reminders._send, reminders.reminder_message = (
        timed("claim", claim),
        timed("render+send", send),
        timed_message,
    )
    with time_machine.travel(TICK, tick=True), CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        report = reminders.reminders_tick(batch_size=args.batch_size)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
    batches = max(1, -(-report.selected // args.batch_size))
    render = render_time[0]
    sending = phases["render+send"] - render
    sent = report.sent or 1
    print(f"tick: {report}")
    print(f"emails in the outbox: {len(mail.outbox):,}")
    print(f"{'phase':<12} {'seconds':>9} {'per second':>12}")
    print(f"{'selected':<12} {phases['claim']:>9.2f} {report.selected / phases['claim']:>12,.0f}")
    print(f"{'rendered':<12} {render:>9.2f} {sent / render:>12,.0f}")
    print(f"{'sent':<12} {sending:>9.2f} {sent / max(sending, 1e-9):>12,.0f}")
    print(f"{'overall':<12} {total:>9.2f} {sent / total:>12,.0f}  (target >= 200/s per worker process)")
    print(f"{'overall CPU':<12} {cpu:>9.2f} {sent / cpu:>12,.0f}  (CPU time of this process: its rate on a free core)")
    print(
        f"queries: {len(queries.captured_queries)} for {batches} batch(es) of up to {args.batch_size} "
        f"(+1 final empty claim)"
    )
    if connection.vendor == "postgresql":
        from lms.models import PlanOccurrence, ReminderStatus

        qs = PlanOccurrence.objects.filter(status=ReminderStatus.PENDING, due_at__lte=TICK).order_by("due_at")[:500]
        print("claim query plan:", qs.explain().splitlines()[:3])
    if THROWAWAY is not None:
        THROWAWAY.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
