"""Forms of the practice log. They only translate: the rules live in ``lms/services/challenges.py``."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from courses.models import Challenge, ChallengeKind

from .models import FollowUp, Outcome, Setting
from .services.challenges import CALM, MINUTES, TEXT_LIMITS
from .validators import validate_date_in_range


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CharacterLimit(MaxLengthValidator):
    """A text limit whose error says by how much it is over ("it has 2,040: 40 too many")."""

    def __call__(self, value):
        length = len(value)
        if length > self.limit_value:
            raise ValidationError(
                f"Keep this to {self.limit_value:,} characters (it has {length:,}: "
                f"{length - self.limit_value:,} too many).",
                code="max_length",
            )


def with_friendly_limits(form: forms.Form) -> None:
    """Every text field's limit answers with a clear message; long text boxes get a live counter.

    A ``<textarea>`` loses its ``maxlength`` (which cuts pasted text silently) and gets
    ``data-char-count``, which ``js/forms.js`` turns into "1,940 characters left"; the server
    still refuses text over the limit, with the message above.
    """
    for field in form.fields.values():
        if not isinstance(field, forms.CharField) or field.max_length is None:
            continue
        field.validators = [
            CharacterLimit(field.max_length) if isinstance(v, MaxLengthValidator) else v for v in field.validators
        ]
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs.pop("maxlength", None)
            field.widget.attrs["data-char-count"] = str(field.max_length)


class CalmScale(forms.RadioSelect):
    """A 1-10 rating as a row of big radio buttons with end labels (a fieldset with a legend)."""

    template_name = "microlearn_lms/forms/widgets/scale.html"
    low_label = "tense"
    high_label = "calm"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        choices = [label for _, label in self.choices]
        context["widget"].update(
            low=choices[0] if choices else "",
            high=choices[-1] if choices else "",
            low_label=self.low_label,
            high_label=self.high_label,
        )
        return context


def calm_field(moment: str) -> forms.TypedChoiceField:
    message = f"Rate how calm you felt {moment} practising, from {CALM[0]} (tense) to {CALM[1]} (calm)."
    return forms.TypedChoiceField(
        label=f"How calm did you feel {moment} practising?",
        help_text=f"From {CALM[0]} (tense) to {CALM[1]} (calm).",
        choices=[(n, str(n)) for n in range(CALM[0], CALM[1] + 1)],
        coerce=int,
        widget=CalmScale,
        error_messages={"required": message, "invalid_choice": message},
    )


class LogFormBase(forms.Form):
    challenge = forms.ModelChoiceField(
        queryset=Challenge.objects.all(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That challenge does not exist.", "required": "Choose a challenge."},
    )
    occurred_on = forms.DateField(
        label="Date",
        widget=DateInput,
        validators=[validate_date_in_range],
        error_messages=dict.fromkeys(("required", "invalid"), "Enter the date, for example 2026-03-14."),
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=TEXT_LIMITS["notes"],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {TEXT_LIMITS['notes']:,} characters.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with_friendly_limits(self)


class NetworkingLogForm(LogFormBase):
    setting = forms.ChoiceField(
        label="Where",
        choices=[("", "Choose where it happened"), *Setting.choices],
        error_messages=dict.fromkeys(("required", "invalid_choice"), "Choose where it happened from the list."),
    )
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
        help_text=f"Up to {TEXT_LIMITS['learned']:,} characters.",
    )
    follow_up = forms.ChoiceField(
        label="Follow-up",
        choices=FollowUp.choices,
        initial=FollowUp.NONE,
        widget=forms.RadioSelect,
        error_messages=dict.fromkeys(("required", "invalid_choice"), "Choose a follow-up from the list."),
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
    outcome = forms.ChoiceField(
        label="Outcome so far",
        choices=Outcome.choices,
        initial=Outcome.NONE_YET,
        error_messages=dict.fromkeys(("required", "invalid_choice"), "Choose an outcome from the list."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each date applies to one follow-up choice: js/forms.js shows it only then.
        follow_up = self.add_prefix("follow_up")
        self.fields["follow_up_due"].show_when = (follow_up, FollowUp.PLANNED)
        self.fields["follow_up_done_on"].show_when = (follow_up, FollowUp.DONE)

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


MINUTES_MESSAGE = f"Enter the minutes you practised, a whole number from {MINUTES[0]} to {MINUTES[1]}."


class PracticeLogForm(LogFormBase):
    minutes = forms.IntegerField(
        label="Minutes you practised",
        min_value=MINUTES[0],
        max_value=MINUTES[1],
        help_text=f"A whole number from {MINUTES[0]} to {MINUTES[1]}.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), MINUTES_MESSAGE),
    )
    calm_before = calm_field("before")
    calm_after = calm_field("after")

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
