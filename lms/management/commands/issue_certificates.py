"""Issue every missing certificate and render every pending one. Idempotent; safe to re-run.

manage.py issue_certificates            # do the work here, printing progress
manage.py issue_certificates --enqueue  # hand each one to the task worker instead

Then it signs the Open Badges credential of every issued certificate that has none (those issued
before credentials existed; docs/credentials.md).
"""

from django.core.management.base import BaseCommand

from lms.models import Certificate, Enrolment
from lms.selectors.certificates import enrolment_ids_missing_certificates, pending_certificate_ids
from lms.selectors.credentials import certificate_ids_missing_credentials
from lms.services import certificates as services
from lms.services.certificates import issue_certificate_task, render_certificate_task


class Command(BaseCommand):
    help = "Issue certificates for completed enrolments that lack one, and retry pending renders."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Enqueue tasks for the worker instead.")

    def handle(self, *, enqueue: bool, **options):
        missing = list(enrolment_ids_missing_certificates())
        pending = list(pending_certificate_ids())
        total = len(missing) + len(pending)
        self.stdout.write(
            f"{len(missing)} completed enrolment(s) without a certificate, {len(pending)} pending render(s)."
        )
        done = failed = 0
        for index, enrolment_id in enumerate(missing, start=1):
            if enqueue:
                issue_certificate_task.enqueue(enrolment_id=enrolment_id)
                self._progress(index, total, f"enrolment {enrolment_id}: enqueued")
                continue
            certificate = services.certificate_issue(enrolment=Enrolment.objects.get(pk=enrolment_id))
            ok = self._render(certificate.pk)
            done, failed = done + ok, failed + (not ok)
            self._progress(
                index, total, f"enrolment {enrolment_id}: {certificate.serial} {'issued' if ok else 'FAILED'}"
            )
        for index, certificate_id in enumerate(pending, start=len(missing) + 1):
            if enqueue:
                render_certificate_task.enqueue(certificate_id=certificate_id)
                self._progress(index, total, f"certificate {certificate_id}: enqueued")
                continue
            ok = self._render(certificate_id)
            done, failed = done + ok, failed + (not ok)
            self._progress(index, total, f"certificate {certificate_id}: {'issued' if ok else 'FAILED'}")
        self._backfill_credentials()
        if enqueue:
            self.stdout.write(self.style.SUCCESS(f"Enqueued {total} task(s)."))
        elif failed:
            self.stdout.write(self.style.WARNING(f"Issued {done}; {failed} failed and stay pending (re-run to retry)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Issued {done} certificate(s)."))

    def _backfill_credentials(self) -> None:
        missing = certificate_ids_missing_credentials()
        for certificate in Certificate.objects.filter(pk__in=missing).select_related("enrolment__user"):
            services.certificate_credential_issue(certificate=certificate)
        if missing:
            self.stdout.write(f"Signed {len(missing)} missing Open Badges credential(s).")

    def _render(self, certificate_id: int) -> bool:
        try:
            services.certificate_render(certificate_id=certificate_id)
        except services.CertificateRenderError as exc:
            self.stderr.write(f"  certificate {certificate_id}: {exc}")
            return False
        return True

    def _progress(self, index: int, total: int, message: str) -> None:
        self.stdout.write(f"[{index}/{total}] {message}")
