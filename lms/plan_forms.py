"""Forms of if-then plans and practice-email preferences. They only translate: rules live in the services."""

import zoneinfo
from functools import cache

from django import forms
from django.utils import timezone

from courses.models import ChallengeKind

from .challenge_forms import DateInput, with_friendly_limits
from .models import ParticipantPreferences, Plan
from .services.plans import TEXT_LIMITS
from .services.preferences import FIELDS as PREFERENCE_FIELDS


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class PlanForm(forms.Form):
    cue = forms.CharField(
        label="When…",
        max_length=TEXT_LIMITS["cue"],
        help_text="The moment that reminds you, e.g. “when I join Monday's stand-up”.",
        error_messages={"required": "Describe the moment that will remind you (“When…”)."},
        widget=forms.TextInput(attrs={"list": "cue-suggestions", "autocomplete": "off"}),
    )
    action = forms.CharField(
        label="…I will",
        max_length=TEXT_LIMITS["action"],
        help_text="What you will do, e.g. one of this week's openers.",
        error_messages={"required": "Describe what you will do (“…I will”)."},
        widget=forms.TextInput(attrs={"list": "action-suggestions", "autocomplete": "off"}),
    )
    day = forms.DateField(
        label="Day",
        widget=DateInput,
        error_messages=dict.fromkeys(("required", "invalid"), "Enter the day, for example 2026-03-14."),
    )
    time = forms.TimeField(
        label="Time",
        widget=TimeInput,
        help_text="Your local time. We remind you then.",
        error_messages=dict.fromkeys(("required", "invalid"), "Enter the time, for example 08:30."),
    )

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        with_friendly_limits(self)
        if kind == ChallengeKind.PRACTICE:  # a practice course's own example
            self.fields["action"].help_text = "What you will do, e.g. “ten minutes of the guided relaxation”."


@cache
def timezone_choices() -> list[tuple[str, str]]:
    site = timezone.get_default_timezone_name()
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return [("", f"The site's time zone ({site})"), *((n, n.replace("_", " ")) for n in names)]


class PracticeEmailsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Your time zone", required=False, choices=timezone_choices)
    quiet_hours_start = forms.TimeField(
        label="Quiet hours from", required=False, widget=TimeInput, help_text="No practice emails from this time…"
    )
    quiet_hours_end = forms.TimeField(
        label="Quiet hours until", required=False, widget=TimeInput, help_text="…until this time (your local time)."
    )
    reminder_emails = forms.BooleanField(label="“Did you do it?” reminders at the time of each plan", required=False)
    checkin_emails = forms.BooleanField(label="Check-ins: “Did this conversation lead anywhere?”", required=False)
    booster_emails = forms.BooleanField(label="A weekly email with booster questions", required=False)
    weekly_email_cap = forms.IntegerField(
        label="At most this many practice emails a week",
        min_value=0,
        max_value=50,
        help_text="0 sends none.",
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"), "Enter how many practice emails a week, from 0 to 50."
        ),
    )

    class Meta:
        model = ParticipantPreferences
        fields = list(PREFERENCE_FIELDS)

    def clean(self):
        data = super().clean()
        if (data.get("quiet_hours_start") is None) != (data.get("quiet_hours_end") is None):
            self.add_error("quiet_hours_end", "Give both the start and the end of your quiet hours, or neither.")
        return data


def plan_choice_field(plans: list[Plan]) -> forms.ModelChoiceField:
    """The log form's "Which plan did this keep?" over the given plans (this challenge's)."""
    field = PlanChoiceField(
        queryset=Plan.objects.filter(pk__in=[p.pk for p in plans]).order_by("cue_at", "pk"),
        to_field_name="uuid",
        required=False,
        label="Which plan did this keep? (optional)",
        empty_label="None of my plans",
        error_messages={"invalid_choice": "Choose one of your plans for this challenge."},
    )
    return field


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"When {obj.cue}, I will {obj.action} ({obj.day:%a %d %b} {obj.time:%H:%M})"
