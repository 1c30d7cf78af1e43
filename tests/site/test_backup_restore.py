"""scripts/backup.sh and scripts/restore.sh round trip: pg_dump + file archives into a fresh database
and folders, verified by scripts/backup_summary.py (counts, files present and byte-identical)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from wagtail.documents.models import Document

from tests.factories import UserFactory
from tests.factories_certificates import issued_certificate

SCRIPTS = Path(__file__).resolve().parent.parent.parent / "scripts"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # pg_dump runs in another session: the data must be committed
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore need PostgreSQL"),
]


def database_url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"], safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run(*command, env: dict) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    full_env.update({"PYTHON": sys.executable, "LOG_LEVEL": "WARNING", **env})
    return subprocess.run(
        [str(part) for part in command], env=full_env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_into_an_empty_database_and_folders(settings, tmp_path, mini_programme, restored_database):
    source = {"MEDIA_ROOT": tmp_path / "src" / "media", "CERTIFICATES_ROOT": tmp_path / "src" / "certificates"}
    settings.MEDIA_ROOT = source["MEDIA_ROOT"]
    settings.STORAGES = {
        **settings.STORAGES,
        "certificates": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(source["CERTIFICATES_ROOT"])},
        },
    }
    certificates = [issued_certificate(mini_programme) for _ in range(2)]
    document = Document.objects.create(title="Notes", file=ContentFile(b"Breathe in for four.", name="notes.txt"))
    UserFactory.create_batch(3)
    backup = tmp_path / "backup"

    made = run(
        "bash",
        SCRIPTS / "backup.sh",
        backup,
        env={"DATABASE_URL": database_url(connection.settings_dict["NAME"]), **{k: str(v) for k, v in source.items()}},
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert {p.name for p in backup.iterdir()} == {
        "db.dump",
        "media.tar.gz",
        "certificates.tar.gz",
        "summary.json",
        "SHA256SUMS",
    }
    assert '"microlearn_lms.Certificate": 2' in (backup / "summary.json").read_text()

    target = {
        "DATABASE_URL": database_url(restored_database),
        "MEDIA_ROOT": str(tmp_path / "restored" / "media"),
        "CERTIFICATES_ROOT": str(tmp_path / "restored" / "certificates"),
    }
    restored = run("bash", SCRIPTS / "restore.sh", backup, env=target)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restore complete and verified" in restored.stdout
    for certificate in certificates:
        copy = Path(target["CERTIFICATES_ROOT"]) / certificate.pdf.name
        assert copy.read_bytes() == certificate.pdf.open("rb").read()
    assert (Path(target["MEDIA_ROOT"]) / document.file.name).read_bytes() == b"Breathe in for four."

    again = run("bash", SCRIPTS / "restore.sh", backup, env=target)  # never merges into a database in use
    assert again.returncode == 2 and "already has" in again.stderr

    (Path(target["CERTIFICATES_ROOT"]) / certificates[0].pdf.name).write_bytes(b"%PDF-1.7 tampered")
    checked = run(sys.executable, SCRIPTS / "backup_summary.py", "--compare", backup / "summary.json", env=target)
    assert checked.returncode == 1 and "DIFFERS files certificate PDFs" in checked.stderr
