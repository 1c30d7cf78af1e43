"""Signal receivers: translate domain events into tasks (ids only, enqueued on commit)."""

from django.db import transaction
from django.dispatch import receiver

from .. import events


@receiver(events.enrolment_completed, dispatch_uid="lms.certificates.issue_on_completion")
def issue_on_completion(sender, *, enrolment_id, **payload):
    from .tasks import issue_certificate_task

    transaction.on_commit(lambda: issue_certificate_task.enqueue(enrolment_id=enrolment_id))
