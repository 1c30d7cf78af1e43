"""Read-side queries, one module per domain. Every function scopes its queryset to the requester."""

from .certificates import certificates_downloadable_by, certificates_for_user
from .challenges import challenge_logs_visible_to
from .cohorts import cohort_report, cohorts_for_trainer
from .learning import enrolments_for_user

__all__ = [
    "certificates_downloadable_by",
    "certificates_for_user",
    "challenge_logs_visible_to",
    "cohort_report",
    "cohorts_for_trainer",
    "enrolments_for_user",
]
