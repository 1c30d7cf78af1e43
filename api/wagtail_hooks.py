"""Wagtail admin: an "HR API" menu with organisations' API keys, SCIM tokens and webhook endpoints.

A new key or token is shown once, in the confirmation message; only its hash is stored. Revoke
one by setting "revoked at" (or delete it).
"""

from django.contrib import messages
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from .models import ApiKey, ScimToken, WebhookEndpoint


class ApiKeyCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        key, raw = ApiKey.generate(organisation=data["organisation"], name=data["name"], scope=data["scope"])
        self.raw_key = raw
        return key

    def save_action(self):
        messages.warning(
            self.request,
            format_html("Copy the key now; it will not be shown again: <code>{}</code>", self.raw_key),
        )
        return super().save_action()


class ApiKeyViewSet(ModelViewSet):
    model = ApiKey
    icon = "key"
    menu_label = "API keys"
    add_view_class = ApiKeyCreateView
    form_fields = ["organisation", "name", "scope", "revoked_at"]
    list_display = ["name", "organisation", "prefix", "scope", "last_used_at", "revoked_at"]
    list_filter = ["organisation", "scope"]
    search_fields = ["name", "prefix"]


class ScimTokenCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        token, raw = ScimToken.generate(
            organisation=data["organisation"], name=data["name"], group_course=data.get("group_course")
        )
        self.raw_token = raw
        return token

    def save_action(self):
        messages.warning(
            self.request,
            format_html("Copy the SCIM token now; it will not be shown again: <code>{}</code>", self.raw_token),
        )
        return super().save_action()


class ScimTokenViewSet(ModelViewSet):
    model = ScimToken
    icon = "key"
    menu_label = "SCIM tokens"
    add_view_class = ScimTokenCreateView
    form_fields = ["organisation", "name", "group_course", "revoked_at"]
    list_display = ["name", "organisation", "prefix", "group_course", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "prefix"]


class WebhookEndpointViewSet(ModelViewSet):
    model = WebhookEndpoint
    icon = "link-external"
    menu_label = "Webhooks"
    form_fields = ["organisation", "url", "description", "events", "is_active"]
    list_display = ["url", "organisation", "events", "is_active", "created_at"]
    list_filter = ["organisation", "is_active"]


class HrApiGroup(ViewSetGroup):
    menu_label = "HR API"
    menu_icon = "code"
    items = (ApiKeyViewSet("api_keys"), ScimTokenViewSet("api_scim_tokens"), WebhookEndpointViewSet("api_webhooks"))


@hooks.register("register_admin_viewset")
def register_hr_api_viewsets():
    return HrApiGroup()
