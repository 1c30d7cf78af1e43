"""Benchmark: per-user pages and per-organisation endpoints stay flat as the whole data set grows.

    .venv/bin/python bench/scale.py                          # 1,000 → 10,000 → 100,000 participants
    .venv/bin/python bench/scale.py --sizes 1000,10000       # quicker
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hb_scale .venv/bin/python bench/scale.py --keep

Needs PostgreSQL: the database named by BENCH_DATABASE_URL (default ``bench_scale`` on
127.0.0.1:5432) is dropped and created afresh, and dropped again at the end unless ``--keep``.
The data grows in place (bench/_seed.py): organisations of 1,000 participants in cohorts of 200,
10 challenge entries per participant (a million at 100,000). What is measured stays the same
size at every step: one participant (``bench-p4``, active, 4 modules done), the trainer of
organisation 0 (5 cohorts of 200) and organisation 0's API key (1,000 enrolments).

At each size it prints the queries of one warm request and the median server time (Django test
client, in process, one persistent connection) of each page, then the ratio largest/smallest
size; a ratio above 2 is flagged. ``--explain`` prints EXPLAIN ANALYZE of each page's slowest
query at the largest size. Nothing is asserted on times; it exits non-zero only if a page's
query count changes with the data size.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import _seed
from _harness import RUNS, measure

LIMIT = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="participant counts, ascending")
    parser.add_argument("--runs", type=int, default=RUNS, help="requests per page and size (median)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    parser.add_argument(
        "--skip-without-postgres", action="store_true", help="exit 0 with a note when PostgreSQL is not reachable"
    )
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.sizes != sorted(args.sizes) or args.sizes[0] < _seed.PER_ORG:
        parser.error(f"--sizes must be ascending, each at least {_seed.PER_ORG}")
    return args


def pages() -> list[tuple[str, object, str]]:
    """(label, client, url) for every measured page, fixed across sizes."""
    from django.test import Client
    from django.urls import reverse

    from lms.models import Cohort, Enrolment

    course = _seed.course()
    person = _seed.participant(4)
    module = list(course.modules().specific())[4]  # started, quiz not passed
    participant = Client()
    participant.force_login(person)
    trainer = Client()
    trainer.force_login(_seed.trainer())
    hr = Client(headers={"authorization": f"Bearer {_seed.api_key()}"})
    cohort = Cohort.objects.get(organisation__slug="bench-org-0", name="Cohort 0")
    enrolment = Enrolment.objects.get(user=person)
    feed = "/api/v1/completions/?page_size=100"
    later = feed
    for _ in range(5):  # the sixth page of organisation 0's feed (1,000 rows)
        later = hr.get(later).json()["next"]
    return [
        ("/learn/ (participant dashboard)", participant, reverse("microlearn_lms:learn")),
        ("module page (quiz, started)", participant, module.url),
        ("challenge page", participant, reverse("microlearn_lms:challenges", args=[course.pk])),
        ("trainer cohort list", trainer, reverse("microlearn_lms:trainer-cohorts")),
        ("trainer cohort page (200)", trainer, reverse("microlearn_lms:trainer-cohort", args=[cohort.pk])),
        ("HR completions feed, page 1", hr, feed),
        ("HR completions feed, page 6", hr, later.removeprefix("http://testserver")),
        ("HR participant by external_id", hr, "/api/v1/participants/?external_id=E4"),
        ("HR enrolment detail", hr, f"/api/v1/enrolments/{enrolment.uuid}/"),
    ]


def measure_all(measured, runs: int) -> dict[str, tuple[int, float, float]]:
    """{label: (queries of one warm request, median server ms, median SQL ms)}.

    The pages take turns, one request each per round, so a burst of load from elsewhere on the
    machine spreads over every page instead of landing on one. SQL time is every query timed in
    a cursor wrapper, over a third of the rounds.
    """
    import statistics

    from django.db import connection

    counts = {label: measure(client, url, runs=1)[0] for label, client, url in measured}  # warm-up, count
    server: dict[str, list[float]] = {label: [] for label, _, _ in measured}
    sql: dict[str, list[float]] = {label: [] for label, _, _ in measured}
    spent = [0.0]

    def timed(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    for round_ in range(runs):
        for label, client, url in measured:
            started = time.perf_counter()
            client.get(url)
            server[label].append((time.perf_counter() - started) * 1000)
        if round_ % 3 == 0:
            with connection.execute_wrapper(timed):
                for label, client, url in measured:
                    spent[0] = 0.0
                    client.get(url)
                    sql[label].append(spent[0] * 1000)
    return {
        label: (counts[label], statistics.median(server[label]), statistics.median(sql[label]))
        for label, _, _ in measured
    }


def explain(client, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    print(f"\n-- {url}: slowest of {len(captured.captured_queries)} queries ({float(slowest['time']) * 1000:.1f} ms)")
    print(slowest["sql"][:600])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    args = parse_args()
    url = _seed.database_url("bench_scale")
    if not _seed.postgres_reachable(url):
        print(f"bench/scale.py needs PostgreSQL at {url} (set BENCH_DATABASE_URL).")
        sys.exit(0 if args.skip_without_postgres else 2)
    os.environ["MICROLEARN_API_THROTTLE_RATE"] = "100000000/min"
    _seed.ensure_database(url, fresh=True)
    _seed.setup_django(url)
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection

    try:
        started = time.perf_counter()
        _seed.migrate()
        _seed.course()
        print(f"migrated {url.rsplit('/', 1)[1]} in {time.perf_counter() - started:.0f} s", flush=True)
        # One connection across requests, as a server with persistent connections would.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        results: dict[int, dict[str, tuple[int, float, float]]] = {}
        measured = None
        for size in args.sizes:
            print(f"growing to {size:,} participants…", flush=True)
            _seed.grow(size)
            if measured is None:
                measured = pages()
            totals = _seed.counts()
            print("  " + ", ".join(f"{v:,} {k}" for k, v in totals.items()), flush=True)
            results[size] = measure_all(measured, args.runs)
        report(args, results)
        if args.explain:
            for _label, client, page in measured:
                explain(client, page)
        constant = all(len({results[s][label][0] for s in args.sizes}) == 1 for label, _, _ in measured)
    finally:
        connection.close()
        if not args.keep:
            _seed.drop_database(url)
    if not constant:
        print("query counts changed with the data size")
        sys.exit(1)


def report(args, results) -> None:
    from django.db import connection

    sizes = args.sizes
    small, large = sizes[0], sizes[-1]
    print(
        f"\nScale benchmark ({connection.vendor} {connection.pg_version // 10000}; load average "
        f"{os.getloadavg()[0]:.2f}). Server: median ms of {args.runs} requests, the pages taking turns; SQL: "
        "median ms in the database per request; queries: one warm request."
    )
    columns = " ".join(f"{f'{s:,}':>9}" for s in sizes)
    head = f"{'page':<34} {'queries':>7} server {columns} {'ratio':>6} | SQL {columns} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    flagged = []
    for label in results[small]:
        queries = "/".join(sorted({str(results[s][label][0]) for s in sizes}))
        times = [results[s][label][1] for s in sizes]
        sql = [results[s][label][2] for s in sizes]
        ratio = times[-1] / times[0]
        flag = " > 2x" if ratio > LIMIT else ""
        if flag:
            flagged.append(label)
        print(
            f"{label:<34} {queries:>7}        "
            + " ".join(f"{t:>9.1f}" for t in times)
            + f" {ratio:>6.2f} |     "
            + " ".join(f"{t:>9.1f}" for t in sql)
            + f" {sql[-1] / sql[0]:>6.2f}{flag}"
        )
    print(
        f"\n{len(flagged)} page(s) above {LIMIT:.0f}x from {small:,} to {large:,} participants"
        + (f": {', '.join(flagged)}" if flagged else "")
    )


if __name__ == "__main__":
    main()
