from django.conf import settings
from django.db import models


class ParticipantPreferences(models.Model):
    """A participant's choices about practice emails and their calendar feed (their account page).

    One row per user, created on first save (``lms.selectors.preferences.preferences_for`` gives
    unsaved defaults for a user without a row). ``unsubscribed_at`` is the one-click
    "unsubscribe from all practice emails" (RFC 8058); it wins over the per-kind switches, and
    every sender checks it at send time, so a task queued earlier sends nothing.
    """

    wagtail_reference_index_ignore = True  # learner records: no content usage to track

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="microlearn_preferences"
    )
    timezone = models.CharField(
        max_length=64, blank=True, help_text="IANA time zone, e.g. Europe/Paris; blank means the site's."
    )
    quiet_hours_start = models.TimeField(null=True, blank=True, help_text="No emails from this local time…")
    quiet_hours_end = models.TimeField(null=True, blank=True, help_text="…until this local time.")
    reminder_emails = models.BooleanField(default=True, help_text="'Did you do it?' emails at a plan's cue time.")
    checkin_emails = models.BooleanField(default=True, help_text="'Did this lead anywhere?' check-ins.")
    booster_emails = models.BooleanField(default=False, help_text="A weekly email with due booster questions.")
    weekly_email_cap = models.PositiveSmallIntegerField(default=5, help_text="Most practice emails in a week.")
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "participant preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
