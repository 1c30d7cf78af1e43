"""Configuration contract: environment-driven settings, clear errors, a host site can install us."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env=None, timeout=180):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_broken_database_url_gives_one_clear_line():
    result = manage("check", env={"DATABASE_URL": "nonsense://::what"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_database_gives_one_clear_line():
    result = manage("migrate", "--check", env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Database error:")
    assert "Traceback" not in result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7!" + "k" * 30 + "Q9@z" + "m" * 30,
        "ALLOWED_HOSTS": "learn.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_secret():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "learn.example.com"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_minimal_host_site_can_install_the_plugin_and_migrate(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "tests.hostsite.settings", "HOSTSITE_DB": str(tmp_path / "host.sqlite3")}
    result = manage("migrate", "--noinput", env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    check = manage("check", env=env)
    assert check.returncode == 0, check.stderr
    shown = manage("showmigrations", "lms", "courses", env=env)
    assert "[ ]" not in shown.stdout and "0001_initial" in shown.stdout
