"""Read-side queries, one module per domain. Every function scopes its queryset to the requester."""

from .challenges import challenge_logs_visible_to
from .learning import enrolments_for_user

__all__ = ["challenge_logs_visible_to", "enrolments_for_user"]
