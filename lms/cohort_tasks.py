"""Background tasks of the cohort domain. Tasks take ids and are enqueued on commit."""

from django_tasks import task


@task()
def cohort_import_run(*, import_id: int) -> None:
    from .services.csv_import import csv_import_run

    csv_import_run(import_id=import_id)
