"""Read-side queries, one module per domain. Every function scopes its queryset to the requester."""

from .learning import enrolments_for_user

__all__ = ["enrolments_for_user"]
from .cohorts import cohort_report, cohorts_for_trainer, is_trainer

__all__ += ["cohort_report", "cohorts_for_trainer", "is_trainer"]
