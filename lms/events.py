"""Domain events: the documented plugin API that certificates and HR webhooks subscribe to.

Every event is a Django signal sent **after the transaction commits** (``transaction.on_commit``),
so receivers never see a rolled-back change. Receivers get keyword arguments only, all plain
values (ids, not objects), so they can hand them straight to a task:

``enrolment_created``    enrolment_id, user_id, course_id, cohort_id, source, occurred_at
``enrolment_completed``  enrolment_id, user_id, course_id, cohort_id, occurred_at
``enrolment_withdrawn``  enrolment_id, user_id, course_id, cohort_id, occurred_at

``sender`` is the ``Enrolment`` class. ``occurred_at`` is an aware UTC datetime.
"""

from django.db import transaction
from django.dispatch import Signal

enrolment_created = Signal()
enrolment_completed = Signal()
enrolment_withdrawn = Signal()


def send_on_commit(signal: Signal, sender, **payload) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **payload))


# Certificates (issue/revoke), and participant lifecycle (HR API). Same conventions as above.
# ``certificate_issued``   certificate_id, enrolment_id, user_id, course_id, occurred_at
# ``certificate_revoked``  certificate_id, enrolment_id, user_id, course_id, reason, occurred_at
# ``participant_deactivated``  user_id, organisation_id, occurred_at
# ``participant_reactivated``  user_id, organisation_id, member_id, occurred_at
# ``participant_erased``       user_id, organisation_id, member_id, occurred_at
certificate_issued = Signal()
certificate_revoked = Signal()
participant_deactivated = Signal()
participant_reactivated = Signal()
participant_erased = Signal()
