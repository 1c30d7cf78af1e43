import uuid

from django.conf import settings
from django.db import models


class AttemptStatus(models.TextChoices):
    STARTED = "started", "Started"
    SUBMITTED = "submitted", "Submitted"


class QuizAttempt(models.Model):
    """One attempt at a module's quiz.

    ``served`` freezes what the participant was shown: the question ids and option ids in the
    order served (after any shuffling). Grading uses the page's current question definitions
    for the served ids, so a tampered POST naming anything else is rejected.
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="quiz_attempts")
    module = models.ForeignKey("microlearn_courses.ModulePage", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.STARTED)
    served = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module", "number"], name="ml_attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.module_id} by enrolment {self.enrolment_id}"


class QuizAttemptGrant(models.Model):
    """A trainer's grant of extra attempts at one quiz to one participant who had used them all.

    Each row is the log entry (who, when, why); the participant's allowance is kept on
    ``ModuleProgress.attempts_granted`` (the sum of the grants), so the quiz pages read it with
    the progress row they already load.
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="attempt_grants")
    module = models.ForeignKey("microlearn_courses.ModulePage", on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    extra_attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["enrolment", "granted_at"], name="ml_grant_enrolment")]

    def __str__(self) -> str:
        return f"+{self.extra_attempts} attempt(s) at {self.module_id} for enrolment {self.enrolment_id}"
