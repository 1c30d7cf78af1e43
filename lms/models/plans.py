import uuid

from django.conf import settings
from django.db import models


class Plan(models.Model):
    """An if-then plan for a weekly challenge: "When [cue], I will [action]" (docs/practice.md).

    The participant picks the local day and time the cue happens, in ``timezone`` (their
    preference when they made the plan, else the site's). ``cue_at`` is that moment in UTC.
    Plans are private to their author: trainers and HR see counts only (docs/privacy.md).
    """

    wagtail_reference_index_ignore = True  # learner records: no content usage to track

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="plans")
    challenge = models.ForeignKey("microlearn_courses.Challenge", on_delete=models.PROTECT, related_name="plans")
    cue = models.CharField(max_length=200)
    action = models.CharField(max_length=300)
    day = models.DateField()
    time = models.TimeField()
    timezone = models.CharField(max_length=64)
    cue_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cue_at", "pk"]
        indexes = [models.Index(fields=["enrolment", "cue_at"], name="ml_plan_enrol_cue")]

    def __str__(self) -> str:
        return f"When {self.cue}, I will {self.action}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the cue time"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent"


class ReminderAnswer(models.TextChoices):
    NONE = "", "No answer yet"
    YES = "yes", "Did it"
    NO = "no", "Not this time"


class PlanOccurrence(models.Model):
    """One cue time of a plan and its "Did you do it?" reminder.

    ``due_at`` is when the reminder goes (the cue time, moved to the end of quiet hours if need
    be); (plan, cue_at) is unique, so a reminder exists once whatever the number of workers. The
    scheduler (``lms.services.reminders``) reads pending rows through the partial index
    ``ml_occ_pending_due`` and claims them with ``SELECT ... FOR UPDATE SKIP LOCKED``.
    """

    wagtail_reference_index_ignore = True

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="occurrences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cue_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    skip_reason = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=3, choices=ReminderAnswer.choices, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cue_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "cue_at"], name="ml_occ_unique_plan_cue")]
        indexes = [
            models.Index(fields=["due_at"], name="ml_occ_pending_due", condition=models.Q(status="pending")),
            # The weekly cap: reminders sent to a user since a date.
            models.Index(fields=["user", "sent_at"], name="ml_occ_user_sent", condition=models.Q(status="sent")),
        ]

    def __str__(self) -> str:
        return f"reminder of plan {self.plan_id} at {self.cue_at} ({self.status})"
