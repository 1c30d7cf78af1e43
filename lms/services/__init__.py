"""Write-side business logic. Views, the admin and the API call these; nothing else writes."""

from .certificates import CertificateError, certificate_issue, certificate_reissue, certificate_revoke
from .enrolment import EnrolmentError, enrolment_create, enrolment_withdraw
from .progress import ProgressError, module_confirm_read, module_open
from .quiz import QuizError, quiz_attempt_start, quiz_attempt_submit

__all__ = [
    "CertificateError",
    "EnrolmentError",
    "ProgressError",
    "QuizError",
    "certificate_issue",
    "certificate_reissue",
    "certificate_revoke",
    "enrolment_create",
    "enrolment_withdraw",
    "module_confirm_read",
    "module_open",
    "quiz_attempt_start",
    "quiz_attempt_submit",
]
