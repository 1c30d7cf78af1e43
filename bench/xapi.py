"""xAPI delivery to a real Ralph LRS on loopback: 1,000 statements in batches (docs/xapi.md).

    .venv/bin/python bench/xapi.py [--statements 1000] [--batch 100]

Writes 1,000 learning records to the outbox (quiz attempts of 100 people), starts Ralph
(tests/xapi/ralph_lrs.py: its own venv, the fs backend), then times ``lms.xapi.delivery.push``:
reading the outbox, building the statements, POSTing them in batches and moving the cursor.
Prints the total time (target: 2 s or less) and statements per second, then checks through
Ralph's GET API that every statement arrived once. Then it resends everything (the cursor reset,
as after lost responses) and times that too: Ralph answers 204, and still holds one copy each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-xapi-')) / 'bench.sqlite3'}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    import django

    if os.environ["DATABASE_URL"].startswith("postgres"):
        sys.path.insert(0, str(ROOT / "bench"))
        from _seed import ensure_database

        ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from lms.models import Event, LrsCursor, Organisation, OrganisationMember
    from lms.xapi import delivery
    from tests.xapi.ralph_lrs import HOME_PAGE, start

    call_command("migrate", verbosity=0)
    ralph = start(Path(tempfile.mkdtemp(prefix="bench-xapi-ralph-")))
    try:
        settings.MICROLEARN_XAPI = ralph.credentials("site")
        settings.MICROLEARN_BASE_URL = HOME_PAGE
        settings.MICROLEARN_XAPI_BATCH_SIZE = args.batch

        people = 100
        organisation = Organisation.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"xapi-{organisation.pk}-{i}") for i in range(people)
        )
        members = OrganisationMember.objects.bulk_create(
            OrganisationMember(organisation=organisation, user=user) for user in users
        )
        course, now = str(uuid.uuid4()), timezone.now()
        registrations = [str(uuid.uuid4()) for _ in members]
        Event.objects.bulk_create(
            Event(
                organisation=organisation,
                type="quiz.submitted",
                occurred_at=now,
                data={
                    "enrolment": registrations[i % people],
                    "participant": str(members[i % people].uuid),
                    "course": course,
                    "module": str(uuid.uuid5(uuid.NAMESPACE_URL, f"module-{i % 10}")),
                    "attempt": 1 + i // people,
                    "score": (i * 7) % 101,
                    "pass_mark": 70,
                    "passed": (i * 7) % 101 >= 70,
                },
            )
            for i in range(args.statements)
        )

        in_lrs = []  # seconds spent waiting for Ralph per POST (the rest is ours: outbox reads, building, cursor)
        real_post = delivery.Client.post

        def timed_post(client, batch):
            begun = time.perf_counter()
            try:
                return real_post(client, batch)
            finally:
                in_lrs.append(time.perf_counter() - begun)

        delivery.Client.post = timed_post
        started = time.perf_counter()
        result = delivery.push("site")
        elapsed = time.perf_counter() - started
        assert (result.state, result.sent, result.rejected) == ("done", args.statements, 0), result
        print(f"xAPI push of {args.statements:,} statements to Ralph (fs backend, loopback), batches of {args.batch}:")
        print(f"  total {elapsed:.2f} s  ({args.statements / elapsed:,.0f} statements/s; target: <= 2 s)")
        print(
            f"  of which waiting for Ralph: {sum(in_lrs):.2f} s over {len(in_lrs)} POSTs "
            f"(first {in_lrs[0] * 1000:.0f} ms, last {in_lrs[-1] * 1000:.0f} ms); "
            f"ours (outbox, statements, cursor): {elapsed - sum(in_lrs):.2f} s"
        )
        in_lrs.clear()

        stored = sum(len(ralph.get("site", registration=registration)) for registration in registrations)
        print(f"  read back through GET /xAPI/statements: {stored:,} statements")
        assert stored == args.statements

        LrsCursor.objects.filter(key="site").update(after_txid=-1, after_id=0)  # as after lost responses
        started = time.perf_counter()
        again = delivery.push("site")
        elapsed = time.perf_counter() - started
        stored = sum(len(ralph.get("site", registration=registration)) for registration in registrations)
        print(
            f"  resend of all {again.sent:,}: {elapsed:.2f} s (Ralph {sum(in_lrs):.2f} s); "
            f"Ralph still holds {stored:,} (one copy each)"
        )
        assert stored == args.statements
    finally:
        ralph.stop()


if __name__ == "__main__":
    main()
