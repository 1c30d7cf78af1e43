"""Wagtail registrations of the lms app."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin.certificates import CertificatePermissionPolicy, CertificateViewSet
from .admin.certificates import register_log_actions as register_certificate_log_actions
from .models import Certificate

# --- Certificates -----------------------------------------------------------------------------
register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))
hooks.register("register_admin_viewset", lambda: CertificateViewSet("certificates"))
hooks.register("register_log_actions", register_certificate_log_actions)
