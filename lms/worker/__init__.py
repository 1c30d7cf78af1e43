"""Infrastructure for background work, apart from the domain services (docs/workers.md).

- ``enqueue``: ``enqueue_on_commit``, the one way the plugin queues a task.
- ``heartbeat``, ``claims``, ``reaper``: workers that die mid-task give their tasks back.
- ``runner``: the ``manage.py lms_worker`` process (django-tasks-db's worker, extended).
"""
