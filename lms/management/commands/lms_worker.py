"""Run a background task worker: django-tasks-db's ``db_worker``, plus heartbeats and the reaper.

manage.py lms_worker                       # same options as db_worker (--queue-name, --interval, ...)
manage.py lms_worker --dead-after 60       # presume a silent worker dead after 60 s (default: settings)

A task whose worker is killed mid-run goes back to the queue instead of staying RUNNING forever.
See docs/workers.md and lms/worker/.
"""

import os
from argparse import ArgumentParser

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from lms.conf import PREFIX, conf
from lms.worker.runner import HeartbeatWorker

OPTIONS = [  # flag, setting that gives the default, type, meaning
    ("--heartbeat", "WORKER_HEARTBEAT_SECONDS", db_worker.valid_interval, "Seconds between heartbeats"),
    (
        "--dead-after",
        "WORKER_DEAD_AFTER_SECONDS",
        db_worker.valid_interval,
        "Seconds without a heartbeat after which a worker's task is given back",
    ),
    ("--reap-every", "WORKER_REAP_SECONDS", db_worker.valid_interval, "Seconds between reaper runs"),
    ("--max-reaps", "WORKER_MAX_REAPS", int, "Times a task is given back before it is marked FAILED"),
]


class Command(db_worker.Command):
    help = "Run a database background worker that records heartbeats and gives back the tasks of dead workers"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        for flag, name, kind, meaning in OPTIONS:
            parser.add_argument(
                flag, type=kind, default=getattr(conf, name), help=f"{meaning} (default: {PREFIX}{name}, %(default)r)"
            )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        exclude_queues: str,
        reload: bool,
        batch: bool,
        heartbeat: float,
        dead_after: float,
        reap_every: float,
        max_reaps: int,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if heartbeat <= 0 or dead_after < 2 * heartbeat:
            raise CommandError("--heartbeat must be positive and --dead-after at least twice --heartbeat.")
        if max_reaps < 0:
            raise CommandError("--max-reaps must be zero or more.")
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HeartbeatWorker(
            heartbeat=heartbeat,
            dead_after=dead_after,
            reap_every=reap_every,
            max_reaps=max_reaps,
            queue_names=queue_names,
            excluded_queue_names=excluded_queue_names,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and batch:
            db_worker.logger.warning("--reload and --batch cannot be specified together. Disabling autoreload.")
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process runs tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
