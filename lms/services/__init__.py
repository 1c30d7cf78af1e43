"""Write-side business logic. Views, the admin and the API call these; nothing else writes."""

from .challenges import (
    challenge_log_create,
    challenge_log_delete,
    challenge_log_follow_up_done,
    challenge_log_set_outcome,
    challenge_log_update,
)
from .enrolment import EnrolmentError, enrolment_create, enrolment_withdraw
from .progress import ProgressError, module_confirm_read, module_open
from .quiz import QuizError, quiz_attempt_start, quiz_attempt_submit

__all__ = [
    "EnrolmentError",
    "ProgressError",
    "QuizError",
    "challenge_log_create",
    "challenge_log_delete",
    "challenge_log_follow_up_done",
    "challenge_log_set_outcome",
    "challenge_log_update",
    "enrolment_create",
    "enrolment_withdraw",
    "module_confirm_read",
    "module_open",
    "quiz_attempt_start",
    "quiz_attempt_submit",
]
