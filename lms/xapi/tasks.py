"""Worker tasks for xAPI delivery (docs/xapi.md, docs/workers.md). They take a store's key
(``site`` or ``org:<organisation id>``) and re-read everything, so a second run continues where the
first stopped: the cursor only moves past batches the store has answered, and a resent batch
is stored once (deterministic statement ids)."""

from __future__ import annotations

from django_tasks import default_task_backend, task

from ..worker.enqueue import enqueue_on_commit
from . import delivery


@task()
def xapi_push_task(*, lrs_key: str) -> dict:
    result = delivery.push(lrs_key)
    if result.state == "retry":
        schedule_push(lrs_key, run_after=result.next_attempt_at)
    return {"state": result.state, "sent": result.sent, "rejected": result.rejected, "withheld": result.withheld}


@task()
def xapi_tick_task() -> int:
    """Queue one push per store (cron or ``manage.py xapi_push --enqueue``). Returns how many."""
    keys = [target.key for target in delivery.targets()]
    for key in keys:
        schedule_push(key)
    return len(keys)


def schedule_push(lrs_key: str, *, run_after=None) -> None:
    """Queue a push after the commit; a retry waits until ``run_after`` where the backend can
    defer. Backends that cannot (the tests' immediate one) leave retries to the next tick."""
    if run_after is not None:
        if default_task_backend.supports_defer:
            enqueue_on_commit(xapi_push_task.using(run_after=run_after), lrs_key=lrs_key)
        return
    enqueue_on_commit(xapi_push_task, lrs_key=lrs_key)
