"""Background worker bookkeeping: heartbeats, and task results that only their claimant may finish.

See docs/workers.md. The rules that use these models live in ``lms/worker/``.
"""

import logging
from traceback import format_exception

from django.db import models
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import retry

logger = logging.getLogger("lms.workers")


class WorkerHeartbeat(models.Model):
    """One row per running ``manage.py lms_worker`` process, refreshed every few seconds."""

    worker_id = models.CharField(max_length=64, unique=True)  # django-tasks-db's limit
    seen_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ClaimedTaskResult(DBTaskResult):
    """A task result claimed by this worker: finishing it is an UPDATE fenced on the claim.

    django-tasks-db saves the outcome unconditionally. If the reaper gave the task back (this
    worker was presumed dead) and another worker claimed it, that would overwrite the other
    worker's state. Here the outcome is written only while the row is still RUNNING under the
    same claim (``started_at`` is set at each claim); otherwise it is discarded and logged.
    """

    class Meta:
        proxy = True

    @classmethod
    def claim(cls, result: DBTaskResult) -> "ClaimedTaskResult":
        """The same row and instance, now finishing through the fenced methods below.

        A proxy model shares its parent's fields and table, so switching the instance's class
        is all it takes: no copy, and nothing of django-tasks-db's internals.
        """
        result.__class__ = cls
        return result

    def _finish(self, **values) -> None:
        values["finished_at"] = timezone.now()
        claim = DBTaskResult.objects.filter(pk=self.pk, status=TaskResultStatus.RUNNING, started_at=self.started_at)
        if claim.update(**values):
            for name, value in values.items():
                setattr(self, name, value)
            return
        logger.warning(
            "Task %s finished as %s, but it was no longer RUNNING under this claim (worker presumed dead and "
            "the task given back); the outcome is discarded.",
            self.pk,
            values["status"],
        )
        self.refresh_from_db(fields=["status", "started_at", "finished_at", "worker_ids", "return_value"])

    @retry()
    def set_successful(self, return_value) -> None:
        self._finish(
            status=TaskResultStatus.SUCCESSFUL, return_value=return_value, exception_class_path="", traceback=""
        )

    @retry()
    def set_failed(self, exc: BaseException) -> None:
        self._finish(
            status=TaskResultStatus.FAILED,
            return_value=None,
            exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
            traceback="".join(format_exception(exc)),
        )
