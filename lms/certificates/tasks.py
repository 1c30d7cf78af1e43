"""Background tasks (Django tasks API). They take ids and are enqueued on commit.

``issue_certificate_task``   enrolment completed → PENDING record → rendered PDF (ISSUED).
``render_certificate_task``  render a PENDING certificate (retries, re-issues).

A rendering failure is recorded on the certificate (attempts, last_error) and retried with
exponential backoff while the backend can defer tasks (``run_after``) and attempts remain;
``manage.py issue_certificates`` retries whatever is still PENDING after that.
"""

import datetime
import logging

from django.utils import timezone
from django_tasks import default_task_backend, task

from ..models import Certificate, Enrolment
from ..services import certificates as services
from .conf import setting

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = 60


def retry_delay(attempts: int) -> datetime.timedelta:
    """1, 4, 16, 64… minutes after the 1st, 2nd, 3rd, 4th failure."""
    return datetime.timedelta(seconds=BACKOFF_SECONDS * 4 ** max(0, attempts - 1))


def _render(certificate_id: int) -> str:
    try:
        return services.certificate_render(certificate_id=certificate_id).status
    except services.CertificateRenderError as exc:
        attempts = Certificate.objects.filter(pk=certificate_id).values_list("attempts", flat=True).first() or 0
        logger.warning("Certificate %s failed to render (attempt %s): %s", certificate_id, attempts, exc)
        if attempts < setting("CERTIFICATE_MAX_ATTEMPTS") and default_task_backend.supports_defer:
            render_certificate_task.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(
                certificate_id=certificate_id
            )
        return "pending"


@task()
def issue_certificate_task(enrolment_id: int) -> str:
    enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None:
        return "gone"
    certificate = services.certificate_issue(enrolment=enrolment)
    return _render(certificate.pk)


@task()
def render_certificate_task(certificate_id: int) -> str:
    return _render(certificate_id)
