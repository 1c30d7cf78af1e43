"""Participant forms. They only translate POST data; the services decide and record."""

from django import forms
from django.core.exceptions import ValidationError

from .grading import MULTIPLE

FIELD_PREFIX = "q-"


class QuizAttemptForm(forms.Form):
    """One field per served question (radio buttons, or checkboxes for multiple choice).

    Choices are exactly the served options, so an unknown option, an option of another question
    or a missing answer is a form error. Answers naming a question outside the attempt are a
    form error too (Django would otherwise ignore the extra field silently).
    """

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(option.id, option.text) for option in question.options]
            messages = {
                "invalid_choice": "That answer is not one of this question's options.",
                "required": "Answer this question." if question.kind != MULTIPLE else "Choose at least one option.",
            }
            if question.kind == MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple, error_messages=messages
                )
            else:
                field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, error_messages=messages)
            field.label = question.text
            field.question = question
            self.fields[FIELD_PREFIX + question.id] = field

    def clean(self):
        cleaned = super().clean()
        extra = [key for key in self.data if key.startswith(FIELD_PREFIX) and key not in self.fields]
        if extra:
            raise ValidationError("The answers name a question that is not part of this attempt.", code="extra")
        return cleaned

    def answers(self) -> dict[str, list[str]]:
        """{question id: [option ids]}, the shape the grading expects."""
        out = {}
        for name, value in self.cleaned_data.items():
            out[name.removeprefix(FIELD_PREFIX)] = list(value) if isinstance(value, list) else [value]
        return out

    def bound_questions(self):
        """(question, bound field) pairs in served order, for the template."""
        return [(self[FIELD_PREFIX + q.id].field.question, self[FIELD_PREFIX + q.id]) for q in self.questions]


class CredentialVerifyForm(forms.Form):
    """A credential to verify: pasted (the VC-JWT or our .json) or uploaded as a file."""

    MAX_BYTES = 256 * 1024

    credential = forms.CharField(
        label="Paste the credential",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text="The contents of the .json file, or the credential's JWT (it starts with eyJ).",
    )
    file = forms.FileField(label="Or upload the credential file", required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > self.MAX_BYTES:
            raise ValidationError("The file is too large to be a credential (256 KB at most).")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("The file is not text: upload the .json or .jwt credential file.") from exc

    def clean(self):
        data = super().clean()
        pasted = (data.get("credential") or "").strip()
        uploaded = (data.get("file") or "").strip()
        if "file" in self.errors:
            return data
        if not pasted and not uploaded:
            raise ValidationError("Paste a credential or choose its file.")
        if pasted and uploaded:
            raise ValidationError("Give either a pasted credential or a file, not both.")
        return data

    def credential_text(self) -> str:
        return (self.cleaned_data.get("file") or self.cleaned_data.get("credential") or "").strip()
