"""Issuing, the record, status transitions, retries, the command, the audit log and events."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from lms import events, services
from lms.certificates import pdf
from lms.models import Certificate, CertificateStatus
from lms.services import certificates as certificate_services
from lms.services.certificates import CODE_ALPHABET, normalise_code
from tests.factories import UserFactory
from tests.factories_certificates import complete_course, completed_enrolment, issued_certificate
from tests.lms.test_services import Recorder

pytestmark = pytest.mark.django_db


def test_completing_the_course_issues_one_certificate_through_the_task(
    mini_programme, django_capture_on_commit_callbacks
):
    enrolment = services.enrolment_create(
        user=UserFactory(first_name="Ada", last_name="Lovelace"), course=mini_programme
    )
    issued = Recorder(events.certificate_issued)
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(enrolment)
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.status == CertificateStatus.ISSUED and certificate.pdf and certificate.rendered_at
    assert certificate.holder_name == "Ada Lovelace" and certificate.course_title == "Test course"
    assert len(issued.calls) == 1
    assert issued.calls[0]["certificate_id"] == certificate.pk
    assert issued.calls[0]["enrolment_id"] == enrolment.pk
    assert set(issued.calls[0]) == {"certificate_id", "enrolment_id", "user_id", "course_id", "occurred_at", "signal"}


def test_serial_is_sequential_per_course_and_year_and_code_is_random(mini_programme, mini_course_two):
    a = issued_certificate(mini_programme)
    b = issued_certificate(mini_programme)
    c = issued_certificate(mini_course_two)
    year = datetime.date.today().year
    assert a.serial == f"MC-{mini_programme.pk:03d}-{year}-000001"
    assert b.serial == f"MC-{mini_programme.pk:03d}-{year}-000002"
    assert c.serial == f"MC-{mini_course_two.pk:03d}-{year}-000001"
    codes = {a.verification_code, b.verification_code, c.verification_code}
    assert len(codes) == 3
    assert all(len(code) == 16 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set(CODE_ALPHABET) & set("ILOU")


def test_codes_normalise_typing_mistakes():
    assert normalise_code("abcd-efgh-jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert normalise_code(" 0O1I-L234 5678 9ABC ") == "0011123456789ABC"
    assert normalise_code("MC-001-2026-000001") == ""
    assert normalise_code("ABCDEFGHJKMNPQRU") == ""  # U is not in the alphabet
    assert normalise_code("") == ""


def test_issue_is_idempotent_and_needs_a_completed_enrolment(mini_programme):
    enrolment = completed_enrolment(mini_programme)
    first = certificate_services.certificate_issue(enrolment=enrolment)
    again = certificate_services.certificate_issue(enrolment=enrolment)
    assert first.pk == again.pk and first.status == CertificateStatus.PENDING
    active = services.enrolment_create(user=UserFactory(), course=mini_programme)
    with pytest.raises(certificate_services.CertificateError, match="completed"):
        certificate_services.certificate_issue(enrolment=active)


def test_database_allows_one_current_certificate_per_enrolment(certificate):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            enrolment=certificate.enrolment,
            serial="OTHER-1",
            verification_code="0" * 16,
            issued_on=certificate.issued_on,
            holder_name="x",
            course_title="y",
            completed_on=certificate.completed_on,
            programme_hours=1,
        )


def test_expiry_follows_the_course_validity(mini_programme):
    mini_programme.certificate_validity_months = 24
    mini_programme.save()
    certificate = issued_certificate(mini_programme)
    assert certificate.expires_on == certificate_services.add_months(certificate.issued_on, 24)
    assert certificate_services.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert not certificate.is_expired


def test_revoke_then_reissue_supersedes_and_logs(certificate, django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    revoked_events = Recorder(events.certificate_revoked)
    with django_capture_on_commit_callbacks(execute=True):
        revoked = certificate_services.certificate_revoke(certificate=certificate, reason="Issued in error", user=staff)
    assert revoked.status == CertificateStatus.REVOKED and revoked.revoked_at and revoked.revoked_reason
    assert revoked_events.calls[0]["reason"] == "Issued in error"
    assert revoked_events.calls[0]["certificate_id"] == certificate.pk
    with pytest.raises(certificate_services.CertificateError, match="Only an issued"):
        certificate_services.certificate_revoke(certificate=certificate, reason="again", user=staff)

    user = certificate.enrolment.user
    user.first_name = "Augusta Ada"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_services.certificate_reissue(certificate=certificate, user=staff)
    certificate.refresh_from_db()
    new.refresh_from_db()
    assert certificate.status == CertificateStatus.SUPERSEDED and certificate.superseded_by_id == new.pk
    assert new.status == CertificateStatus.ISSUED and new.holder_name == "Augusta Ada Lovelace"
    assert new.serial != certificate.serial and new.verification_code != certificate.verification_code
    with pytest.raises(certificate_services.CertificateError, match="Only an issued or revoked"):
        certificate_services.certificate_reissue(certificate=certificate, user=staff)

    entries = ModelLogEntry.objects.filter(object_id=str(certificate.pk)).order_by("timestamp")
    assert [e.action for e in entries] == ["lms.certificate.revoke", "lms.certificate.reissue"]
    assert entries[0].user_id == staff.pk and entries[0].data["reason"] == "Issued in error"
    assert "Issued in error" in entries[0].message


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_revoke_needs_a_short_reason(certificate, reason):
    with pytest.raises(certificate_services.CertificateError):
        certificate_services.certificate_revoke(certificate=certificate, reason=reason)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


def test_failed_render_keeps_the_completion_and_retries(mini_programme, monkeypatch):
    def broken(certificate, **kwargs):
        raise RuntimeError("pango fell over")

    monkeypatch.setattr(pdf, "render_certificate", broken)
    enrolment = completed_enrolment(mini_programme)
    from lms.services.certificates import issue_certificate_task

    result = issue_certificate_task.enqueue(enrolment_id=enrolment.pk)
    assert result.return_value == "pending"
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.status == CertificateStatus.PENDING and not certificate.pdf
    assert certificate.attempts == 1 and "pango fell over" in certificate.last_error
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"

    monkeypatch.undo()
    out = io.StringIO()
    call_command("issue_certificates", stdout=out)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED and certificate.attempts == 2 and not certificate.last_error
    assert "[1/1] certificate" in out.getvalue()


def test_retry_is_deferred_with_backoff_when_the_backend_can(mini_programme, monkeypatch):
    from lms.services import certificates as tasks

    enqueued = []

    class Deferring:
        supports_defer = True

    class FakeTask:
        def using(self, *, run_after):
            enqueued.append(run_after)
            return self

        def enqueue(self, **kwargs):
            enqueued.append(kwargs)

    monkeypatch.setattr(tasks, "default_task_backend", Deferring())
    monkeypatch.setattr(tasks, "render_certificate_task", FakeTask())
    monkeypatch.setattr(pdf, "render_certificate", lambda c, **k: 1 / 0)
    enrolment = completed_enrolment(mini_programme)
    certificate = certificate_services.certificate_issue(enrolment=enrolment)
    before = timezone.now()
    assert tasks._render(certificate.pk) == "pending"
    run_after, kwargs = enqueued
    assert kwargs == {"certificate_id": certificate.pk}
    assert before + datetime.timedelta(seconds=59) < run_after < timezone.now() + datetime.timedelta(seconds=61)
    assert tasks.retry_delay(1) == datetime.timedelta(minutes=1) and tasks.retry_delay(3) == datetime.timedelta(
        minutes=16
    )


def test_command_issues_missing_certificates_idempotently(mini_programme):
    enrolments = [completed_enrolment(mini_programme) for _ in range(3)]
    services.enrolment_create(user=UserFactory(), course=mini_programme)  # active: no certificate
    out = io.StringIO()
    call_command("issue_certificates", stdout=out)
    assert Certificate.objects.filter(status=CertificateStatus.ISSUED).count() == 3
    assert re.findall(r"\[(\d)/3\]", out.getvalue()) == ["1", "2", "3"]
    assert "Issued 3 certificate(s)." in out.getvalue()
    out = io.StringIO()
    call_command("issue_certificates", stdout=out)
    assert "0 completed enrolment(s) without a certificate" in out.getvalue()
    assert Certificate.objects.count() == 3
    assert {c.enrolment_id for c in Certificate.objects.all()} == {e.pk for e in enrolments}
