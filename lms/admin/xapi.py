"""Wagtail admin for each organisation's Learning Record Store (docs/xapi.md), beside Organisations.

The password is write-only: the form never shows it back, only its last characters in the help
text; leaving the field empty when editing keeps the current password."""

from __future__ import annotations

from django import forms
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import OrganisationLrs

PASSWORD_KEEP = "Leave empty to keep the current password ({hint})."  # noqa: S105 (help text)


class OrganisationLrsViewSet(ModelViewSet):
    model = OrganisationLrs
    icon = "resubmit"
    menu_label = "Learning Record Stores (xAPI)"
    form_fields = ["organisation", "enabled", "endpoint", "username", "password"]
    list_display = ["organisation", "endpoint", "enabled"]
    search_fields = ["organisation__name", "endpoint"]
    list_filter = ["enabled"]
    copy_view_enabled = False

    def get_queryset(self, request):
        return OrganisationLrs.objects.select_related("organisation")

    def get_form_class(self, for_update=False):
        base = super().get_form_class(for_update)

        class LrsForm(base):
            password = forms.CharField(
                label="Password",
                max_length=500,
                required=not for_update,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            )

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.pk:
                    self.fields["password"].help_text = PASSWORD_KEEP.format(hint=self.instance.password_hint)
                    self.initial.pop("password", None)

            def clean_password(self):
                password = self.cleaned_data.get("password") or ""
                if not password and self.instance.pk:
                    return OrganisationLrs.objects.only("password").get(pk=self.instance.pk).password
                return password

        LrsForm.__name__ = "OrganisationLrsForm"
        return LrsForm
