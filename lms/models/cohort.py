import uuid

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper

from ..validators import validate_date_in_range


class Organisation(models.Model):
    """A corporate client of the training company."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    """An organisation's record of a person, separate from the login account (docs/privacy.md).

    The record holds what the organisation's HR system or directory knows: ``external_id``,
    the SCIM ``user_name``, names, work ``email``, ``employee_number``, ``department`` and
    ``manager``. The HR API and SCIM read and write only these fields. ``user`` is the login
    account the record is attached to. ``owns_account`` is true when this organisation
    provisioned the account and is its only owner: only then do its changes reach the
    account's email and names, and its deactivation or erasure reach the account
    (``lms.services.participants``).

    Lifecycle: active → deactivated (``deactivated_at``) → reactivated (rehire, cleared) → erased
    (``erased_at``, final; the fields are blanked and the API answers 410 Gone).
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    external_id = models.CharField(max_length=100, blank=True)
    user_name = models.CharField(max_length=255, blank=True, help_text="The directory's user name (SCIM userName).")
    email = models.EmailField(max_length=254, blank=True, help_text="The work email the organisation knows.")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    employee_number = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=200, blank=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    owns_account = models.BooleanField(
        default=False, help_text="This organisation provisioned the login account and is its only owner."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="ml_member_one_per_org"),
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~models.Q(external_id=""),
                name="ml_member_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["organisation", "user_name"],
                condition=~models.Q(user_name=""),
                name="ml_member_unique_user_name",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "email"], name="ml_member_org_email"),
            # SCIM compares userName and emails without case (RFC 7643 caseExact false): Django's
            # iexact is UPPER(col) = UPPER(value), which only an index on UPPER(col) can serve.
            models.Index(F("organisation"), Upper("user_name"), name="ml_member_org_user_name_ci"),
            models.Index(F("organisation"), Upper("email"), name="ml_member_org_email_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    @property
    def active(self) -> bool:
        return self.deactivated_at is None and self.erased_at is None


class Cohort(models.Model):
    """A group of one organisation's employees following one course from a start date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cohorts")
    course = models.ForeignKey("microlearn_courses.CoursePage", on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=200)
    start_date = models.DateField(validators=[validate_date_in_range])
    end_date = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    trainers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="trained_cohorts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        permissions = [("train_cohort", "Can use the trainer pages for the cohorts they train")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="ml_cohort_unique_name_per_org"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="ml_cohort_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class NudgeLog(models.Model):
    """An email a trainer sent to encourage an at-risk participant of a cohort (rate-limited).

    The row is written with the rendered email when the trainer sends it; the task worker
    delivers it and stamps ``emailed_at`` (``None`` while it waits in the queue)."""

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="nudges")
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="nudges")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="nudges_sent"
    )
    sent_at = models.DateTimeField(db_index=True)
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    note = models.TextField(max_length=1000, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    body = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["enrolment", "sent_at"], name="ml_nudge_enrol_sent")]

    def __str__(self) -> str:
        return f"nudge to {self.recipient} at {self.sent_at:%Y-%m-%d %H:%M}"


class ImportStatus(models.TextChoices):
    """Lifecycle: PREVIEW → QUEUED → RUNNING → DONE, or → FAILED. DONE and FAILED are final."""

    PREVIEW = "preview", "Previewed"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class CohortImport(models.Model):
    """One CSV upload of participants into a cohort: the parsed preview, then the import's progress."""

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    rows = models.JSONField(default=list, blank=True, help_text="The rows that will be imported.")
    errors = models.JSONField(default=list, blank=True, help_text="One message per rejected row.")
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_users = models.PositiveIntegerField(default=0)
    reused_users = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} into {self.cohort_id} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100
