"""Practice badges: an award that attests behaviour (weekly targets met, follow-ups done), not attendance.

The rule is a course setting (``CoursePage.badge_*``); the service is ``lms/services/badges.py``;
reads are ``lms/selectors/badges.py``. See docs/badges.md.
"""

import uuid

from django.db import models


class BadgeStatus(models.TextChoices):
    """Lifecycle: ACTIVE → EXPIRED, or ACTIVE → REVOKED. Both ends are final (a later award is a new row)."""

    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class PracticeBadgeAward(models.Model):
    """One practice badge of one enrolment. At most one ACTIVE award per enrolment (a constraint).

    ``evidence`` holds aggregates only (counts, week numbers, dates of the window, the rule's values):
    never an entry's text, a note or who was met, so it can go into a credential as it is.
    """

    wagtail_reference_index_ignore = True  # learner records: no content usage to track

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="badge_awards")
    course = models.ForeignKey("microlearn_courses.CoursePage", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=BadgeStatus.choices, default=BadgeStatus.ACTIVE)
    awarded_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField(null=True, blank=True)
    renewals = models.PositiveIntegerField(default=0)
    expired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(default=dict, help_text="Aggregates only: counts, weeks, the window and the rule.")

    class Meta:
        ordering = ["-awarded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"], condition=models.Q(status="active"), name="ml_badge_one_active_per_enrolment"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="ml_badge_status_expiry")]

    def __str__(self) -> str:
        return f"practice badge {self.pk} of enrolment {self.enrolment_id} ({self.status})"
