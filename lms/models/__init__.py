from .cohort import Cohort, Organisation
from .enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from .progress import ModuleProgress
from .quiz import AttemptStatus, QuizAttempt

__all__ = [
    "AttemptStatus",
    "Cohort",
    "Enrolment",
    "EnrolmentSource",
    "EnrolmentStatus",
    "ModuleProgress",
    "Organisation",
    "QuizAttempt",
]
