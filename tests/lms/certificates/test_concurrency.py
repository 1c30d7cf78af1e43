"""Concurrency on PostgreSQL: one certificate per enrolment, gap-free serials, under real threads."""

import threading

import pytest
from django.db import connection, connections

from lms.models import Certificate, CertificateStatus
from lms.services import certificates as certificate_services
from lms.services.certificates import issue_certificate_task
from tests.factories_certificates import completed_enrolment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks; run with DATABASE_URL=postgres://…"
    ),
]


def run_together(targets) -> list[BaseException]:
    """Start every target at the same moment (barrier), each on its own connection."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def wrap(target):
        try:
            barrier.wait(timeout=10)
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_simultaneous_completions_make_one_certificate(mini_programme):
    enrolment = completed_enrolment(mini_programme)
    results = []

    def issue():
        results.append(issue_certificate_task.enqueue(enrolment_id=enrolment.pk).return_value)

    errors = run_together([issue] * 6)
    assert errors == []
    current = Certificate.objects.filter(enrolment=enrolment).exclude(status=CertificateStatus.SUPERSEDED)
    assert current.count() == 1 and Certificate.objects.count() == 1
    certificate = current.get()
    assert certificate.status == CertificateStatus.ISSUED and certificate.pdf
    assert set(results) == {"issued"}
    assert certificate.serial.endswith("-000001")  # the losers gave their serial numbers back


def test_concurrent_issues_get_distinct_gap_free_serials(mini_programme):
    enrolments = [completed_enrolment(mini_programme) for _ in range(8)]
    targets = [lambda e=e: certificate_services.certificate_issue(enrolment=e) for e in enrolments]
    assert run_together(targets) == []
    serials = sorted(Certificate.objects.values_list("serial", flat=True))
    assert [int(s.rsplit("-", 1)[1]) for s in serials] == list(range(1, 9))
