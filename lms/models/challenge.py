import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..validators import validate_date_in_range


class Setting(models.TextChoices):
    CANTEEN = "canteen", "Canteen or coffee point"
    CORRIDOR = "corridor", "Lift or corridor"
    VIRTUAL = "virtual", "Virtual meeting"
    TRAVEL = "travel", "Airport lounge or travel"
    EVENT = "event", "Conference or event"
    ONLINE = "online", "LinkedIn or online"
    OTHER = "other", "Other"


class FollowUp(models.TextChoices):
    NONE = "none", "No follow-up"
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"


class Outcome(models.TextChoices):
    NONE_YET = "none_yet", "None yet"
    CONVERSATION = "conversation", "A further conversation"
    MEETING = "meeting", "A meeting"
    REFERRAL = "referral", "A referral"
    PROJECT = "project", "A project"
    NEW_BUSINESS = "new_business", "New business"
    MENTOR = "mentor", "A mentor"


class ChallengeLog(models.Model):
    """One entry in a participant's practice log against a weekly challenge.

    Networking challenges fill the who/opener/follow-up/outcome fields; practice challenges
    (guided relaxation) fill ``minutes`` and the calm ratings instead. ``outcome_changed_at``
    records when the outcome last changed, so reports can say when a win happened.
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="challenge_logs")
    challenge = models.ForeignKey("microlearn_courses.Challenge", on_delete=models.PROTECT, related_name="logs")
    occurred_on = models.DateField(validators=[validate_date_in_range])
    setting = models.CharField(max_length=12, choices=Setting.choices, blank=True)
    who = models.CharField(max_length=200, blank=True)
    opener = models.CharField(max_length=300, blank=True)
    learned = models.TextField(max_length=1000, blank=True)
    follow_up = models.CharField(max_length=8, choices=FollowUp.choices, default=FollowUp.NONE)
    follow_up_due = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    follow_up_done_on = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.NONE_YET)
    outcome_changed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(max_length=2000, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(600)])
    calm_before = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    calm_after = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    plan = models.ForeignKey(
        "microlearn_lms.Plan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
        help_text="The if-then plan this entry kept, if any.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [
            models.Index(fields=["enrolment", "occurred_on"], name="ml_log_enrol_date"),
            models.Index(fields=["challenge", "occurred_on"], name="ml_log_challenge_date"),
            # Wins only (about a quarter of the entries): the cohort page's outcomes-per-week
            # chart reads it with an index-only scan instead of scanning every entry.
            models.Index(
                fields=["enrolment", "occurred_on", "outcome"],
                name="ml_log_wins",
                condition=~models.Q(outcome="none_yet"),
            ),
        ]

    def __str__(self) -> str:
        return f"log {self.pk} ({self.challenge_id}) on {self.occurred_on}"

    @property
    def is_win(self) -> bool:
        return self.outcome != Outcome.NONE_YET


class ChallengeLogOutcomeChange(models.Model):
    """One change of a log entry's outcome, so reports can say when each win happened.

    ``ChallengeLog.outcome_changed_at`` holds the latest change; this table keeps them all.
    """

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    log = models.ForeignKey(ChallengeLog, on_delete=models.CASCADE, related_name="outcome_changes")
    previous = models.CharField(max_length=14, choices=Outcome.choices, blank=True)
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["log", "changed_at"], name="ml_log_outcome_change")]

    def __str__(self) -> str:
        return f"log {self.log_id}: {self.previous or '-'} → {self.outcome} at {self.changed_at}"
