"""Worker reads: which RUNNING tasks belong to workers that are presumed dead (docs/workers.md)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django_tasks_db.models import DBTaskResult

from ..models import WorkerHeartbeat


@dataclass(frozen=True)
class TaskClaim:
    """A RUNNING task as one worker claimed it; ``started_at`` identifies the claim."""

    task_id: str
    task_path: str
    worker_ids: tuple[str, ...]
    started_at: datetime | None

    @property
    def owner(self) -> str:
        return self.worker_ids[-1] if self.worker_ids else ""


def stale_task_claims(*, now: datetime, dead_after: float, lost_worker_ids: frozenset[str]) -> list[TaskClaim]:
    """RUNNING tasks whose claiming worker is presumed dead.

    The claiming worker is the last of the task's ``worker_ids``. It is presumed dead when it is
    in ``lost_worker_ids``, or when it has no heartbeat at or after ``now - dead_after`` and the
    task was claimed before then (a worker beats before its first claim).
    """
    cutoff = now - timedelta(seconds=dead_after)
    claims = [
        TaskClaim(str(pk), task_path, tuple(worker_ids or ()), started_at)
        for pk, task_path, worker_ids, started_at in DBTaskResult.objects.running().values_list(
            "id", "task_path", "worker_ids", "started_at"
        )
    ]
    owners = {claim.owner for claim in claims} - lost_worker_ids
    alive = set(
        WorkerHeartbeat.objects.filter(worker_id__in=owners, seen_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    return [
        claim
        for claim in claims
        if claim.owner in lost_worker_ids
        or (claim.owner not in alive and (claim.started_at is None or claim.started_at < cutoff))
    ]
