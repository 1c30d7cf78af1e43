"""Account emails, sent by the task worker (tasks take plain data)."""

from django_tasks import task


@task()
def password_reset_email_send(*, user_ids: list[int], domain: str, site_name: str, use_https: bool) -> int:
    """Email a reset link to each user; an empty list (unknown address) sends nothing. Returns the count."""
    from .password_reset import send_reset_emails

    return send_reset_emails(user_ids=user_ids, domain=domain, site_name=site_name, use_https=use_https)
