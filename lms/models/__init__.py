from .badges import BadgeStatus, PracticeBadgeAward
from .certificate import Certificate, CertificateSerialCounter, CertificateSettings, CertificateStatus
from .challenge import ChallengeLog, ChallengeLogOutcomeChange, FollowUp, Outcome, Setting
from .cohort import Cohort, CohortImport, ImportStatus, NudgeLog, Organisation, OrganisationMember
from .credentials import IssuedCredential, SigningKey
from .enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from .events import Event, EventType, LearningEventType
from .plans import Plan, PlanOccurrence, ReminderAnswer, ReminderStatus
from .practice import BoosterCard, BoosterDigest, CheckIn, CheckInStatus
from .preferences import ParticipantPreferences
from .progress import ModuleProgress
from .quiz import AttemptStatus, QuizAttempt, QuizAttemptGrant
from .sso import OrganisationSso, SsoIdentity
from .worker import ClaimedTaskResult, WorkerHeartbeat
from .xapi import LrsCursor, OrganisationLrs

__all__ = [
    "AttemptStatus",
    "BadgeStatus",
    "BoosterCard",
    "BoosterDigest",
    "Certificate",
    "CertificateSerialCounter",
    "CertificateSettings",
    "CertificateStatus",
    "ChallengeLog",
    "ChallengeLogOutcomeChange",
    "CheckIn",
    "CheckInStatus",
    "ClaimedTaskResult",
    "Cohort",
    "CohortImport",
    "Enrolment",
    "EnrolmentSource",
    "EnrolmentStatus",
    "Event",
    "EventType",
    "FollowUp",
    "ImportStatus",
    "IssuedCredential",
    "LearningEventType",
    "LrsCursor",
    "ModuleProgress",
    "NudgeLog",
    "Organisation",
    "OrganisationLrs",
    "OrganisationMember",
    "OrganisationSso",
    "Outcome",
    "ParticipantPreferences",
    "Plan",
    "PlanOccurrence",
    "PracticeBadgeAward",
    "QuizAttempt",
    "QuizAttemptGrant",
    "ReminderAnswer",
    "ReminderStatus",
    "Setting",
    "SigningKey",
    "SsoIdentity",
    "WorkerHeartbeat",
]
