"""Read-side queries. Every function scopes its queryset to what the requester may see."""

from django.db.models import QuerySet

from ..models import Enrolment, EnrolmentStatus


def enrolments_for_user(*, user) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .select_related("course", "cohort")
        .order_by("-enrolled_at")
    )
