from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    label = "microlearn_api"
    verbose_name = "HR API"

    def ready(self):
        from .v1 import authentication, webhooks  # noqa: F401  (schema extension registers on import)

        webhooks.connect_receivers()
