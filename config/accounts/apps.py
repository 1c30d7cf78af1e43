from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "config.accounts"
    label = "site_accounts"
    verbose_name = "Site accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .mfa import mark_second_factor_pending

        user_logged_in.connect(mark_second_factor_pending, dispatch_uid="site_accounts_mfa_pending")
