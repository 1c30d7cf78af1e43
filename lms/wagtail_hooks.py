"""Wagtail registrations of the lms app, one section per domain."""

from functools import partial

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .account import REGISTER_HOOK as ACCOUNT_HOOK
from .admin.certificates import CertificatePermissionPolicy, CertificateViewSet
from .admin.certificates import admin_urls as certificate_admin_urls
from .admin.certificates import register_log_actions as register_certificate_log_actions
from .admin.cohorts import CohortsGroup, admin_urls
from .admin.learning import learning_viewset_group
from .dashboard import REGISTER_HOOK, LearnSection
from .models import Certificate
from .views import learning
from .views.account import profile_section
from .views.badges import badges_section
from .views.certificates import certificates_section
from .views.challenges import dashboard_section
from .views.my_cohort import cohort_section
from .views.participant import courses_section
from .views.plans import calendar_section, practice_emails_section
from .views.plans import dashboard_section as plans_section
from .views.practice import boosters_section
from .views.privacy import erase_section, export_section

# --- Learning records ---------------------------------------------------------------------------


@hooks.register("microlearn_course_context")
def add_learning_to_course_page(page, request, context):
    learning.course_context(page, request, context)


@hooks.register("microlearn_module_context")
def add_learning_to_module_page(page, request, context):
    learning.module_context(page, request, context)


# --- /learn/ sections (lms/dashboard.py): a host adds or removes sections with the same hooks -----
for name, render in (
    ("courses", courses_section),
    ("certificates", certificates_section),
    ("badges", badges_section),
    ("cohort", cohort_section),
    ("challenges", dashboard_section),
    ("boosters", boosters_section),
    ("plans", plans_section),
):
    hooks.register(REGISTER_HOOK, partial(LearnSection, name, render))

# --- /learn/account/ sections (lms/account.py): same pattern, own hooks --------------------------
hooks.register(ACCOUNT_HOOK, partial(LearnSection, "profile", profile_section))
hooks.register(ACCOUNT_HOOK, partial(LearnSection, "export", export_section))
hooks.register(ACCOUNT_HOOK, partial(LearnSection, "erase", erase_section))
hooks.register(ACCOUNT_HOOK, partial(LearnSection, "practice-emails", practice_emails_section))
hooks.register(ACCOUNT_HOOK, partial(LearnSection, "calendar", calendar_section))


@hooks.register("register_admin_viewset")
def register_learning_admin():
    return learning_viewset_group


# --- Certificates -------------------------------------------------------------------------------
register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))
hooks.register("register_admin_viewset", lambda: CertificateViewSet("certificates"))
hooks.register("register_log_actions", register_certificate_log_actions)
hooks.register("register_admin_urls", certificate_admin_urls)


# --- Organisations and cohorts ------------------------------------------------------------------
@hooks.register("register_admin_viewset")
def register_cohort_viewsets():
    return CohortsGroup()


@hooks.register("register_admin_urls")
def register_cohort_import_urls():
    return admin_urls()


# --- The cohort page's summary (lms.services.summaries) -------------------------------------------
# A module's "required" flag and attempt limit, and a challenge's week and target, are part of the
# enrolments' maintained summary: an admin change to them queues a rebuild of the course's.


def _course_id_of_module(page) -> int | None:
    from courses.models import CoursePage, ModulePage

    if page.specific_class is None or not issubclass(page.specific_class, ModulePage):
        return None
    parent_path = page.path[: -page.steplen]
    return CoursePage.objects.filter(path=parent_path).values_list("pk", flat=True).first()


@hooks.register("after_publish_page")
@hooks.register("after_unpublish_page")
@hooks.register("after_delete_page")
def rebuild_summaries_after_module_change(request, page):
    from .services.summaries import schedule_rebuild

    schedule_rebuild(course_id=_course_id_of_module(page))


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def rebuild_summaries_after_challenge_change(request, instance):
    _rebuild_for_challenges(request, [instance])


@hooks.register("after_delete_snippet")
def rebuild_summaries_after_challenge_delete(request, instances):
    _rebuild_for_challenges(request, instances)


def _rebuild_for_challenges(request, instances) -> None:
    from courses.models import Challenge

    from .services.summaries import schedule_rebuild

    for course_id in {i.course_id for i in instances if isinstance(i, Challenge)}:
        schedule_rebuild(course_id=course_id)
