"""Heartbeats: each ``manage.py lms_worker`` process says it is alive every few seconds.

A monitor thread beats, and runs the reaper, also while a long task runs. See docs/workers.md.
"""

import logging
import os
import socket
import threading
import time

from django.db import close_old_connections, connections
from django.utils import timezone

from ..models import WorkerHeartbeat

logger = logging.getLogger("lms.workers")


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
