"""The worker process: django-tasks-db's ``Worker`` plus heartbeats, reaping, and fenced outcomes.

What this relies on in django-tasks-db is pinned by ``tests/lms/test_worker_contract.py``: an
upgrade that changes it fails in CI, not silently in production.
"""

import logging

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from wagtail import hooks

from ..models import ClaimedTaskResult
from .heartbeat import Monitor, worker_forget, worker_heartbeat
from .reaper import ReapReport, tasks_reap_stale

logger = logging.getLogger("lms.workers")

# Functions registered under this hook run with every reap (``MICROLEARN_WORKER_REAP_SECONDS``), in
# the worker's monitor thread: small, idempotent catch-up jobs, such as queueing again the webhook
# attempts that a crash between a commit and its on-commit enqueue left without a task.
HOUSEKEEPING_HOOK = "microlearn_worker_housekeeping"


def worker_housekeeping() -> None:
    """Run every registered housekeeping job; one failing does not stop the others or the worker."""
    for job in hooks.get_hooks(HOUSEKEEPING_HOOK):
        try:
            job()
        except Exception:
            logger.exception("Worker housekeeping job %r failed.", job)


class HeartbeatWorker(Worker):
    """django-tasks-db's worker, plus heartbeats, reaping, and outcomes fenced on the claim."""

    def __init__(self, *, heartbeat: float, dead_after: float, reap_every: float, max_reaps: int, **options):
        super().__init__(**options)
        self.heartbeat, self.dead_after, self.reap_every, self.max_reaps = heartbeat, dead_after, reap_every, max_reaps

    def reap(self, lost_worker_ids: frozenset[str] = frozenset()) -> ReapReport:
        report = tasks_reap_stale(dead_after=self.dead_after, max_reaps=self.max_reaps, lost_worker_ids=lost_worker_ids)
        worker_housekeeping()
        return report

    def run(self) -> None:
        # A task still RUNNING under our own id was claimed by an earlier process with this id.
        self.reap(lost_worker_ids=frozenset({self.worker_id}))
        worker_heartbeat(worker_id=self.worker_id)
        monitor = Monitor(
            worker_id=self.worker_id, heartbeat=self.heartbeat, reap_every=self.reap_every, reap=self.reap
        )
        monitor.start()
        try:
            super().run()
        finally:
            monitor.stop()
            worker_forget(worker_id=self.worker_id)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(ClaimedTaskResult.claim(db_task_result))
