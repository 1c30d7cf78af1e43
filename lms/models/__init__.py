from .certificate import Certificate, CertificateSerialCounter, CertificateSettings, CertificateStatus
from .challenge import ChallengeLog, ChallengeLogOutcomeChange, FollowUp, Outcome, Setting
from .cohort import Cohort, CohortImport, ImportStatus, NudgeLog, Organisation, OrganisationMember
from .enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from .plans import Plan, PlanOccurrence, ReminderAnswer, ReminderStatus
from .preferences import ParticipantPreferences
from .progress import ModuleProgress
from .quiz import AttemptStatus, QuizAttempt
from .worker import ClaimedTaskResult, WorkerHeartbeat

__all__ = [
    "AttemptStatus",
    "Certificate",
    "CertificateSerialCounter",
    "CertificateSettings",
    "CertificateStatus",
    "ChallengeLog",
    "ChallengeLogOutcomeChange",
    "ClaimedTaskResult",
    "Cohort",
    "CohortImport",
    "Enrolment",
    "EnrolmentSource",
    "EnrolmentStatus",
    "FollowUp",
    "ImportStatus",
    "ModuleProgress",
    "NudgeLog",
    "Organisation",
    "OrganisationMember",
    "Outcome",
    "ParticipantPreferences",
    "Plan",
    "PlanOccurrence",
    "QuizAttempt",
    "ReminderAnswer",
    "ReminderStatus",
    "Setting",
    "WorkerHeartbeat",
]
