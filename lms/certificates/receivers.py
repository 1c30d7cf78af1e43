"""Signal receivers: translate domain events into tasks (ids only, enqueued on commit)."""

from django.dispatch import receiver

from .. import events
from ..services.certificates import issue_certificate_task
from ..worker.enqueue import enqueue_on_commit


@receiver(events.enrolment_completed, dispatch_uid="lms.certificates.issue_on_completion")
def issue_on_completion(sender, *, enrolment_id, **payload):
    enqueue_on_commit(issue_certificate_task, enrolment_id=enrolment_id)
