"""Wagtail admin for organisations and cohorts, and the CSV bulk add of participants.

The import is three steps: upload (parse and check) → preview (rows that create users, rows
that reuse users, one line per error) → confirm (a task imports the good rows in one
transaction; the progress page refreshes itself with a meta refresh, no script needed).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_http_methods
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button, HeaderButton

from ..models import Cohort, CohortImport, ImportStatus, Organisation
from ..roles import trainer_candidates
from ..services.csv_import import MAX_BYTES, MAX_ROWS, CsvImportError, csv_import_confirm, csv_import_preview
from ..services.summaries import schedule_rebuild
from .sso import OrganisationSsoViewSet
from .xapi import OrganisationLrsViewSet


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    form_fields = ["name", "slug"]
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    list_filter = {"created_at": ["gte", "lte"]}
    copy_view_enabled = False


class CohortIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                "Import participants",
                url=reverse("microlearn_lms_cohort_import", args=[instance.pk]),
                icon_name="upload",
                priority=15,
            )
        )
        return buttons


class CohortEditView(generic.EditView):
    def save_instance(self):
        instance = super().save_instance()
        if {"start_date", "course"} & set(self.form.changed_data):
            # The weeks of the participants' entries moved: their streak summary follows.
            schedule_rebuild(cohort_id=instance.pk)
        return instance

    @cached_property
    def header_buttons(self):
        """ "Import participants" in plain sight, beside the page title (not in the ⋯ menu)."""
        return [
            *super().header_buttons,
            HeaderButton(
                "Import participants",
                url=reverse("microlearn_lms_cohort_import", args=[self.object.pk]),
                icon_name="upload",
            ),
        ]

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        buttons.append(
            Button(
                "Trainer view",
                url=reverse("microlearn_lms:trainer-cohort", args=[self.object.pk]),
                icon_name="view",
                priority=6,
            )
        )
        return buttons


def person_label(user) -> str:
    """ "Ada Lovelace (ada@example.com)", or the username for a user without a name."""
    name = user.get_full_name().strip()
    if name and user.email:
        return f"{name} ({user.email})"
    return name or user.email or user.get_username()


class SearchableCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes with a "Search" box above them, drawn by an external script (CSP-safe);
    without the script every checkbox still shows and works."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "ml-searchable-checkboxes", **(attrs or {})}, choices)

    class Media:
        js = ["microlearn_lms/js/searchable-checkboxes.js"]


class TrainerChoiceField(forms.ModelMultipleChoiceField):
    """Only users who may train (lms.roles.trainer_candidates), by full name and email."""

    widget = SearchableCheckboxes

    def __init__(self, **kwargs):
        queryset = trainer_candidates().order_by("first_name", "last_name", "email")
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj):
        return person_label(obj)


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    menu_label = "Cohorts"
    edit_view_class = CohortEditView
    index_view_class = CohortIndexView
    form_fields = ["organisation", "course", "name", "start_date", "end_date", "trainers"]
    list_display = ["name", "organisation", "course", "start_date", "end_date"]
    search_fields = ["name", "organisation__name"]
    list_filter = ["organisation", "course", "start_date"]
    copy_view_enabled = False

    def get_queryset(self, request):
        return Cohort.objects.select_related("organisation", "course")

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        form_class.base_fields["trainers"] = TrainerChoiceField(
            required=False,
            label="Trainers",
            help_text="Only staff, and users with the permission “Can use the trainer pages”, are listed. "
            "They see this cohort on their trainer pages. "
            "After saving, use “Import participants” at the top of the page to add participants.",
        )
        return form_class


class CohortsGroup(ModelViewSetGroup):
    menu_label = "Cohorts"
    menu_icon = "group"
    menu_order = 300
    items = (
        OrganisationViewSet("organisations"),
        OrganisationSsoViewSet("organisation-sso"),
        OrganisationLrsViewSet("organisation-lrs"),
        CohortViewSet("cohorts"),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"Columns: email, first name, last name, external id. UTF-8, comma or semicolon separated, "
            f"at most {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB."
        ),
    )


def _cohort_for_admin(request, cohort_id: int) -> Cohort:
    if not request.user.has_perm("microlearn_lms.change_cohort"):
        raise PermissionDenied
    return get_object_or_404(Cohort.objects.select_related("organisation", "course"), pk=cohort_id)


@require_http_methods(["GET", "POST"])
def import_upload(request, cohort_id: int):
    cohort = _cohort_for_admin(request, cohort_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into parts.")
        else:
            try:
                cohort_import = csv_import_preview(
                    cohort=cohort, data=upload.read(), filename=upload.name, uploaded_by=request.user
                )
            except CsvImportError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("microlearn_lms_cohort_import_preview", cohort_id=cohort.pk, import_id=cohort_import.pk)
    recent = cohort.imports.select_related("uploaded_by")[:10]
    return render(
        request, "microlearn_lms/admin/import_upload.html", {"cohort": cohort, "form": form, "recent": recent}
    )


def _import(request, cohort_id: int, import_id: int) -> CohortImport:
    cohort = _cohort_for_admin(request, cohort_id)
    return get_object_or_404(CohortImport.objects.select_related("cohort"), pk=import_id, cohort=cohort)


@require_http_methods(["GET", "POST"])
def import_preview(request, cohort_id: int, import_id: int):
    cohort_import = _import(request, cohort_id, import_id)
    if cohort_import.status != ImportStatus.PREVIEW:
        return redirect("microlearn_lms_cohort_import_progress", cohort_id=cohort_id, import_id=import_id)
    if request.method == "POST":
        if not cohort_import.rows:
            messages.error(request, "There is no good row to import. Fix the file and upload it again.")
            return redirect("microlearn_lms_cohort_import", cohort_id=cohort_id)
        csv_import_confirm(cohort_import=cohort_import)
        return redirect("microlearn_lms_cohort_import_progress", cohort_id=cohort_id, import_id=import_id)
    rows = cohort_import.rows
    return render(
        request,
        "microlearn_lms/admin/import_preview.html",
        {
            "cohort": cohort_import.cohort,
            "job": cohort_import,
            "create_rows": [r for r in rows if r["action"] == "create"][:500],
            "reuse_rows": [r for r in rows if r["action"] == "reuse"][:500],
            "shown_limit": 500,
        },
    )


def import_progress(request, cohort_id: int, import_id: int):
    cohort_import = _import(request, cohort_id, import_id)
    running = cohort_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    return render(
        request,
        "microlearn_lms/admin/import_progress.html",
        {"cohort": cohort_import.cohort, "job": cohort_import, "running": running},
    )


TEMPLATE_CSV = "email,first name,last name,external id\r\nada.lovelace@example.com,Ada,Lovelace,E0001\r\n"


def import_template(request):
    """The CSV template to fill in: the header row and one example row (UTF-8 with a BOM, so
    Excel opens accented names correctly; the import accepts the BOM)."""
    if not request.user.has_perm("microlearn_lms.change_cohort"):
        raise PermissionDenied
    response = HttpResponse(("\ufeff" + TEMPLATE_CSV).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="participants-template.csv"'
    return response


def admin_urls():
    return [
        path("cohort-import/template.csv", import_template, name="microlearn_lms_cohort_import_template"),
        path("cohort-import/<int:cohort_id>/", import_upload, name="microlearn_lms_cohort_import"),
        path(
            "cohort-import/<int:cohort_id>/<int:import_id>/",
            import_preview,
            name="microlearn_lms_cohort_import_preview",
        ),
        path(
            "cohort-import/<int:cohort_id>/<int:import_id>/progress/",
            import_progress,
            name="microlearn_lms_cohort_import_progress",
        ),
    ]
