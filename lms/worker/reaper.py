"""The reaper: gives back the tasks of dead workers (docs/workers.md).

django-tasks-db claims a task by setting it RUNNING under the worker's id; a worker killed
mid-task (SIGKILL, out of memory, lost machine) would leave it RUNNING forever. Every
``manage.py lms_worker`` therefore records a heartbeat (``heartbeat.py``) and periodically
reaps: a RUNNING task whose claiming worker has not been seen for
``MICROLEARN_WORKER_DEAD_AFTER_SECONDS`` goes back to READY, or to FAILED once it has been
given back ``MICROLEARN_WORKER_MAX_REAPS`` times (a task that kills its worker must not loop
forever).

Tasks therefore run at least once: a task can start again after its worker died part-way, so
every task must be safe to re-run (docs/workers.md lists ours).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ..models import WorkerHeartbeat
from .claims import TaskClaim, stale_task_claims

logger = logging.getLogger("lms.workers")

HEARTBEAT_RETENTION = timedelta(days=1)  # rows of vanished workers stay this long, for the record


class WorkerLost(Exception):
    """Recorded on a task given up on: its worker died while running it too many times."""


WORKER_LOST_PATH = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


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
            f"it had been given back {max_reaps} times already (MICROLEARN_WORKER_MAX_REAPS)."
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
