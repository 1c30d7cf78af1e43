"""Background workers: heartbeats, and the reaper that gives back the tasks of dead workers.

django-tasks-db claims a task by setting it RUNNING under the worker's id; a worker killed
mid-task (SIGKILL, out of memory, lost machine) would leave it RUNNING forever. Every
``manage.py lms_worker`` therefore records a heartbeat every few seconds, and every worker
periodically reaps: a RUNNING task whose claiming worker has not been seen for
``LMS_WORKER_DEAD_AFTER_SECONDS`` goes back to READY, or to FAILED once it has been given back
``LMS_WORKER_MAX_REAPS`` times (a task that kills its worker must not loop forever).

Tasks therefore run at least once: a task can start again after its worker died part-way, so
every task must be safe to re-run (docs/workers.md lists ours). See docs/workers.md.
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ..models import ClaimedTaskResult, WorkerHeartbeat
from ..selectors.workers import TaskClaim, stale_task_claims

logger = logging.getLogger("lms.workers")

DEFAULTS = {
    "LMS_WORKER_HEARTBEAT_SECONDS": 5,
    "LMS_WORKER_DEAD_AFTER_SECONDS": 30,
    "LMS_WORKER_REAP_SECONDS": 15,
    "LMS_WORKER_MAX_REAPS": 3,
}
HEARTBEAT_RETENTION = timedelta(days=1)  # rows of vanished workers stay this long, for the record


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


class WorkerLost(Exception):
    """Recorded on a task given up on: its worker died while running it too many times."""


WORKER_LOST_PATH = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


# --- Heartbeats -----------------------------------------------------------------------------------


def worker_heartbeat(*, worker_id: str, now=None) -> None:
    """Record that ``worker_id`` is alive now."""
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, seen_at=now, started_at=now, hostname=socket.gethostname()[:255], pid=os.getpid()
        )


def worker_forget(*, worker_id: str) -> None:
    """A worker that stops cleanly removes its heartbeat (it finished or failed its last task)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


# --- The reaper -----------------------------------------------------------------------------------


@dataclass
class ReapReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def tasks_reap_stale(
    *, dead_after: float, max_reaps: int, lost_worker_ids: frozenset[str] = frozenset(), now=None
) -> ReapReport:
    """Give back the RUNNING tasks of dead workers (see ``stale_task_claims``); forget old heartbeats."""
    now = now or timezone.now()
    report = ReapReport()
    for claim in stale_task_claims(now=now, dead_after=dead_after, lost_worker_ids=lost_worker_ids):
        outcome = task_claim_give_back(claim=claim, max_reaps=max_reaps, now=now)
        if outcome is not None:
            getattr(report, outcome).append(claim.task_id)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - HEARTBEAT_RETENTION).delete()
    return report


def task_claim_give_back(*, claim: TaskClaim, max_reaps: int, now=None) -> str | None:
    """READY again (``"requeued"``), or FAILED (``"failed"``) once given back ``max_reaps`` times.

    A conditional UPDATE on the row still being RUNNING under this claim: when two reapers, or
    a reaper and the worker finishing the task, race, only one applies. ``None``: nothing done.
    """
    now = now or timezone.now()
    rows = DBTaskResult.objects.filter(pk=claim.task_id, status=TaskResultStatus.RUNNING, started_at=claim.started_at)
    # Tasks only go RUNNING → READY here, so every claim before the current one ended in a reap.
    losses = len(claim.worker_ids)
    if losses > max_reaps:
        reason = (
            f"Given up: the worker running this task died {losses} times (workers {', '.join(claim.worker_ids)}); "
            f"it had been given back {max_reaps} times already (LMS_WORKER_MAX_REAPS)."
        )
        if not rows.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=WORKER_LOST_PATH,
            traceback=f"{WORKER_LOST_PATH}: {reason}\n",
        ):
            return None
        logger.error("Task %s (%s) marked FAILED: %s", claim.task_id, claim.task_path, reason)
        return "failed"
    if not rows.update(status=TaskResultStatus.READY, started_at=None):
        return None
    logger.warning(
        "Task %s (%s) was RUNNING on worker %s, which is presumed dead: given back as READY (reap %d of %d).",
        claim.task_id,
        claim.task_path,
        claim.owner or "?",
        losses,
        max_reaps,
    )
    return "requeued"


# --- The worker process ---------------------------------------------------------------------------


class Monitor(threading.Thread):
    """Beats every ``heartbeat`` seconds and reaps every ``reap_every`` seconds, also during long tasks.

    It uses its own database connection (Django's are per thread) and closes it when stopped.
    A database error is logged and retried at the next beat; it never stops the worker.
    """

    def __init__(self, *, worker_id: str, heartbeat: float, reap_every: float, reap):
        super().__init__(name=f"lms-worker-monitor-{worker_id}", daemon=True)
        self.worker_id, self.heartbeat, self.reap_every, self.reap = worker_id, heartbeat, reap_every, reap
        self.stopping = threading.Event()

    def run(self) -> None:
        next_reap = time.monotonic() + self.reap_every
        try:
            while not self.stopping.wait(self.heartbeat):
                self._safely(worker_heartbeat, worker_id=self.worker_id)
                if time.monotonic() >= next_reap and not self.stopping.is_set():
                    self._safely(self.reap)
                    next_reap = time.monotonic() + self.reap_every
        finally:
            connections.close_all()  # this thread's connections only

    def _safely(self, action, **kwargs) -> None:
        close_old_connections()
        try:
            action(**kwargs)
        except Exception:
            logger.exception("Worker %s: %s failed; retrying at the next beat", self.worker_id, action.__name__)
            connections.close_all()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.join(timeout)


class HeartbeatWorker(Worker):
    """django-tasks-db's worker, plus heartbeats, reaping, and outcomes fenced on the claim."""

    def __init__(self, *, heartbeat: float, dead_after: float, reap_every: float, max_reaps: int, **options):
        super().__init__(**options)
        self.heartbeat, self.dead_after, self.reap_every, self.max_reaps = heartbeat, dead_after, reap_every, max_reaps

    def reap(self, lost_worker_ids: frozenset[str] = frozenset()) -> ReapReport:
        return tasks_reap_stale(dead_after=self.dead_after, max_reaps=self.max_reaps, lost_worker_ids=lost_worker_ids)

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
        super().run_task(ClaimedTaskResult.from_claimed(db_task_result))
