"""The site's registrations in the plugin's hooks."""

from wagtail import hooks


@hooks.register("microlearn_erase_person_data")
def erase_login_records(*, erasure):
    """django-axes keeps the user names (emails) typed at login: an erased person's go.

    Records of failed and successful logins that name the person are deleted (they exist only to
    throttle and audit logins; an erased account can no longer log in)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(erasure.text_filter("username", "path_info")).delete()
    AccessAttempt.objects.filter(erasure.text_filter("get_data", "post_data")).delete()
