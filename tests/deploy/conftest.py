"""Fixtures for the deploy tests: the committed test database and real gunicorn servers on it.

The servers are started once per module (start-up costs seconds) and always stopped, even when a
test fails; the module then waits until their database sessions are gone, so that pytest-django
can drop the test database at the end of the run.
"""

import time

import pytest

from .servers import AppServer, database_url, manage, server_env


def wait_for_disconnects(database: str, timeout: float = 15) -> None:
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def test_database(django_db_setup, django_db_blocker):
    """``settings_dict`` of the PostgreSQL test database, with the cache table the servers use."""
    from django.db import connection

    settings_dict = dict(connection.settings_dict)
    # The release step of the Procfile: production without REDIS_URL caches in the database.
    manage(server_env(database_url(settings_dict)), "createcachetable")
    yield settings_dict
    with django_db_blocker.unblock():
        wait_for_disconnects(settings_dict["NAME"])


@pytest.fixture(scope="module")
def start_servers(test_database, tmp_path_factory):
    """``start_servers(env, names)`` → started servers; all are stopped when the module ends."""
    started: list[AppServer] = []
    log_dir = tmp_path_factory.mktemp("gunicorn")

    def start(env: dict, names=("a",)) -> list[AppServer]:
        servers = []
        for name in names:
            server = AppServer(name, env, log_dir)
            started.append(server)
            servers.append(server.start())
        return servers

    try:
        yield start
    finally:
        for server in started:
            server.stop()
