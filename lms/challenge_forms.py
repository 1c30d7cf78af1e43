"""Forms of the practice log. They only translate: the rules live in ``lms/services/challenges.py``."""

from django import forms
from django.core.exceptions import ValidationError

from courses.models import Challenge, ChallengeKind

from .models import FollowUp, Outcome, Setting
from .services.challenges import CALM, MINUTES, TEXT_LIMITS
from .validators import validate_date_in_range


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LogFormBase(forms.Form):
    challenge = forms.ModelChoiceField(
        queryset=Challenge.objects.all(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That challenge does not exist.", "required": "Choose a challenge."},
    )
    occurred_on = forms.DateField(label="Date", widget=DateInput, validators=[validate_date_in_range])
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=TEXT_LIMITS["notes"],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {TEXT_LIMITS['notes']:,} characters.",
    )


class NetworkingLogForm(LogFormBase):
    setting = forms.ChoiceField(label="Where", choices=[("", "Choose where it happened"), *Setting.choices])
    who = forms.CharField(
        label="Who it was with (optional)",
        required=False,
        max_length=TEXT_LIMITS["who"],
        help_text="Describe a role, such as “a data analyst from Finance”, rather than a name — "
        "use a name only if the person agreed.",
    )
    opener = forms.CharField(label="The opener you used (optional)", required=False, max_length=TEXT_LIMITS["opener"])
    learned = forms.CharField(
        label="What you learned, or the value you offered (optional)",
        required=False,
        max_length=TEXT_LIMITS["learned"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.ChoiceField(
        label="Follow-up", choices=FollowUp.choices, initial=FollowUp.NONE, widget=forms.RadioSelect
    )
    follow_up_due = forms.DateField(
        label="Follow-up due on (if planned)", required=False, widget=DateInput, validators=[validate_date_in_range]
    )
    follow_up_done_on = forms.DateField(
        label="Followed up on (if done)",
        required=False,
        widget=DateInput,
        help_text="Leave empty for today.",
        validators=[validate_date_in_range],
    )
    outcome = forms.ChoiceField(label="Outcome so far", choices=Outcome.choices, initial=Outcome.NONE_YET)

    field_order = [
        "challenge",
        "occurred_on",
        "setting",
        "who",
        "opener",
        "learned",
        "follow_up",
        "follow_up_due",
        "follow_up_done_on",
        "outcome",
        "notes",
    ]


class PracticeLogForm(LogFormBase):
    minutes = forms.IntegerField(label="Minutes you practised", min_value=MINUTES[0], max_value=MINUTES[1])
    calm_before = forms.IntegerField(
        label="How calm you felt before (1 = not at all, 10 = completely)", min_value=CALM[0], max_value=CALM[1]
    )
    calm_after = forms.IntegerField(
        label="How calm you felt after (1 = not at all, 10 = completely)", min_value=CALM[0], max_value=CALM[1]
    )

    field_order = ["challenge", "occurred_on", "minutes", "calm_before", "calm_after", "notes"]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices)


def log_form_class(kind: str) -> type[LogFormBase]:
    return PracticeLogForm if kind == ChallengeKind.PRACTICE else NetworkingLogForm


def log_form(kind: str, *args, with_challenge: bool = True, **kwargs) -> LogFormBase:
    form = log_form_class(kind)(*args, **kwargs)
    if not with_challenge:
        del form.fields["challenge"]
    return form


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it has one, else at the top."""
    for name, messages in error.message_dict.items():
        field = form.fields.get(name)
        form.add_error(name if field is not None and not field.widget.is_hidden else None, messages)
