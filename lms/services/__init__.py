"""Write-side business logic. Views, the admin and the API call these; nothing else writes."""

from .certificates import CertificateError, certificate_issue, certificate_reissue, certificate_revoke
from .challenges import (
    challenge_log_create,
    challenge_log_delete,
    challenge_log_follow_up_done,
    challenge_log_set_outcome,
    challenge_log_update,
)
from .enrolment import EnrolmentError, enrolment_create, enrolment_withdraw
from .progress import ProgressError, module_confirm_read, module_open
from .quiz import QuizError, grant_extra_attempt, quiz_attempt_start, quiz_attempt_submit

__all__ = [
    "CertificateError",
    "EnrolmentError",
    "ProgressError",
    "QuizError",
    "certificate_issue",
    "certificate_reissue",
    "certificate_revoke",
    "challenge_log_create",
    "challenge_log_delete",
    "challenge_log_follow_up_done",
    "challenge_log_set_outcome",
    "challenge_log_update",
    "enrolment_create",
    "enrolment_withdraw",
    "grant_extra_attempt",
    "module_confirm_read",
    "module_open",
    "quiz_attempt_start",
    "quiz_attempt_submit",
]

from .cohorts import CohortError, cohort_add_participant, nudge_send
from .csv_import import CsvImportError, csv_import_confirm, csv_import_preview

__all__ += [
    "CohortError",
    "CsvImportError",
    "cohort_add_participant",
    "csv_import_confirm",
    "csv_import_preview",
    "nudge_send",
]
