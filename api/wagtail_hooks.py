"""Wagtail admin: an "HR API" menu with organisations' API keys, SCIM tokens, webhook endpoints and deliveries.

A new key or token is shown once, in the confirmation message; only its hash is stored. Revoke
one by setting "revoked at" (or delete it). A webhook URL must pass the API's SSRF check.
Deliveries are read-only; a failed or succeeded one has a "Redeliver" action
(``webhook_delivery_redeliver``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import ApiKey, DeliveryStatus, ScimToken, WebhookDelivery, WebhookEndpoint
from .services import UnsafeURL, webhook_delivery_redeliver, webhook_url_check


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

    def get_form_class(self, for_update=False):
        """The API's SSRF rule (``webhook_url_check``) on the URL field: HTTPS, public addresses only."""
        base = super().get_form_class(for_update=for_update)

        class WebhookEndpointForm(base):
            def clean_url(self):
                url = self.cleaned_data["url"]
                try:
                    webhook_url_check(url=url)
                except UnsafeURL as exc:
                    raise ValidationError(str(exc)) from None
                return url

        return WebhookEndpointForm


class DeliveryPermissionPolicy(ModelPermissionPolicy):
    """Deliveries are a log: nobody adds, edits or deletes one here. Redelivering needs the
    model's change permission (``redeliver``)."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        if action == "redeliver":
            return super().user_has_permission(user, "change")
        return super().user_has_permission(user, action)


register_permission_policy(WebhookDelivery, DeliveryPermissionPolicy(WebhookDelivery), exact_class=True)


class DeliveryIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status != DeliveryStatus.PENDING:
            namespace = self.index_url_name.rsplit(":", 1)[0]
            url = reverse(f"{namespace}:redeliver", args=[instance.pk])
            buttons.append(MenuItem("Redeliver", url=url, icon_name="resubmit", priority=5))
        return buttons


class WebhookDeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "resubmit"
    menu_label = "Webhook deliveries"
    index_view_class = DeliveryIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["status"]  # no add or edit view is reachable (DeliveryPermissionPolicy)
    list_display = ["event", "endpoint", "status", "attempts", "last_error", "created_at"]
    list_filter = ["status", "event"]

    def redeliver_view(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "redeliver"):
            raise PermissionDenied
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
        index_url = reverse(self.get_url_name("index"))
        if request.method == "POST":
            webhook_delivery_redeliver(delivery=delivery)
            messages.success(request, f"Delivery {delivery.uuid} queued again.")
            return redirect(index_url)
        context = {"delivery": delivery, "index_url": index_url}
        return TemplateResponse(request, "microlearn_api/admin/redeliver_confirm.html", context)

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("<int:pk>/redeliver/", self.redeliver_view, name="redeliver")]


class HrApiGroup(ViewSetGroup):
    menu_label = "HR API"
    menu_icon = "code"
    items = (
        ApiKeyViewSet("api_keys"),
        ScimTokenViewSet("api_scim_tokens"),
        WebhookEndpointViewSet("api_webhooks"),
        WebhookDeliveryViewSet("api_webhook_deliveries"),
    )


@hooks.register("register_admin_viewset")
def register_hr_api_viewsets():
    return HrApiGroup()


@hooks.register("microlearn_worker_housekeeping")
def requeue_stalled_webhook_deliveries() -> None:
    """Every reap of ``manage.py lms_worker``: attempts lost between a commit and its enqueue run again."""
    from .v1.webhooks import deliveries_requeue_stalled

    deliveries_requeue_stalled()
