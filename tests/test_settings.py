"""Configuration contract: environment-driven settings and clear errors (a host site: tests/test_hostsite.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def production_env(tmp_path, **extra):
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7!" + "k" * 30 + "Q9@z" + "m" * 30,
        "ALLOWED_HOSTS": "learn.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    }


S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": "learn-media",
    "AWS_CERTIFICATES_BUCKET_NAME": "learn-private",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "AWS_S3_REGION_NAME": "eu-west-2",
    "AWS_S3_ADDRESSING_STYLE": "path",
    "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com",
}


@pytest.mark.parametrize("storage", ["filesystem", "s3"])
def test_production_settings_pass_check_deploy(tmp_path, storage):
    env = production_env(tmp_path, **(S3_ENV if storage == "s3" else {}))
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; from django.core.files.storage import storages; "
    "print(json.dumps({'STORAGES': s.STORAGES, 'CACHES': s.CACHES, 'DB': s.DATABASES['default'], "
    "'CSP': s.CONTENT_SECURITY_POLICY, "
    "'classes': {a: type(storages[a]).__name__ for a in ('default', 'certificates', 'staticfiles')}}, default=str))"
)


def production_settings(tmp_path, **env) -> dict:
    result = manage("shell", "-c", PRINT_SETTINGS, env=production_env(tmp_path, **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_storage_is_the_filesystem_unless_a_bucket_is_configured(tmp_path):
    local = production_settings(tmp_path, MEDIA_ROOT=str(tmp_path / "media"))
    assert local["classes"] == {
        "default": "FileSystemStorage",
        "certificates": "FileSystemStorage",
        "staticfiles": "CompressedManifestStaticFilesStorage",
    }
    assert local["STORAGES"]["certificates"]["OPTIONS"]["location"].endswith("private/certificates")
    assert local["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"

    s3 = production_settings(tmp_path, **S3_ENV)
    assert s3["classes"] == {
        "default": "S3Storage",
        "certificates": "S3Storage",
        "staticfiles": "CompressedManifestStaticFilesStorage",
    }
    media, private = s3["STORAGES"]["default"]["OPTIONS"], s3["STORAGES"]["certificates"]["OPTIONS"]
    assert media["bucket_name"] == "learn-media" and media["location"] == "media"
    assert media["custom_domain"] == "cdn.example.com" and media["default_acl"] is None
    assert private["bucket_name"] == "learn-private" and private["location"] == "private"
    assert private["default_acl"] == "private" and private["querystring_auth"] is True
    assert private["custom_domain"] is None  # never the public CDN
    assert "img-src 'self' data: blob: https://cdn.example.com;" in s3["CSP"]
    assert "media-src 'self' blob: https://cdn.example.com;" in s3["CSP"]
    assert "img-src 'self' data: blob:;" in local["CSP"]
    for options in (media, private):
        assert options["endpoint_url"] == "http://127.0.0.1:9000" and options["region_name"] == "eu-west-2"
        assert options["addressing_style"] == "path" and options["file_overwrite"] is False


def test_postgres_connections_persist_with_health_checks_and_redis_backs_the_cache(tmp_path):
    configured = production_settings(
        tmp_path,
        DATABASE_URL="postgres://app@db.internal:5432/learn",
        DB_CONN_MAX_AGE="120",
        REDIS_URL="redis://127.0.0.1:6379/13",
    )
    assert configured["DB"]["CONN_MAX_AGE"] == 120 and configured["DB"]["CONN_HEALTH_CHECKS"] is True
    assert configured["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert configured["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/13"
    default = production_settings(tmp_path, DATABASE_URL="postgres://app@db.internal:5432/learn")
    assert default["DB"]["CONN_MAX_AGE"] == 60 and default["DB"]["CONN_HEALTH_CHECKS"] is True


def test_s3_storages_is_empty_without_a_bucket():
    from config.settings.base import s3_storages

    assert s3_storages({}) == {}
    assert s3_storages({"AWS_STORAGE_BUCKET_NAME": "  "}) == {}
    acl_off = s3_storages({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_CERTIFICATES_DEFAULT_ACL": ""})
    assert acl_off["certificates"]["OPTIONS"]["default_acl"] is None  # buckets with ACLs disabled


def test_production_refuses_a_missing_secret():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "learn.example.com"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "django_tasks.backends.immediate.ImmediateBackend"),
        ({"TASKS_BACKEND": "db"}, "django_tasks_db.DatabaseBackend"),
    ],
)
def test_dev_runs_tasks_in_process_unless_asked_to_queue_them_for_make_worker(tmp_path, env, backend):
    code = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    result = manage("shell", "-c", code, env={"DATABASE_URL": f"sqlite:///{tmp_path}/dev.sqlite3", **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == backend
