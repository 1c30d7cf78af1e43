"""Practice after the course: delayed outcome check-ins and spaced booster questions (docs/practice.md)."""

from django.conf import settings
from django.db import models

from .challenge import Outcome


class CheckInStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed"  # a scheduler run holds it and is sending
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"  # the participant opted out, or the entry is no longer open


class CheckIn(models.Model):
    """One "Did this lead anywhere?" email about a logged conversation, at 30, 60 or 90 days.

    The (log, stage) row is created *before* the email is sent: a second scheduler run, or a
    second worker racing this one, fails on the unique constraint and sends nothing.
    """

    wagtail_reference_index_ignore = True  # learner records: no content usage to track

    log = models.ForeignKey("microlearn_lms.ChallengeLog", on_delete=models.CASCADE, related_name="check_ins")
    stage = models.PositiveSmallIntegerField(help_text="Days after the conversation: 30, 60 or 90.")
    status = models.CharField(max_length=8, choices=CheckInStatus.choices, default=CheckInStatus.CLAIMED)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=14, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["claimed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["log", "stage"], name="ml_checkin_once_per_stage")]

    def __str__(self) -> str:
        return f"check-in {self.stage}d on log {self.log_id} ({self.status})"

    @property
    def led_to_win(self) -> bool:
        return bool(self.answer) and self.answer != Outcome.NONE_YET


class BoosterCard(models.Model):
    """One quiz question of a passed module, coming back at growing intervals (``lms.boosters``).

    ``streak`` is the number of correct answers in a row; ``due_at`` is None once the card has
    gone through every interval. ``version`` changes at every answer, so a resubmitted form
    (double click, back button) is recognised and not counted twice.
    """

    wagtail_reference_index_ignore = True  # learner records: no content usage to track

    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="booster_cards")
    module = models.ForeignKey("microlearn_courses.ModulePage", on_delete=models.CASCADE, related_name="+")
    question_id = models.CharField(max_length=64, help_text="The quiz block's id.")
    streak = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    last_answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module", "question_id"], name="ml_booster_one_per_question")
        ]
        indexes = [models.Index(fields=["enrolment", "due_at"], name="ml_booster_due")]

    def __str__(self) -> str:
        return f"booster {self.question_id} of module {self.module_id} for enrolment {self.enrolment_id}"


class BoosterDigest(models.Model):
    """The weekly booster email to one person: one row per ISO week, claimed before sending."""

    wagtail_reference_index_ignore = True  # learner records: no content usage to track

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W48.")
    questions = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="ml_booster_digest_once_a_week")]

    def __str__(self) -> str:
        return f"booster email {self.week} to {self.user_id}"
