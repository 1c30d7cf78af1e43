from django.urls import include, path

from . import mfa
from .password_login import SiteLoginView, SsoAwarePasswordResetConfirmView
from .password_reset import ThrottledPasswordResetView

urlpatterns = [
    path("login/", SiteLoginView.as_view(), name="login"),
    path("reset/<uidb64>/<token>/", SsoAwarePasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("2fa/", mfa.manage, name="mfa_manage"),
    path("2fa/setup/", mfa.setup, name="mfa_setup"),
    path("2fa/verify/", mfa.verify, name="mfa_verify"),
    path("2fa/recovery-codes/", mfa.recovery_codes, name="mfa_recovery_codes"),
    path("", include("django.contrib.auth.urls")),
]
