"""Read-side queries, one module per domain. Every function scopes its queryset to the requester."""

from .learning import enrolments_for_user

__all__ = ["enrolments_for_user"]
