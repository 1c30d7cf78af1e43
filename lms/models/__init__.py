from .certificate import Certificate, CertificateSerialCounter, CertificateSettings, CertificateStatus
from .challenge import ChallengeLog, FollowUp, Outcome, Setting
from .cohort import Cohort, Organisation, OrganisationMember
from .enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from .progress import ModuleProgress
from .quiz import AttemptStatus, QuizAttempt

__all__ = [
    "AttemptStatus",
    "Certificate",
    "CertificateSerialCounter",
    "CertificateSettings",
    "CertificateStatus",
    "ChallengeLog",
    "Cohort",
    "Enrolment",
    "EnrolmentSource",
    "EnrolmentStatus",
    "FollowUp",
    "ModuleProgress",
    "Organisation",
    "OrganisationMember",
    "Outcome",
    "QuizAttempt",
    "Setting",
]
