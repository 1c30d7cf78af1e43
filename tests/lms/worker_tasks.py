"""Tasks for the worker tests: each run appends ``start``/``done`` lines to a log file.

Lines are appended with one ``write`` on an ``O_APPEND`` descriptor, so the lines of several
worker processes never interleave.
"""

import os
import time
from pathlib import Path

from django_tasks import task


def _append(log_path: str, line: str) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line} {os.getpid()}\n".encode())
    finally:
        os.close(fd)


@task()
def record_run(log_path: str, key: str, seconds: float = 0.0) -> str:
    _append(log_path, f"start {key}")
    time.sleep(seconds)
    _append(log_path, f"done {key}")
    return key


@task()
def run_when_released(log_path: str, key: str, release_path: str, timeout: float = 20.0) -> str:
    """Blocks until ``release_path`` exists (fails after ``timeout`` seconds, so nothing hangs)."""
    _append(log_path, f"start {key}")
    deadline = time.monotonic() + timeout
    while not os.path.exists(release_path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{release_path} did not appear within {timeout}s")
        time.sleep(0.05)
    _append(log_path, f"done {key}")
    return key


def runs(log_path, key: str) -> tuple[list[int], list[int]]:
    """The pids that started and that finished ``key``, in order."""
    started, done = [], []
    lines = Path(log_path).read_text().splitlines() if os.path.exists(log_path) else []
    for line in lines:
        event, name, pid = line.split()
        if name == key:
            (started if event == "start" else done).append(int(pid))
    return started, done
