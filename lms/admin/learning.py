"""Wagtail admin for learning records: enrolments and quiz attempts.

Records are never edited in place: staff enrol a user (through ``enrolment_create`` with
``source=staff``) and withdraw an enrolment (through ``enrolment_withdraw``); everything else
is read-only, filterable and searchable. Attempts are read-only.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button, MenuItem

from courses.models import CoursePage

from .. import services
from ..models import Cohort, Enrolment, EnrolmentSource, EnrolmentStatus, QuizAttempt

USER_SEARCH = ["user__username", "user__email", "user__first_name", "user__last_name"]


class StaffEnrolmentForm(forms.ModelForm):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"))
    course = forms.ModelChoiceField(queryset=CoursePage.objects.live().order_by("title"))
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.select_related("organisation"), required=False)

    class Meta:
        model = Enrolment
        fields = ["user", "course", "cohort"]

    def validate_unique(self):
        # The service is idempotent: enrolling someone already enrolled returns their enrolment.
        pass


class EnrolmentCreateView(generic.CreateView):
    page_title = gettext_lazy("Enrol a user")
    submit_button_label = gettext_lazy("Enrol")

    def get_form_class(self):
        return StaffEnrolmentForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("for_user", None)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            enrolment = services.enrolment_create(
                user=data["user"], course=data["course"], cohort=data["cohort"], source=EnrolmentSource.STAFF
            )
        except services.EnrolmentError as exc:
            form.add_error(None, str(exc))
            self.produced_error_message = str(exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{enrolment.user} is enrolled in {enrolment.course.title} ({enrolment.status})."
        )
        return redirect(self.index_url_name)


class EnrolmentIndexView(generic.IndexView):
    def get_copy_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        buttons = [MenuItem("Details", url=self.get_inspect_url(instance), icon_name="info-circle", priority=10)]
        if instance.status == EnrolmentStatus.ACTIVE and self.user_has_permission("change"):
            url = reverse(self.delete_url_name, args=(quote(instance.pk),))
            buttons.append(MenuItem("Withdraw", url=url, icon_name="cross", priority=30))
        return buttons

    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)


class EnrolmentDetailView(generic.InspectView):
    page_title = gettext_lazy("Enrolment")

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        if self.object.status == EnrolmentStatus.ACTIVE and self.user_has_permission("change"):
            return reverse(self.delete_url_name, args=(quote(self.object.pk),))
        return None

    @property
    def header_more_buttons(self):
        url = self.get_delete_url()
        return [Button("Withdraw", url=url, icon_name="cross", priority=20)] if url else []


class EnrolmentWithdrawView(generic.DeleteView):
    """Withdraws (never deletes): ACTIVE → WITHDRAWN through the service; the records are kept."""

    page_title = gettext_lazy("Withdraw")
    permission_required = "change"

    def get_usage_url(self):
        return None

    @property
    def confirmation_message(self):
        return (
            f"Withdraw {self.object.user} from {self.object.course.title}? Their records are kept; "
            "they can enrol again later."
        )

    def get_success_message(self):
        return f"{self.object.user} was withdrawn from {self.object.course.title}."

    def form_valid(self, form):
        try:
            services.enrolment_withdraw(enrolment=self.object)
        except services.EnrolmentError as exc:
            messages.error(self.request, str(exc))
            return redirect(self.index_url_name)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class EnrolmentViewSet(ModelViewSet):
    model = Enrolment
    icon = "user"
    menu_label = "Enrolments"
    url_prefix = "lms/enrolments"
    index_view_class = EnrolmentIndexView
    add_view_class = EnrolmentCreateView
    inspect_view_class = EnrolmentDetailView
    delete_view_class = EnrolmentWithdrawView
    inspect_view_enabled = True
    inspect_view_fields = [
        "user",
        "course",
        "cohort",
        "status",
        "source",
        "enrolled_at",
        "completed_at",
        "withdrawn_at",
        "last_activity_at",
    ]
    delete_template_name = "microlearn_lms/admin/confirm_withdraw.html"
    copy_view_enabled = False
    list_display = [
        "user",
        "course",
        Column("status", label="Status", accessor="get_status_display"),
        Column("source", label="Source", accessor="get_source_display"),
        DateColumn("enrolled_at", label="Enrolled"),
        DateColumn("completed_at", label="Completed"),
    ]
    list_filter = ["status", "source", "course", "cohort"]
    search_fields = USER_SEARCH
    form_fields = ["user", "course", "cohort"]

    def get_queryset(self, request):
        return Enrolment.objects.select_related("user", "course", "cohort")

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        # No edit or delete: details are read-only, "delete" withdraws through the service.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path(f"<{conv}:pk>/", self.inspect_view, name="inspect"),
            path(f"<{conv}:pk>/details/", self.inspect_view, name="edit"),
            path(f"<{conv}:pk>/withdraw/", self.delete_view, name="delete"),
        ]


class AttemptIndexView(generic.IndexView):
    def get_add_url(self):
        return None

    def get_copy_url(self, instance):
        return None

    def get_delete_url(self, instance):
        return None

    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)


class AttemptDetailView(generic.InspectView):
    page_title = gettext_lazy("Quiz attempt")

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        return None


class QuizAttemptViewSet(ModelViewSet):
    model = QuizAttempt
    icon = "tasks"
    menu_label = "Quiz attempts"
    url_prefix = "lms/attempts"
    index_view_class = AttemptIndexView
    inspect_view_class = AttemptDetailView
    inspect_view_enabled = True
    inspect_view_fields = [
        "enrolment",
        "module",
        "number",
        "status",
        "score",
        "passed",
        "pass_mark",
        "started_at",
        "submitted_at",
    ]
    copy_view_enabled = False
    list_display = [
        Column("participant", label="Participant", accessor="enrolment.user"),
        "module",
        "number",
        Column("status", label="Status", accessor="get_status_display"),
        "score",
        "passed",
        DateColumn("submitted_at", label="Submitted"),
    ]
    list_filter = ["status", "passed", "module"]
    search_fields = ["enrolment__" + f for f in USER_SEARCH]
    form_fields = []

    def get_queryset(self, request):
        return QuizAttempt.objects.select_related("enrolment__user", "module").defer("served", "answers", "results")

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"<{conv}:pk>/", self.inspect_view, name="inspect"),
            path(f"<{conv}:pk>/details/", self.inspect_view, name="edit"),
        ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(add_url_name=None, delete_url_name=None, **kwargs)


class LearningViewSetGroup(ModelViewSetGroup):
    menu_label = "Learning records"
    menu_icon = "group"
    menu_order = 250
    items = (EnrolmentViewSet("microlearn_lms_enrolments"), QuizAttemptViewSet("microlearn_lms_attempts"))


learning_viewset_group = LearningViewSetGroup()
