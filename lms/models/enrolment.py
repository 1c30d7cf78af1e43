import uuid

from django.conf import settings
from django.db import models


class EnrolmentStatus(models.TextChoices):
    """Lifecycle: ACTIVE → COMPLETED, or ACTIVE → WITHDRAWN. Both ends are final.

    A withdrawn participant may enrol again, which creates a new ACTIVE enrolment.
    """

    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class EnrolmentSource(models.TextChoices):
    SELF = "self", "Self-enrolled"
    STAFF = "staff", "Enrolled by staff or trainer"
    COHORT = "cohort", "Cohort import"
    API = "api", "HR API"


class Enrolment(models.Model):
    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey("microlearn_courses.CoursePage", on_delete=models.PROTECT, related_name="enrolments")
    cohort = models.ForeignKey(
        "microlearn_lms.Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    status = models.CharField(max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    source = models.CharField(max_length=10, choices=EnrolmentSource.choices, default=EnrolmentSource.SELF)
    enrolled_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The cohort page's summary, maintained by the services that write the facts and rebuilt by
    # ``manage.py cohort_summaries_rebuild`` (lms.services.summaries): required live modules
    # completed, modules whose quiz attempts are used up without a pass, and the streak as the
    # latest week that met its target and the run of met weeks ending there.
    done_count = models.PositiveSmallIntegerField(default=0, editable=False)
    exhausted_count = models.PositiveSmallIntegerField(default=0, editable=False)
    streak_week = models.PositiveIntegerField(default=0, editable=False)
    streak_run = models.PositiveSmallIntegerField(default=0, editable=False)
    # The completions feed's commit-ordered position, kept by database triggers whenever
    # ``updated_at`` changes (migration 0002): the writing transaction's id on PostgreSQL (0 on
    # SQLite) and a global sequence number. See lms.selectors.feeds. On SQLite a later migration
    # that rebuilds this table (most AlterFields) drops the triggers: re-run 0002's SQLITE list
    # after it (tests/api/test_events.py checks the feed position still moves).
    feed_txid = models.BigIntegerField(default=0, editable=False)
    feed_seq = models.BigIntegerField(null=True, unique=True, editable=False)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            # At most one current (active or completed) enrolment per user and course.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=~models.Q(status="withdrawn"),
                name="ml_enrolment_one_current_per_course",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="ml_enrolment_completed_has_timestamp",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="withdrawn") | models.Q(withdrawn_at__isnull=False),
                name="ml_enrolment_withdrawn_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status"], name="ml_enrol_course_status"),
            models.Index(fields=["feed_txid", "feed_seq"], name="ml_enrol_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == EnrolmentStatus.ACTIVE
