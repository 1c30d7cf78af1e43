"""What ``lms/worker/`` relies on in django-tasks-db, pinned (issue: the worker in its own module).

``HeartbeatWorker`` extends django-tasks-db's ``Worker`` and fences task outcomes through a proxy
of ``DBTaskResult``. If a release of django-tasks-db renames or changes one of these, this file
fails in CI, instead of the worker silently losing its heartbeats or its fencing in production.
Each assertion names what would break.
"""

import inspect

from django_tasks.base import TaskResultStatus
from django_tasks_db import utils
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from lms.models import ClaimedTaskResult
from lms.worker.runner import HeartbeatWorker

WORKER_INIT = {
    "queue_names",
    "interval",
    "batch",
    "backend_name",
    "startup_delay",
    "max_tasks",
    "worker_id",
    "excluded_queue_names",
}
# The columns the reaper reads and writes, and the claim fence compares.
DB_TASK_RESULT_FIELDS = {
    "id",
    "status",
    "started_at",
    "finished_at",
    "worker_ids",
    "task_path",
    "return_value",
    "exception_class_path",
    "traceback",
}


def _parameters(function) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(function).parameters)


def test_worker_constructor_takes_the_options_lms_worker_passes():
    parameters = _parameters(db_worker.Worker.__init__)
    assert set(parameters) - {"self"} == WORKER_INIT
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in parameters.items() if name != "self")


def test_worker_has_the_methods_heartbeat_worker_overrides_or_calls():
    assert list(_parameters(db_worker.Worker.run)) == ["self"]
    assert list(_parameters(db_worker.Worker.run_task)) == ["self", "db_task_result"]
    assert callable(db_worker.Worker.configure_signals)
    # HeartbeatWorker reads the worker id its base class sets.
    assert "self.worker_id = worker_id" in inspect.getsource(db_worker.Worker.__init__)


def test_run_task_finishes_through_the_result_methods_the_proxy_fences():
    """Outcomes are fenced only if run_task records them through these two methods."""
    source = inspect.getsource(db_worker.Worker.run_task)
    assert "db_task_result.set_successful(" in source and "db_task_result.set_failed(" in source
    assert list(_parameters(DBTaskResult.set_successful)) == ["self", "return_value"]
    assert list(_parameters(DBTaskResult.set_failed)) == ["self", "exc"]
    assert ClaimedTaskResult.set_successful is not DBTaskResult.set_successful
    assert ClaimedTaskResult.set_failed is not DBTaskResult.set_failed


def test_claimed_result_is_a_proxy_of_the_task_result_table():
    assert ClaimedTaskResult._meta.proxy and ClaimedTaskResult._meta.concrete_model is DBTaskResult
    result = DBTaskResult(status=TaskResultStatus.RUNNING)
    assert ClaimedTaskResult.claim(result) is result and isinstance(result, ClaimedTaskResult)


def test_task_result_columns_and_queryset_the_reaper_uses():
    names = {field.name for field in DBTaskResult._meta.concrete_fields}
    assert names >= DB_TASK_RESULT_FIELDS
    assert callable(DBTaskResult.objects.running)
    assert {"READY", "RUNNING", "SUCCESSFUL", "FAILED"} <= set(TaskResultStatus.__members__)


def test_command_options_the_lms_worker_command_reads():
    parser = db_worker.Command().create_parser("manage.py", "db_worker")
    destinations = {action.dest for action in parser._actions}
    assert destinations >= {
        "queue_name",
        "exclude_queues",
        "reload",
        "batch",
        "interval",
        "backend_name",
        "startup_delay",
        "max_tasks",
        "worker_id",
    }
    assert callable(db_worker.valid_interval) and callable(utils.retry)


def test_heartbeat_worker_is_still_a_worker():
    assert issubclass(HeartbeatWorker, db_worker.Worker)
    assert HeartbeatWorker.run_task is not db_worker.Worker.run_task
