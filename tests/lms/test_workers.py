"""Background workers: a task never runs twice at once and is never lost (docs/workers.md).

The reaper rules run on SQLite and PostgreSQL. The tests with real ``manage.py lms_worker``
processes need PostgreSQL (several processes claiming rows concurrently) and are skipped on SQLite.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from lms.models import ClaimedTaskResult, WorkerHeartbeat
from lms.worker.claims import stale_task_claims
from lms.worker.heartbeat import worker_forget, worker_heartbeat
from lms.worker.reaper import HEARTBEAT_RETENTION, WORKER_LOST_PATH, task_claim_give_back, tasks_reap_stale
from tests.lms import worker_tasks

ROOT = Path(__file__).resolve().parent.parent.parent
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DEAD_AFTER = 30
RUNNING, READY = TaskResultStatus.RUNNING, TaskResultStatus.READY
SUCCESSFUL, FAILED = TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED

# Short beats; a worker is presumed dead after 3 s without one (production: 5 s and 30 s).
WORKER_OPTIONS = ["--interval=0.1", "--no-startup-delay", "--no-reload", "--heartbeat=0.25", "--dead-after=3"]
WORKER_OPTIONS += ["--reap-every=0.5"]
ON_POSTGRES = "needs PostgreSQL: worker processes claim rows concurrently"


def task_row(
    *, status=RUNNING, worker_ids=("w1",), started_ago: float | None = 60, now=None, args=("/dev/null", "k")
) -> DBTaskResult:
    """A ``record_run`` task result as a worker left it (RUNNING: claimed by the last of ``worker_ids``)."""
    now = now or timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path="tests.lms.worker_tasks.record_run",
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=list(worker_ids),
        started_at=None if started_ago is None else now - timedelta(seconds=started_ago),
    )


def seen(worker_id: str, seconds_ago: float, now) -> None:
    worker_heartbeat(worker_id=worker_id, now=now - timedelta(seconds=seconds_ago))


def reap(now, **kwargs):
    return tasks_reap_stale(dead_after=DEAD_AFTER, max_reaps=kwargs.pop("max_reaps", 3), now=now, **kwargs)


# --- Reaper rules (SQLite and PostgreSQL) ---------------------------------------------------------


@pytest.mark.django_db
class TestReaper:
    def test_a_task_of_a_live_worker_is_left_running_however_long_it_runs(self):
        now = timezone.now()
        seen("w1", 1, now)
        row = task_row(started_ago=3600, now=now)
        assert reap(now).requeued == []
        row.refresh_from_db()
        assert row.status == RUNNING and row.worker_ids == ["w1"]

    def test_a_heartbeat_exactly_dead_after_seconds_old_still_counts_as_alive(self):
        now = timezone.now()
        seen("w1", DEAD_AFTER, now)
        seen("w2", DEAD_AFTER + 0.001, now)
        alive, dead = task_row(worker_ids=["w1"], now=now), task_row(worker_ids=["w2"], now=now)
        assert reap(now).requeued == [str(dead.pk)]
        alive.refresh_from_db()
        assert alive.status == RUNNING

    def test_a_task_of_a_silent_worker_goes_back_to_ready_keeping_its_history(self, caplog):
        now = timezone.now()
        seen("w1", 31, now)
        row = task_row(worker_ids=["w0", "w1"], now=now)
        with caplog.at_level(logging.WARNING, logger="lms.workers"):
            report = reap(now)
        assert (report.requeued, report.failed) == ([str(row.pk)], [])
        row.refresh_from_db()
        assert (row.status, row.started_at, row.finished_at, row.worker_ids) == (READY, None, None, ["w0", "w1"])
        assert DBTaskResult.objects.ready().filter(pk=row.pk).exists()  # a worker can claim it again
        [record] = [r for r in caplog.records if r.name == "lms.workers"]
        assert record.levelno == logging.WARNING and str(row.pk) in record.getMessage()
        assert "w1" in record.getMessage() and "reap 2 of 3" in record.getMessage()

    def test_a_worker_without_a_heartbeat_is_dead_once_its_claim_is_older_than_dead_after(self):
        now = timezone.now()
        old = task_row(worker_ids=["gone"], started_ago=DEAD_AFTER + 1, now=now)
        recent = task_row(worker_ids=["new"], started_ago=DEAD_AFTER - 1, now=now)
        unclaimed = task_row(worker_ids=[], started_ago=None, now=now)  # RUNNING without a claim: reaped
        assert sorted(reap(now).requeued) == sorted([str(old.pk), str(unclaimed.pk)])
        recent.refresh_from_db()
        assert recent.status == RUNNING

    def test_only_the_last_claimant_counts(self):
        now = timezone.now()
        seen("w1", 1, now)  # an earlier claimant, alive and busy elsewhere
        row = task_row(worker_ids=["w1", "w2"], now=now)
        assert reap(now).requeued == [str(row.pk)]

    def test_a_task_given_back_max_reaps_times_is_failed_at_the_next_loss(self, caplog):
        now = timezone.now()
        last_chance = task_row(worker_ids=["a", "b", "c"], now=now)  # lost 3 times, given back twice
        poison = task_row(worker_ids=["a", "b", "c", "d"], now=now)  # lost 4 times, given back 3 times
        with caplog.at_level(logging.ERROR, logger="lms.workers"):
            report = reap(now, max_reaps=3)
        assert (report.requeued, report.failed) == ([str(last_chance.pk)], [str(poison.pk)])
        poison.refresh_from_db()
        assert (poison.status, poison.finished_at, poison.worker_ids) == (FAILED, now, ["a", "b", "c", "d"])
        [error] = poison.task_result.errors
        assert error.exception_class_path == WORKER_LOST_PATH
        assert "died 4 times" in error.traceback and "given back 3 times" in error.traceback
        assert any(str(poison.pk) in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)

    def test_max_reaps_zero_fails_at_the_first_loss(self):
        now = timezone.now()
        row = task_row(worker_ids=["a"], now=now)
        assert reap(now, max_reaps=0).failed == [str(row.pk)]

    def test_ready_and_finished_tasks_are_never_touched(self):
        now = timezone.now()
        rows = [task_row(status=status, worker_ids=["dead"], now=now) for status in (READY, SUCCESSFUL, FAILED)]
        before = [DBTaskResult.objects.filter(pk=row.pk).values().get() for row in rows]
        assert reap(now, max_reaps=0) == reap(now)  # both empty
        assert [DBTaskResult.objects.filter(pk=row.pk).values().get() for row in rows] == before

    def test_a_restarted_worker_reaps_what_ran_under_its_own_id(self):
        now = timezone.now()
        seen("w1", 0, now)
        row = task_row(worker_ids=["w1"], started_ago=1, now=now)
        assert reap(now).requeued == []
        assert reap(now, lost_worker_ids=frozenset({"w1"})).requeued == [str(row.pk)]

    def test_two_reapers_with_the_same_view_give_a_task_back_once(self):
        now = timezone.now()
        row = task_row(worker_ids=["w1"], now=now)
        [claim] = stale_task_claims(now=now, dead_after=DEAD_AFTER, lost_worker_ids=frozenset())
        assert reap(now).requeued == [str(row.pk)]  # the other reaper was first
        assert task_claim_give_back(claim=claim, max_reaps=3, now=now) is None
        row.refresh_from_db()
        row.claim("w2")  # and a worker claimed it again: the late reaper must not touch the new claim
        assert task_claim_give_back(claim=claim, max_reaps=0, now=now) is None
        row.refresh_from_db()
        assert (row.status, row.worker_ids) == (RUNNING, ["w1", "w2"])

    def test_old_heartbeats_are_forgotten(self):
        now = timezone.now()
        worker_heartbeat(worker_id="ancient", now=now - HEARTBEAT_RETENTION - timedelta(seconds=1))
        worker_heartbeat(worker_id="recent", now=now - HEARTBEAT_RETENTION + timedelta(seconds=1))
        reap(now)
        assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_a_heartbeat_is_one_row_per_worker_refreshed_in_place():
    now = timezone.now()
    worker_heartbeat(worker_id="w1", now=now - timedelta(seconds=5))
    worker_heartbeat(worker_id="w1", now=now)
    beat = WorkerHeartbeat.objects.get()
    assert (beat.worker_id, beat.seen_at, beat.pid) == ("w1", now, os.getpid())
    assert beat.started_at == now - timedelta(seconds=5)
    worker_forget(worker_id="w1")
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_an_outcome_reported_after_the_task_was_given_back_is_discarded(caplog):
    row = task_row(status=READY, worker_ids=[], started_ago=None)
    row.claim("w1")
    first = ClaimedTaskResult.claim(row)
    tasks_reap_stale(dead_after=0, max_reaps=3, lost_worker_ids=frozenset({"w1"}))  # w1 presumed dead
    DBTaskResult.objects.get(pk=row.pk).claim("w2")
    with caplog.at_level(logging.WARNING, logger="lms.workers"):
        first.set_successful("late")  # w1 was alive after all, and finishes
    row.refresh_from_db()
    assert (row.status, row.return_value, row.worker_ids) == (RUNNING, None, ["w1", "w2"])
    assert first.status == RUNNING  # the discarded outcome is not reported as stored
    assert any("discarded" in r.getMessage() and str(row.pk) in r.getMessage() for r in caplog.records)
    second = ClaimedTaskResult.claim(DBTaskResult.objects.get(pk=row.pk))
    second.set_failed(ValueError("boom"))
    row.refresh_from_db()
    assert (row.status, row.exception_class_path) == (FAILED, "builtins.ValueError")


# --- The command, in process (SQLite and PostgreSQL) ----------------------------------------------


def test_dead_after_must_exceed_two_heartbeats():
    with override_settings(TASKS=DB_TASKS), pytest.raises(CommandError, match="at least twice"):
        call_command("lms_worker", "--batch", "--heartbeat", "5", "--dead-after", "9")


@pytest.mark.django_db(transaction=True)
def test_a_batch_worker_reaps_its_predecessor_runs_everything_and_leaves_no_trace(tmp_path):
    log = str(tmp_path / "runs.log")
    with override_settings(TASKS=DB_TASKS):
        orphan = worker_tasks.record_run.enqueue(log, "orphan")
        DBTaskResult.objects.get(pk=orphan.id).claim("same-id")  # then that process was killed
        fresh = worker_tasks.record_run.enqueue(log, "fresh")
        call_command(
            "lms_worker",
            "--batch",
            "--no-startup-delay",
            "--worker-id=same-id",
            "--heartbeat=0.05",
            "--dead-after=30",
            "--verbosity=0",
        )
    results = {str(r.pk): r for r in DBTaskResult.objects.all()}
    assert results[orphan.id].status == results[fresh.id].status == SUCCESSFUL
    assert results[orphan.id].worker_ids == ["same-id", "same-id"]
    assert worker_tasks.runs(log, "orphan")[1] == worker_tasks.runs(log, "fresh")[1] == [os.getpid()]
    assert not WorkerHeartbeat.objects.exists()
    assert not [t for t in threading.enumerate() if t.name.startswith("lms-worker-monitor")]


# --- Real worker processes (PostgreSQL) -----------------------------------------------------------


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """``manage.py lms_worker`` subprocesses on the test database; output goes to files."""

    def __init__(self, tmp_path: Path):
        self.tmp_path, self.procs = tmp_path, {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.lms.worker_settings",
            "DATABASE_URL": database_url(),
            "LOG_FORMAT": "plain",
        }

    def start(self, worker_id: str) -> subprocess.Popen:
        with open(self.tmp_path / f"{worker_id}.out", "wb") as out:
            self.procs[worker_id] = subprocess.Popen(
                [sys.executable, "manage.py", "lms_worker", f"--worker-id={worker_id}", *WORKER_OPTIONS],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.procs[worker_id]

    def run_blocking_task(self, worker_id: str, log: str, release: Path) -> str:
        """Start a worker on a task that runs until ``release`` exists; return once it has started."""
        self.start(worker_id)
        with override_settings(TASKS=DB_TASKS):
            task_id = worker_tasks.run_when_released.enqueue(log, "slow", str(release)).id
        self.wait_for(lambda: worker_tasks.runs(log, "slow")[0], "the task to start")
        return task_id

    def output(self, worker_id: str) -> str:
        return (self.tmp_path / f"{worker_id}.out").read_text(errors="replace")

    def kill(self, worker_id: str, sig=signal.SIGKILL) -> None:
        proc = self.procs[worker_id]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for worker_id in self.procs:
            self.kill(worker_id, signal.SIGTERM)

    def wait_for(self, condition, what: str, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker_id, proc in self.procs.items():
                if proc.poll() is not None and proc.returncode not in (0, -signal.SIGKILL):
                    pytest.fail(f"worker {worker_id} exited ({proc.returncode}):\n{self.output(worker_id)}")
            if value := condition():
                return value
            time.sleep(0.1)
        logs = "\n".join(f"--- {w}\n{self.output(w)}" for w in self.procs)
        pytest.fail(f"timed out waiting for {what}\n{logs}")


@contextmanager
def worker_processes(tmp_path):
    workers = Workers(tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()


def counts(log, keys) -> dict[str, tuple[int, int]]:
    return {key: tuple(len(pids) for pids in worker_tasks.runs(log, key)) for key in keys}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_POSTGRES)
@pytest.mark.django_db(transaction=True)
def test_three_workers_run_every_task_exactly_once(tmp_path):
    log = str(tmp_path / "runs.log")
    keys = [f"t{i}" for i in range(60)]
    with worker_processes(tmp_path) as workers:
        for name in ("a", "b", "c"):
            workers.start(f"hw-{name}")
        workers.wait_for(lambda: WorkerHeartbeat.objects.count() == 3, "three heartbeats")
        with override_settings(TASKS=DB_TASKS):
            # The first three run longer than --dead-after: their workers' heartbeats must keep them theirs.
            ids = [worker_tasks.record_run.enqueue(log, key, 4 if i < 3 else 0.05).id for i, key in enumerate(keys)]
        workers.wait_for(
            lambda: DBTaskResult.objects.filter(pk__in=ids[:3], status=RUNNING).count() == 3, "the long tasks"
        )
        # While every worker is busy, a task left RUNNING by a worker that died: the reapers must act.
        ghost = task_row(worker_ids=["hw-ghost"], started_ago=60, args=(log, "ghost"))
        ids.append(str(ghost.pk))
        workers.wait_for(
            lambda: DBTaskResult.objects.filter(pk__in=ids, status=SUCCESSFUL).count() == 61,
            "all 61 tasks to succeed",
            timeout=40,
        )
    # SIGTERM while idle: a clean exit that removes the heartbeat.
    assert [proc.returncode for proc in workers.procs.values()] == [0, 0, 0]
    assert not WorkerHeartbeat.objects.exists()
    assert counts(log, [*keys, "ghost"]) == dict.fromkeys([*keys, "ghost"], (1, 1))
    claims = dict(DBTaskResult.objects.filter(pk__in=ids).values_list("id", "worker_ids"))
    ghost_claims = claims.pop(ghost.pk)
    assert ghost_claims[0] == "hw-ghost" and ghost_claims[1] in workers.procs
    assert all(len(worker_ids) == 1 for worker_ids in claims.values())  # claimed once, never given back
    assert len({worker_ids[0] for worker_ids in claims.values()}) == 3  # one long task each, at least
    given_back = "".join(workers.output(w) for w in workers.procs).count("given back as READY")
    assert given_back == 1  # the ghost only


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_POSTGRES)
@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_is_run_again_by_another_and_succeeds(tmp_path):
    log, release = str(tmp_path / "runs.log"), tmp_path / "release"
    with worker_processes(tmp_path) as workers:
        task_id = workers.run_blocking_task("hw-doomed", log, release)
        workers.kill("hw-doomed")  # SIGKILL mid-task: no chance to clean up
        row = DBTaskResult.objects.get(pk=task_id)
        assert (row.status, row.worker_ids) == (RUNNING, ["hw-doomed"])  # without a reaper: lost
        release.touch()
        workers.start("hw-rescuer")
        workers.wait_for(
            lambda: DBTaskResult.objects.filter(pk=task_id, status=SUCCESSFUL).exists(), "the task to succeed"
        )
        rescuer = workers.output("hw-rescuer")
    row = DBTaskResult.objects.get(pk=task_id)
    assert row.worker_ids == ["hw-doomed", "hw-rescuer"] and row.return_value == "slow"
    started, done = worker_tasks.runs(log, "slow")
    doomed_pid, rescuer_pid = workers.procs["hw-doomed"].pid, workers.procs["hw-rescuer"].pid
    assert started == [doomed_pid, rescuer_pid]  # run again after the kill...
    assert done == [rescuer_pid]  # ...and completed once: the first run never finished
    assert f"Task {task_id}" in rescuer and "given back as READY" in rescuer


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_POSTGRES)
@pytest.mark.django_db(transaction=True)
def test_sigterm_mid_task_lets_the_task_finish_then_exits_cleanly(tmp_path):
    log, release = str(tmp_path / "runs.log"), tmp_path / "release"
    with worker_processes(tmp_path) as workers:
        task_id = workers.run_blocking_task("hw-stopping", log, release)
        proc = workers.procs["hw-stopping"]
        os.killpg(proc.pid, signal.SIGTERM)  # what a process manager sends on deploy
        release.touch()
        assert proc.wait(timeout=20) == 0
    assert DBTaskResult.objects.get(pk=task_id).status == SUCCESSFUL
    assert worker_tasks.runs(log, "slow") == ([proc.pid], [proc.pid])
    assert not WorkerHeartbeat.objects.exists()
    assert "shutting down gracefully" in workers.output("hw-stopping")
