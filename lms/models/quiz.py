import uuid

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
