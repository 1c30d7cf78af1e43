"""Wagtail admin for certificates: list, inspect, and the "manage" page to revoke or re-issue.

Certificates are never created, edited field by field or deleted in the admin: they come from
completions, and their only changes are revoke (with a reason) and re-issue. The permission
policy denies "add" and "delete" to everyone; "change" (``lms.change_certificate``) allows the
two actions. Both are written to Wagtail's audit log by the services.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.models import Site
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Certificate, CertificateStatus
from ..services import certificates as services


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody adds or deletes certificates by hand."""

    def user_has_permission(self, user, action):
        if action in {"add", "delete"}:
            return False
        return super().user_has_permission(user, action)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the public verification page.",
    )


class CertificateIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton("Preview certificate", url=reverse(PREVIEW_URL_NAME), icon_name="view"),
        ]

    def get_add_url(self):
        return None

    def get_copy_url(self, instance):
        return None

    def get_delete_url(self, instance):
        return None


class CertificateManageView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Details of one certificate, with the revoke form and the re-issue button."""

    permission_required = "change"
    permission_policy = None
    template_name = "microlearn_lms/admin/certificate_manage.html"
    model = Certificate
    index_url_name = None
    edit_url_name = None
    inspect_url_name = None
    history_url_name = None
    header_icon = "doc-full"
    page_title = "Manage certificate"

    def setup(self, request, *args, pk=None, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Certificate.objects.select_related("superseded_by"), pk=pk)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": "Certificates"},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    @cached_property
    def header_more_buttons(self):
        buttons = []
        if self.history_url_name:
            buttons.append(HeaderButton("History", url=reverse(self.history_url_name, args=[self.object.pk])))
        return buttons

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = self.object
        context.update(
            certificate=certificate,
            form=form or RevokeForm(),
            can_revoke=certificate.status == CertificateStatus.ISSUED,
            can_reissue=certificate.status in {CertificateStatus.ISSUED, CertificateStatus.REVOKED},
            download_url=(
                reverse("microlearn_lms:certificate_download", kwargs={"uuid": certificate.uuid})
                if certificate.pdf
                else ""
            ),
            verify_url=reverse("microlearn_lms:certificate_verify", kwargs={"code": certificate.verification_code}),
            replacement_url=(
                reverse(self.edit_url_name, args=[certificate.superseded_by_id]) if certificate.superseded_by_id else ""
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "revoke":
                form = RevokeForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                services.certificate_revoke(
                    certificate=self.object, reason=form.cleaned_data["reason"], user=request.user
                )
                messages.success(request, f"Certificate {self.object.serial} revoked.")
                return redirect(self.edit_url_name, self.object.pk)
            if action == "reissue":
                new = services.certificate_reissue(certificate=self.object, user=request.user)
                messages.success(request, f"Certificate re-issued as {new.serial}; {self.object.serial} is superseded.")
                return redirect(self.edit_url_name, new.pk)
        except services.CertificateError as exc:
            messages.error(request, str(exc))
            return redirect(self.edit_url_name, self.object.pk)
        messages.error(request, "Unknown action.")
        return redirect(self.edit_url_name, self.object.pk)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = "Certificates"
    menu_order = 310
    add_to_admin_menu = True
    add_to_reference_index = False  # a certificate references no content; indexing queued a task per save
    index_view_class = CertificateIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "serial",
        "holder_name",
        "course_title",
        Column("status", label="Status", accessor="get_status_display"),
        DateColumn("issued_on", label="Issued"),
    ]
    list_filter = ["status"]
    search_fields = ["serial", "holder_name", "course_title"]
    inspect_view_fields_exclude = ["verification_code", "pdf"]
    form_fields = []  # no add/edit forms: see CertificateManageView

    @property
    def edit_view(self):
        return self.construct_view(
            CertificateManageView,
            permission_policy=self.permission_policy,
            inspect_url_name=self.get_url_name("inspect"),
        )


# --- Preview of the design ------------------------------------------------------------------

PREVIEW_URL_NAME = "microlearn_lms_certificate_preview"
SAMPLE_CODE = "SAMPLE0PREVIEW00"


def sample_certificate() -> Certificate:
    """An unsaved certificate with sample data, for the preview: nothing is written anywhere."""
    today = timezone.localdate()
    return Certificate(
        serial=f"SAMPLE-{today.year}-0001",
        verification_code=SAMPLE_CODE,
        status=CertificateStatus.ISSUED,
        issued_on=today,
        completed_on=today,
        expires_on=None,
        holder_name="Alexandra Sample-Participant",
        course_title="Sample course: Micro-connections at work",
        programme_hours=Decimal("6.5"),
        organisation_name="Example Organisation",
        trainer_names="Sam Trainer",
    )


def may_preview(user) -> bool:
    return user.has_perm("microlearn_lms.change_certificatesettings") or user.has_perm(
        "microlearn_lms.change_certificate"
    )


def certificate_preview(request):
    """The current site's saved certificate design, rendered with sample data, as a PDF.
    Issues nothing: no Certificate row, no file, no serial number is used."""
    from ..certificates.pdf import design_for_site, render_certificate  # WeasyPrint loads only when used

    if not may_preview(request.user):
        raise PermissionDenied
    design = design_for_site(Site.find_for_request(request))
    _, content_type, content = render_certificate(sample_certificate(), design=design)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = 'inline; filename="certificate-preview.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def admin_urls():
    return [path("certificate-preview/", certificate_preview, name=PREVIEW_URL_NAME)]


class RevokeFormatter(LogFormatter):
    label = "Revoke certificate"

    def format_message(self, log_entry):
        return f"Certificate revoked: {log_entry.data.get('reason', '')}"


class ReissueFormatter(LogFormatter):
    label = "Re-issue certificate"

    def format_message(self, log_entry):
        return f"Certificate re-issued as {log_entry.data.get('new_serial', '?')}"


def register_log_actions(actions):
    actions.register_action(services.LOG_REVOKE)(RevokeFormatter)
    actions.register_action(services.LOG_REISSUE)(ReissueFormatter)
