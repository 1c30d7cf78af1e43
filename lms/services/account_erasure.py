"""A person erases their own account (their account page; docs/privacy.md, "Self-service").

The person's right wins for their own account: every organisation record of theirs is erased
through ``participant_erase`` (each organisation keeps its aggregates on a placeholder account,
or the account itself when it owned it, and gets its ``participant.erased`` event), then the
account is anonymised in place and everything still tied to it is erased
(``lms.services.erasure``). Staff, superusers and trainers are refused: other people's work
depends on those accounts, so an administrator must do it.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Enrolment, OrganisationMember
from .erasure import erase_person_data
from .participants import ERASED_NAME, account_is_privileged, participant_erase

CONFIRM_PHRASE = "erase my account"
REFUSED = (
    "Your account has staff or trainer rights that other people depend on, so it cannot be erased "
    "from here. Ask an administrator to remove those rights or to erase it."
)


class AccountErasureRefused(Exception):
    """The account cannot erase itself; the message is safe to show."""


def account_identifiers(user) -> list[str]:
    """Everything the person was known by: the account's and every organisation record's."""
    values = [user.email, user.username, user.first_name, user.last_name, user.get_full_name()]
    for member in OrganisationMember.objects.filter(user=user, erased_at__isnull=True):
        values += [
            member.email,
            member.first_name,
            member.last_name,
            f"{member.first_name} {member.last_name}",
            member.external_id,
            member.user_name,
            member.employee_number,
        ]
    return [value for value in values if value]


def account_erase(*, user) -> None:
    """Erase ``user``'s own account and every organisation's record of them. Final.

    Raises ``AccountErasureRefused`` for staff, superusers and trainers.
    """
    if account_is_privileged(user):
        raise AccountErasureRefused(REFUSED)
    identifiers = account_identifiers(user)
    for member in OrganisationMember.objects.filter(user=user, erased_at__isnull=True).order_by("pk"):
        participant_erase(member=member)
    User = get_user_model()
    with transaction.atomic():
        account = User.objects.select_for_update().get(pk=user.pk)
        account.username = f"erased-{uuid.uuid4().hex[:20]}"
        account.email = ""
        account.first_name = ERASED_NAME
        account.last_name = ""
        account.is_active = False
        account.set_unusable_password()
        account.save()
        erase_person_data(
            organisation_id=None,
            user_id=account.pk,
            enrolment_ids=list(Enrolment.objects.filter(user=account).values_list("pk", flat=True)),
            identifiers=identifiers,
            whole_account=True,
        )
