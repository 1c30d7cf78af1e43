"""The one way the plugin queues a background task: after the current transaction commits.

Tasks take ids, so the worker must not run before the rows it reads are committed; outside a
transaction (autocommit) the task is queued at once.
"""

from django.db import transaction


def enqueue_on_commit(task, /, **kwargs) -> None:
    """Queue ``task`` with keyword arguments (ids, plain data) once this transaction commits."""
    transaction.on_commit(lambda: task.enqueue(**kwargs))
