"""Benchmark: the challenge page and "Track your wins" for 2,000 entries over a year vs 20 entries.

Run standalone: ``.venv/bin/python bench/challenges.py`` (or ``make bench``). Uses a throwaway
SQLite database under /tmp unless DATABASE_URL is set, migrates it, loads the demo programme,
seeds two participants and requests each page with Django's test Client. Prints the query count
and the median time per page; the query counts must be equal (constant), the times close.
"""

from __future__ import annotations

import datetime as dt
import sys

from _harness import ROOT, RUNS, measure, setup

THROWAWAY = setup("challenges")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

LARGE, SMALL = 2000, 20
SETTINGS = ["canteen", "corridor", "virtual", "travel", "event", "online", "other"]
OUTCOMES = ["none_yet", "none_yet", "none_yet", "conversation", "meeting", "referral", "project", "mentor"]


def seed_participant(username: str, entries: int, course, challenges):
    from django.contrib.auth import get_user_model

    from lms.models import ChallengeLog, Enrolment
    from lms.selectors.challenges import enrolment_programme_start

    user, _ = get_user_model().objects.get_or_create(username=username)
    Enrolment.objects.filter(user=user).delete()
    enrolment = Enrolment.objects.create(user=user, course=course, enrolled_at=timezone.now() - dt.timedelta(days=365))
    start, today = enrolment_programme_start(enrolment), timezone.localdate()
    span = (today - start).days + 1
    rows = []
    for i in range(entries):
        day = start + dt.timedelta(days=(i * span) // entries)
        week = (day - start).days // 7 + 1
        challenge = max((c for c in challenges if c.week <= week), key=lambda c: c.week)
        rows.append(
            ChallengeLog(
                enrolment=enrolment,
                challenge=challenge,
                occurred_on=day,
                setting=SETTINGS[i % len(SETTINGS)],
                who="a colleague from another team",
                opener=challenge.openers[i % len(challenge.openers)].value if len(challenge.openers) else "",
                learned="Something useful about their project.",
                follow_up=["none", "planned", "done"][i % 3],
                follow_up_due=day + dt.timedelta(days=2) if i % 3 == 1 else None,
                follow_up_done_on=day + dt.timedelta(days=1) if i % 3 == 2 else None,
                outcome=OUTCOMES[i % len(OUTCOMES)],
                notes="Met at the coffee point; follow up about the workshop.",
            )
        )
    ChallengeLog.objects.bulk_create(rows, batch_size=500)
    return user


def main() -> None:
    from courses.loader import ProgrammeLoader
    from courses.models import Challenge, CoursePage

    call_command("migrate", verbosity=0, interactive=False)
    ProgrammeLoader(ROOT / "fixtures" / "demo_programme.json").load()
    course = CoursePage.objects.get(slug="micro-connections")
    challenges = list(Challenge.objects.filter(course=course).order_by("week"))

    results = {}
    for username, entries in (("bench-small", SMALL), ("bench-large", LARGE)):
        client = Client()
        client.force_login(seed_participant(username, entries, course, challenges))
        for name in ("microlearn_lms:challenges", "microlearn_lms:challenge_wins"):
            results[(name, entries)] = measure(client, reverse(name, args=[course.pk]))

    print(f"Weekly challenges benchmark ({connection.vendor}, median of {RUNS} requests)")
    print(f"{'page':<22} {'entries':>8} {'queries':>8} {'median ms':>10}")
    for name, label in (
        ("microlearn_lms:challenges", "challenge page"),
        ("microlearn_lms:challenge_wins", "track your wins"),
    ):
        for entries in (SMALL, LARGE):
            queries, median = results[(name, entries)]
            print(f"{label:<22} {entries:>8} {queries:>8} {median:>10.1f}")
        (q_small, t_small), (q_large, t_large) = results[(name, SMALL)], results[(name, LARGE)]
        print(f"{'':<22} {'ratio':>8} {q_large / q_small:>8.2f} {t_large / t_small:>10.2f}")
    constant = all(
        results[(n, SMALL)][0] == results[(n, LARGE)][0]
        for n in ("microlearn_lms:challenges", "microlearn_lms:challenge_wins")
    )
    print("query counts constant:", "yes" if constant else "NO")
    if THROWAWAY is not None:
        THROWAWAY.unlink(missing_ok=True)
    if not constant:
        sys.exit(1)


if __name__ == "__main__":
    main()
