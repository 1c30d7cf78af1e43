#!/usr/bin/env python
"""Certificate benchmark: render time vs. a bare WeasyPrint page, worker throughput, download time.

    .venv/bin/python bench/certificates.py [--certificates 500] [--renders 30]

Runs on a throwaway SQLite database in a temporary folder (or BENCH_DATABASE_URL, which must be
a database you can throw away: it is migrated and filled). It prints:

1. the median time to render one certificate on a warm worker, the median time of a bare
   WeasyPrint render of a one-line page in the same run (the engine's floor), and their ratio;
2. the throughput of issuing N certificates through the real task worker
   (django-tasks-db's DatabaseBackend, ``manage.py db_worker --batch`` in a subprocess);
3. the median server time of downloading a stored certificate (through Django's full stack).

Targets: one certificate < 200 ms and < 3x the bare render; a download < 20 ms.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(workdir: Path) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",  # production-like: DatabaseBackend for tasks
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "testserver,localhost",
        "MEDIA_ROOT": str(workdir / "media"),
        "CERTIFICATES_ROOT": str(workdir / "certificates"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def make_completed_enrolments(course, count: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from lms.models import Enrolment, EnrolmentStatus

    User = get_user_model()
    stamp = time.time_ns()
    users = User.objects.bulk_create(
        User(username=f"bench-{stamp}-{i}", first_name="Participant", last_name=f"Number {i}") for i in range(count)
    )
    now = timezone.now()
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(user=u, course=course, status=EnrolmentStatus.COMPLETED, enrolled_at=now, completed_at=now)
        for u in users
    )
    return [e.pk for e in enrolments]


def bench_render(course, renders: int) -> None:
    import weasyprint

    from lms.certificates import pdf
    from lms.services import certificates as services

    (enrolment_id,) = make_completed_enrolments(course, 1)
    from lms.models import Enrolment

    certificate = services.certificate_issue(enrolment=Enrolment.objects.get(pk=enrolment_id))
    design = pdf.design_for_site()
    cold = timed(lambda: pdf.render_certificate(certificate, design=design))
    for _ in range(3):  # warm up both
        pdf.render_certificate(certificate, design=design)
        weasyprint.HTML(string="<p>Certificate</p>").write_pdf()
    cert_times, bare_times = [], []
    for _ in range(renders):  # interleaved, so machine noise hits both alike
        cert_times.append(timed(lambda: pdf.render_certificate(certificate, design=design)))
        bare_times.append(timed(lambda: weasyprint.HTML(string="<p>Certificate</p>").write_pdf()))
    cert, bare = median_ms(cert_times), median_ms(bare_times)
    print(f"render, first in process:         {cold * 1000:8.1f} ms")
    print(f"render one certificate (median):  {cert:8.1f} ms   target < 200 ms")
    print(f"bare WeasyPrint one-line page:    {bare:8.1f} ms")
    print(f"ratio certificate / bare:         {cert / bare:8.2f} x   target < 3x")


def bench_worker(course, count: int, env: dict) -> None:
    from django_tasks_db.models import DBTaskResult

    from lms.models import Certificate, CertificateStatus
    from lms.services.certificates import issue_certificate_task

    DBTaskResult.objects.all().delete()  # setup's search/reference-index tasks are not what we measure
    ids = make_completed_enrolments(course, count)
    started = time.perf_counter()
    for enrolment_id in ids:
        issue_certificate_task.enqueue(enrolment_id=enrolment_id)
    enqueue_s = time.perf_counter() - started
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--interval", "0"]
    command += ["--verbosity", "0", "--no-reload"]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=True)
    worker_s = time.perf_counter() - started
    issued = Certificate.objects.filter(enrolment_id__in=ids, status=CertificateStatus.ISSUED).count()
    results = DBTaskResult.objects.filter(task_path__endswith="issue_certificate_task")
    first_start = results.order_by("started_at").values_list("started_at", flat=True).first()
    last_finish = results.order_by("-finished_at").values_list("finished_at", flat=True).first()
    steady_s = (last_finish - first_start).total_seconds()
    print(f"enqueue {count} issue tasks:        {enqueue_s:8.2f} s")
    print(f"db_worker run for {issued}/{count} issued: {worker_s:8.2f} s wall (incl. start-up)")
    print(f"throughput:                       {issued / worker_s:8.1f} certificates/s wall, one worker process")
    each_ms = steady_s / issued * 1000
    print(f"throughput, first to last task:   {issued / steady_s:8.1f} certificates/s ({each_ms:.0f} ms each)")
    if issued != count:
        raise SystemExit(f"only {issued} of {count} certificates were issued")


def bench_download(course) -> None:
    from django.test import Client

    from lms.models import Certificate, CertificateStatus

    certificate = Certificate.objects.filter(enrolment__course=course, status=CertificateStatus.ISSUED).first()
    client = Client()
    client.force_login(certificate.enrolment.user)
    url = f"/certificates/{certificate.uuid}/download/"

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        b"".join(response.streaming_content)

    for _ in range(5):
        fetch()
    samples = [timed(fetch) for _ in range(50)]
    print(
        f"download stored PDF (median):     {median_ms(samples):8.2f} ms   target < 20 ms "
        f"({certificate.pdf.size} bytes, session + query + file)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=500)
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    try:
        env = configure(workdir)
        import django

        django.setup()
        from django.core.management import call_command

        from courses.loader import ProgrammeLoader
        from courses.models import CoursePage

        call_command("migrate", verbosity=0)
        ProgrammeLoader(ROOT / "tests" / "fixtures" / "mini_programme.json").load()
        course = CoursePage.objects.get(slug="test-course")
        print(f"database: {django.db.connection.vendor}; WeasyPrint {__import__('weasyprint').__version__}")
        bench_render(course, args.renders)
        bench_worker(course, args.certificates, env)
        bench_download(course)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
