"""Background tasks of the cohort and organisation domain. Tasks take ids and are enqueued on
commit; the work is done by services, so a task is a thin, re-runnable wrapper."""

from django_tasks import task


@task()
def cohort_import_run(*, import_id: int) -> None:
    from .services.csv_import import csv_import_run

    csv_import_run(import_id=import_id)


@task()
def nudge_email_send(*, nudge_id: int) -> None:
    from .services.cohorts import nudge_email_deliver

    nudge_email_deliver(nudge_id=nudge_id)


@task()
def welcome_email_send(*, member_id: int) -> None:
    from .models import OrganisationMember
    from .services.participants import send_welcome_email

    member = OrganisationMember.objects.select_related("user", "organisation").filter(pk=member_id).first()
    if member is not None and member.user.email:
        send_welcome_email(member=member)
