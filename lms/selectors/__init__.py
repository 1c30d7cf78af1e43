"""Read-side queries, one module per domain. Every function scopes its queryset to the requester."""

from .certificates import certificates_downloadable_by, certificates_for_user
from .learning import enrolments_for_user

__all__ = ["certificates_downloadable_by", "certificates_for_user", "enrolments_for_user"]
