from django.apps import AppConfig


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    label = "microlearn_lms"
    verbose_name = "Learning records"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .certificates import receivers  # noqa: F401  (connects the certificate receivers)
        from .events import participant_erased
        from .services.sso import sso_identity_forget

        participant_erased.connect(sso_identity_forget, dispatch_uid="microlearn_sso_identity_forget")
