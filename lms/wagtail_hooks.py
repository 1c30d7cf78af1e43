"""Wagtail registrations of the lms app, one section per domain."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin.certificates import CertificatePermissionPolicy, CertificateViewSet
from .admin.certificates import register_log_actions as register_certificate_log_actions
from .admin.learning import learning_viewset_group
from .models import Certificate
from .views import learning

# --- Learning records ---------------------------------------------------------------------------


@hooks.register("courses_course_context")
def add_learning_to_course_page(page, request, context):
    learning.course_context(page, request, context)


@hooks.register("courses_module_context")
def add_learning_to_module_page(page, request, context):
    learning.module_context(page, request, context)


@hooks.register("register_admin_viewset")
def register_learning_admin():
    return learning_viewset_group


# --- Certificates -------------------------------------------------------------------------------
register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))
hooks.register("register_admin_viewset", lambda: CertificateViewSet("certificates"))
hooks.register("register_log_actions", register_certificate_log_actions)
