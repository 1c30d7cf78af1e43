"""Load benchmark: gunicorn (2 workers) and PostgreSQL on loopback, driven by locust.

    .venv/bin/python bench/load.py                              # 30 s per workload, 100,000 participants
    .venv/bin/python bench/load.py --duration 10 --participants 10000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hb_load .venv/bin/python bench/load.py

Steps:

1. In a subprocess with the production settings: create the database named by
   BENCH_DATABASE_URL (default ``bench_load`` on 127.0.0.1:5432) if needed, migrate,
   ``createcachetable``, ``collectstatic`` (into ``$TMPDIR/bench-load-static``, kept between runs
   and redone when the project's static files or pyproject.toml change), and seed the scale data
   of bench/_seed.py (reused when already there; 100,000 participants, a million challenge
   entries). It gives the simulated participants a password, makes a fresh API key for
   organisation 0 and a pool of members without an enrolment for the bulk enrolments.
2. Starts ``gunicorn -c gunicorn.conf.py config.wsgi`` (2 workers, 4 threads each, as the
   Procfile) on a free loopback port with ``config.settings.production`` (its STATIC_ROOT
   pointed at the kept directory; no task worker runs, so the tasks the workloads queue stay
   queued, see docs/performance.md); requests carry
   ``X-Forwarded-Proto: https`` as from a TLS-terminating proxy. The API throttle is raised to a
   rate the bench cannot reach (it is still evaluated on every request).
3. Participant workload: ``--users`` participants (default 8), each logged in through the real
   login form as a different seeded participant, loop without think time over the dashboard
   (``/learn/``), a module page, a quiz (start, open the attempt, submit) and a challenge log entry.
4. HR workload: ``--hr-users`` clients (default 4) with the API key: half page through the
   completions feed (100 rows a page), half bulk-enrol 100 members at a time, each POST with its
   own Idempotency-Key.

Each workload runs ``--duration`` seconds (default 30) after every user has logged in, then prints
per request type and in total: requests, throughput, p50/p95/p99 (locust's buckets: exact below
100 ms, two significant digits above) and errors. Exits 1 on any error; gunicorn is always stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "load-bench-2026"  # the simulated participants' password, on a throwaway database
BULK_ITEMS = 100
BULK_POOL = 20_000
FEED_PAGE = 100


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000, help="scale data size (participants)")
    parser.add_argument("--users", type=int, default=8, help="simulated participants at once")
    parser.add_argument("--hr-users", type=int, default=4, help="simulated HR clients at once")
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", "30")))
    parser.add_argument("--skip-without-postgres", action="store_true", help="exit 0 with a note without PostgreSQL")
    parser.add_argument("--prepare", metavar="JSON", help=argparse.SUPPRESS)  # internal: the set-up subprocess
    return parser.parse_args()


def server_env(url: str, tmp: Path, static_root: Path) -> dict[str, str]:
    """Production settings plus a STATIC_ROOT outside the project (a two-line settings module)."""
    (tmp / "bench_load_settings.py").write_text(
        f"from config.settings.production import *  # noqa\nSTATIC_ROOT = {str(static_root)!r}\n"
    )
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "bench_load_settings",
        "DATABASE_URL": url,
        "SECRET_KEY": "load-bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "MICROLEARN_API_THROTTLE_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
    }


# --- 1. Set-up (subprocess: Django, production settings) --------------------------------------


def static_stale(static_root: Path) -> bool:
    """collectstatic takes minutes (hashing and compressing Wagtail's files), so its output is kept
    between runs and redone only when the project's static files or dependencies changed."""
    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [ROOT / "pyproject.toml"]
    sources += [p for d in ("static", "lms", "courses", "api") for p in (ROOT / d).rglob("*") if "static" in p.parts]
    newest = max(p.stat().st_mtime for p in sources if p.is_file())
    return newest > manifest.stat().st_mtime


def prepare(out: str, participants: int, users: int) -> None:
    import _seed

    _seed.setup_django(os.environ["DATABASE_URL"], settings=os.environ["DJANGO_SETTINGS_MODULE"])
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from courses.models import Challenge
    from lms.models import Cohort, Enrolment, OrganisationMember

    started = time.perf_counter()
    _seed.migrate()
    call_command("createcachetable", verbosity=0)
    if static_stale(Path(settings.STATIC_ROOT)):
        print("collectstatic (once; a few minutes on a busy machine)…", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
    course = _seed.course()
    if _seed.participants() < participants:
        _seed.grow(participants)
    User = get_user_model()
    # Active participants (i % 10 >= 4), spread over the organisations.
    step = max(1, participants // users // 10) * 10
    names = [f"{_seed.PREFIX}{4 + (k % 6) + step * k}" for k in range(users)]
    User.objects.filter(username__in=names).update(password=make_password(PASSWORD))
    assert Enrolment.objects.filter(user__username__in=names, status="active").count() == users
    # Bulk enrolment targets: organisation 0 members without an enrolment, in a cohort of their own.
    org = Cohort.objects.get(organisation__slug="bench-org-0", name="Cohort 0").organisation
    bulk, _ = Cohort.objects.get_or_create(
        organisation=org, name="Bulk", defaults={"course": course, "start_date": timezone.localdate()}
    )
    Enrolment.objects.filter(cohort=bulk).delete()  # a rerun enrols them afresh
    have = OrganisationMember.objects.filter(organisation=org, user__username__startswith="bench-bulk-").count()
    if have < BULK_POOL:
        made = User.objects.bulk_create(
            [User(username=f"bench-bulk-{n}", password="!") for n in range(have, BULK_POOL)], batch_size=5000
        )
        OrganisationMember.objects.bulk_create(
            [OrganisationMember(organisation=org, user=u, external_id=f"BULK{u.username[11:]}") for u in made],
            batch_size=5000,
        )
    pool = [
        str(u)
        for u in OrganisationMember.objects.filter(
            organisation=org, user__username__startswith="bench-bulk-"
        ).values_list("uuid", flat=True)
    ]
    # Quizzes are taken only where attempts are unlimited: the page offers no attempt past a limit.
    modules = [{"id": m.pk, "url": m.url, "quiz": not m.quiz_max_attempts} for m in course.modules().specific()]
    Path(out).write_text(
        json.dumps(
            {
                "course": course.pk,
                "modules": modules,
                "challenge": str(Challenge.objects.get(course=course, week=_seed.WEEK).uuid),
                "today": timezone.localdate().isoformat(),
                "participants": names,
                "api_key": _seed.api_key("load bench"),
                "bulk_cohort": str(bulk.uuid),
                "bulk_pool": pool,
                "counts": _seed.counts(),
                "seconds": round(time.perf_counter() - started),
            }
        )
    )


# --- 2. gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stopping it stops the workers
    )
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            # Not /healthz: it reports the demo programme's queued tasks (no worker runs here) as 503.
            probe = urllib.request.Request(
                f"http://127.0.0.1:{port}/accounts/login/", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(probe, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- 3./4. The workloads (locust, in this process) --------------------------------------------


def user_classes(data: dict, host: str):
    import itertools
    import random
    import re
    import uuid
    from http.cookiejar import DefaultCookiePolicy

    from locust import FastHttpUser, constant, task

    origin = host.replace("http://", "https://")
    proxy = {"X-Forwarded-Proto": "https"}
    auth = {**proxy, "Authorization": f"Bearer {data['api_key']}"}
    inputs = re.compile(r"<input[^>]*>")
    attr = re.compile(r'(name|value)="([^"]*)"')
    names = iter(data["participants"])
    pool = itertools.cycle(data["bulk_pool"])

    class Loopback(DefaultCookiePolicy):
        """Send the Secure session and CSRF cookies over plain HTTP: loopback stands in for TLS."""

        def return_ok_secure(self, cookie, request):
            return True

    class Participant(FastHttpUser):
        wait_time = constant(0)
        logged_in = 0

        def csrf(self) -> dict:
            token = next(c.value for c in self.client.cookiejar if c.name == "csrftoken")
            return {**proxy, "X-CSRFToken": token, "Referer": origin + "/", "Origin": origin}

        def post(self, url: str, name: str, data: dict, expect: str = ""):
            with self.client.post(
                url, data=data, headers=self.csrf(), name=name, allow_redirects=False, catch_response=True
            ) as response:
                location = response.headers.get("Location", "")
                if response.status_code != 302 or expect not in location:
                    response.failure(f"{response.status_code} → {location!r}: {response.text[:200]!r}")
                return location

        def get(self, url: str, name: str):
            with self.client.get(url, headers=proxy, name=name, allow_redirects=False, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code} → {r.headers.get('Location', '')!r}")
                return r

        def on_start(self):
            self.client.cookiejar.set_policy(Loopback())
            self.get("/accounts/login/", "login form")
            self.post("/accounts/login/", "login", {"username": next(names), "password": PASSWORD}, expect="/learn/")
            type(self).logged_in += 1

        @task(4)
        def dashboard(self):
            self.get("/learn/", "GET /learn/ (dashboard)")

        @task(3)
        def module_page(self):
            self.get(random.choice(data["modules"])["url"], "GET module page")

        @task(1)
        def quiz(self):
            module = random.choice([m for m in data["modules"] if m["quiz"]])
            attempt = self.post(f"/learn/modules/{module['id']}/quiz/", "POST quiz start", {}, expect="/attempts/")
            if not attempt:
                return
            page = self.get(attempt, "GET quiz attempt").text
            answers: dict[str, str] = {}
            for tag in inputs.findall(page):
                fields = dict(attr.findall(tag))
                if fields.get("name", "").startswith("q-"):
                    answers.setdefault(fields["name"], fields["value"])  # the first option of each question
            self.post(attempt, "POST quiz submit", answers, expect="/result/")

        @task(1)
        def challenge_log(self):
            self.post(
                f"/learn/challenges/{data['course']}/",
                "POST challenge log",
                {
                    "log-challenge": data["challenge"],
                    "log-occurred_on": data["today"],
                    "log-setting": "canteen",
                    "log-who": "a colleague from Finance",
                    "log-follow_up": "none",
                    "log-outcome": "none_yet",
                },
                expect=f"/learn/challenges/{data['course']}/",
            )

    class HrFeed(FastHttpUser):
        """Pages through the completions feed, 100 rows a page, from the start again at its end."""

        wait_time = constant(0)
        logged_in = 0

        def on_start(self):
            self.next = None
            type(self).logged_in += 1

        @task
        def feed(self):
            url = self.next or f"/api/v1/completions/?page_size={FEED_PAGE}"
            with self.client.get(url, headers=auth, name="GET completions feed", catch_response=True) as r:
                body = r.json() if r.status_code == 200 else {}
                if len(body.get("results", [])) == 0:
                    r.failure(f"{r.status_code}: {r.text[:200]!r}")
                self.next = body.get("next") if body.get("has_more") else None

    class HrBulk(FastHttpUser):
        """Bulk-enrols 100 members at a time, each POST with its own Idempotency-Key."""

        wait_time = constant(0)
        logged_in = 0

        def on_start(self):
            type(self).logged_in += 1

        @task
        def bulk(self):
            items = [{"participant": next(pool), "cohort": data["bulk_cohort"]} for _ in range(BULK_ITEMS)]
            headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
            with self.client.post(
                "/api/v1/enrolments/bulk/",
                json={"items": items},
                headers=headers,
                name=f"POST enrolments/bulk ({BULK_ITEMS})",
                catch_response=True,
            ) as r:
                if r.status_code != 200 or r.json().get("failed") != 0:
                    r.failure(f"{r.status_code}: {r.text[:300]!r}")

    return [Participant], [HrFeed, HrBulk]


def run_workload(classes: list, users: int, host: str, duration: float):
    """Run ``users`` users (shared evenly by ``classes``) for ``duration`` s once all have started."""
    import gevent
    from locust.env import Environment

    env = Environment(user_classes=classes, host=host)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    deadline = time.monotonic() + 120
    while sum(c.logged_in for c in classes) < users and time.monotonic() < deadline:
        gevent.sleep(0.1)
    logins = {(e.name, e.method): e.num_failures for e in env.stats.entries.values() if e.num_failures}
    env.stats.reset_all()  # measure the steady state only, after every login
    gevent.sleep(duration)
    runner.quit()
    return env.stats, logins


def print_stats(title: str, stats, logins: dict) -> int:
    print(f"\n{title}")
    head = f"{'request':<26} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}"
    print(head)
    print("-" * len(head))
    rows = sorted((e for e in stats.entries.values() if e.num_requests), key=lambda e: e.name)
    for entry in [*rows, stats.total]:
        name = "total" if entry is stats.total else entry.name
        p50, p95, p99 = (entry.get_response_time_percentile(p) or 0 for p in (0.5, 0.95, 0.99))
        print(
            f"{name:<26} {entry.num_requests:>8} {entry.total_rps:>7.1f} "
            f"{p50:>7.0f} {p95:>7.0f} {p99:>7.0f} {entry.num_failures:>7}"
        )
    errors = stats.total.num_failures + sum(logins.values())
    for error in list(stats.errors.values())[:10]:
        print(f"  error x{error.occurrences}: {error.method} {error.name}: {str(error.error)[:300]}")
    for (name, method), failures in logins.items():
        print(f"  set-up error x{failures}: {method} {name}")
    print(f"error rate: {errors / max(1, stats.total.num_requests):.2%}")
    return errors


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(HERE))
    if args.prepare:
        prepare(args.prepare, args.participants, args.users)
        return
    import _seed

    url = _seed.database_url("bench_load")
    if not _seed.postgres_reachable(url):
        print(f"bench/load.py needs PostgreSQL at {url} (set BENCH_DATABASE_URL).")
        sys.exit(0 if args.skip_without_postgres else 2)
    _seed.ensure_database(url)
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = server_env(url, tmp, Path(tempfile.gettempdir()) / "bench-load-static")
    setup_file = tmp / "setup.json"
    print(f"preparing {url.rsplit('/', 1)[1]} ({args.participants:,} participants)…", flush=True)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--prepare",
            str(setup_file),
            "--participants",
            str(args.participants),
            "--users",
            str(args.users),
        ],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=1800,
    )
    data = json.loads(setup_file.read_text())
    print(f"ready in {data['seconds']} s: " + ", ".join(f"{v:,} {k}" for k, v in data["counts"].items()), flush=True)
    import locust  # noqa: F401 (gevent patches the standard library now, after Django and psycopg are done)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, tmp / "gunicorn.log")
    errors = 0
    try:
        participant, hr = user_classes(data, host)
        started = dt.datetime.now(dt.UTC)
        runs = [
            (f"Participant workload: {args.users} participants, {args.duration:.0f} s", participant, args.users),
            (
                f"HR workload: {args.hr_users} API clients (half polling the feed, half bulk-enrolling), "
                f"{args.duration:.0f} s",
                hr,
                args.hr_users,
            ),
        ]
        for title, classes, users in runs:
            stats, logins = run_workload(classes, users, host, args.duration)
            errors += print_stats(title, stats, logins)
        load = os.getloadavg()
        print(
            f"\ngunicorn 2 workers x 4 threads, PostgreSQL on loopback, {os.cpu_count()} CPUs; "
            f"started {started:%Y-%m-%d %H:%M} UTC; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
    finally:
        stop(server)
    if errors:
        print(f"{errors} error(s); gunicorn log: {tmp / 'gunicorn.log'}")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
