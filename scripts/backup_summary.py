#!/usr/bin/env python
"""Row counts and file checks for a site's database and storage, as JSON; used by backup.sh/restore.sh.

    python scripts/backup_summary.py                          # print the summary
    python scripts/backup_summary.py --compare summary.json   # also compare with an earlier one

Counts the main tables, then checks the files the database points at through Django's storage
API, so a local folder and an S3 bucket are checked the same way: every certificate PDF, Wagtail
image and document must exist with a size; the first ``--open`` of each kind are read whole and
hashed, and certificate PDFs must start with ``%PDF``. Exits 1 when a file is missing or
unreadable, or, with ``--compare``, when anything differs from the earlier summary.

Settings: ``DJANGO_SETTINGS_MODULE`` as for manage.py (default ``config.settings.dev``), with the
same DATABASE_URL, MEDIA_ROOT, CERTIFICATES_ROOT and AWS_* variables as the site.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNTED = [
    "auth.User",
    "microlearn_lms.Organisation",
    "microlearn_lms.Cohort",
    "microlearn_lms.Enrolment",
    "microlearn_lms.ModuleProgress",
    "microlearn_lms.QuizAttempt",
    "microlearn_lms.ChallengeLog",
    "microlearn_lms.Certificate",
    "wagtailcore.Page",
    "wagtailimages.Image",
    "wagtailimages.Rendition",
    "wagtaildocs.Document",
    "microlearn_api.ApiKey",
]


def _files(names, storage, *, open_first: int, header: bytes = b""):
    """Existence and size of each name in storage; the first ``open_first`` are also read whole and
    their content goes into the digest, so a corrupted copy shows as a difference."""
    digest, problems, total = hashlib.sha256(), [], 0
    for index, name in enumerate(sorted(names)):
        try:
            size, content_hash = storage.size(name), ""
            if index < open_first:
                with storage.open(name, "rb") as handle:
                    content = handle.read()
                if not content.startswith(header):
                    problems.append(f"{name}: does not start with {header!r}")
                content_hash = hashlib.sha256(content).hexdigest()
        except Exception as exc:  # missing file, unreachable bucket, permissions
            problems.append(f"{name}: {exc.__class__.__name__}")
            continue
        total += size
        digest.update(f"{name}\0{size}\0{content_hash}\n".encode())
    return {"files": len(names), "bytes": total, "digest": digest.hexdigest()[:16]}, problems


def summary(*, open_first: int) -> tuple[dict, list[str]]:
    from django.apps import apps
    from django.core.files.storage import default_storage
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from lms.certificates.storage import certificate_storage
    from lms.models import Certificate

    counts = {label: apps.get_model(label).objects.count() for label in COUNTED}
    counts["microlearn_lms.Certificate by status"] = dict(sorted(_count_by(Certificate, "status").items()))
    pdfs = list(Certificate.objects.exclude(pdf="").values_list("pdf", flat=True))
    images = list(get_image_model().objects.values_list("file", flat=True))
    documents = list(get_document_model().objects.values_list("file", flat=True))
    files, problems = {}, []
    for key, names, storage, opened, header in (
        ("certificate PDFs", pdfs, certificate_storage, open_first, b"%PDF"),
        ("images", images, default_storage, open_first, b""),
        ("documents", documents, default_storage, open_first, b""),
    ):
        files[key], found = _files(names, storage, open_first=opened, header=header)
        problems += found
    return {"counts": counts, "files": files}, problems


def _count_by(model, field: str) -> dict:
    from django.db.models import Count

    return {row[field]: row["n"] for row in model.objects.values(field).annotate(n=Count("pk")).order_by()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="an earlier summary.json to compare with")
    parser.add_argument("--open", type=int, default=50, help="read this many files of each kind (default 50)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    current, problems = summary(open_first=args.open)
    print(json.dumps(current, indent=2))
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    if args.compare:
        earlier = json.loads(args.compare.read_text())
        differences = [
            f"{section} {key}: {earlier[section].get(key)!r} then, {value!r} now"
            for section in ("counts", "files")
            for key, value in current[section].items()
            if earlier.get(section, {}).get(key) != value
        ]
        for difference in differences:
            print(f"DIFFERS {difference}", file=sys.stderr)
        if not differences:
            print(f"matches {args.compare}", file=sys.stderr)
        problems += differences
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
