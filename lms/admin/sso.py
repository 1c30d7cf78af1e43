"""Wagtail admin for each organisation's single sign-on (docs/sso.md), beside Organisations.

The client secret is write-only: the form never shows it back, only its last characters in the
help text; leaving the field empty when editing keeps the current secret."""

from __future__ import annotations

from django import forms
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import OrganisationSso

SECRET_KEEP = "Leave empty to keep the current secret ({hint})."  # noqa: S105 (help text)


class OrganisationSsoViewSet(ModelViewSet):
    model = OrganisationSso
    icon = "key"
    menu_label = "Single sign-on"
    form_fields = [
        "organisation",
        "enabled",
        "issuer",
        "client_id",
        "client_secret",
        "allowed_domains",
        "password_login",
    ]
    list_display = ["organisation", "issuer", "enabled", "password_login"]
    search_fields = ["organisation__name", "issuer"]
    list_filter = ["enabled", "password_login"]
    copy_view_enabled = False

    def get_queryset(self, request):
        return OrganisationSso.objects.select_related("organisation")

    def get_form_class(self, for_update=False):
        base = super().get_form_class(for_update)

        class SsoForm(base):
            client_secret = forms.CharField(
                label="Client secret",
                max_length=500,
                required=not for_update,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            )

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.pk:
                    self.fields["client_secret"].help_text = SECRET_KEEP.format(hint=self.instance.secret_hint)
                    self.initial.pop("client_secret", None)

            def clean_client_secret(self):
                secret = self.cleaned_data.get("client_secret") or ""
                if not secret and self.instance.pk:
                    return OrganisationSso.objects.only("client_secret").get(pk=self.instance.pk).client_secret
                return secret

        SsoForm.__name__ = "OrganisationSsoForm"
        return SsoForm
