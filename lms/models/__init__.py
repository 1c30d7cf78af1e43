from .challenge import ChallengeLog, ChallengeLogOutcomeChange, FollowUp, Outcome, Setting
from .cohort import Cohort, Organisation, OrganisationMember
from .enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from .progress import ModuleProgress
from .quiz import AttemptStatus, QuizAttempt

__all__ = [
    "AttemptStatus",
    "ChallengeLog",
    "ChallengeLogOutcomeChange",
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
