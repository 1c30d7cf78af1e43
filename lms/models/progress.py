from django.db import models


class ModuleProgress(models.Model):
    """One participant's record for one module. Keyed by page id, so reordering never loses it."""

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="module_progress")
    module = models.ForeignKey("microlearn_courses.ModulePage", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    read_confirmed_at = models.DateTimeField(null=True, blank=True)
    quiz_passed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Best quiz score in percent.")
    attempts_used = models.PositiveSmallIntegerField(default=0)
    attempts_granted = models.PositiveSmallIntegerField(
        default=0, help_text="Extra quiz attempts granted by trainers (see QuizAttemptGrant)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="ml_progress_one_per_module"),
        ]
        indexes = [
            # Covering index for the per-enrolment progress aggregates of the trainer pages (cohort
            # list averages, cohort report, module cells): index-only probes per enrolment keep
            # PostgreSQL on a nested loop over the cohort's enrolments instead of a scan of the
            # whole table, which grows with every cohort (bench/scale.py, docs/performance.md).
            # Key columns rather than INCLUDE, which SQLite does not support.
            models.Index(
                fields=["enrolment", "module", "completed_at", "quiz_passed_at", "best_score", "attempts_used"],
                name="ml_progress_enrol_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"progress {self.enrolment_id}/{self.module_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
