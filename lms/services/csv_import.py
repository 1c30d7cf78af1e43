"""Bulk add participants to a cohort from a CSV file: parse and preview, then import.

Format: UTF-8 text (a BOM is fine), a header row naming the columns ``email``, ``first name``,
``last name`` and ``external id`` (any order, any case; ``_``/``-`` count as spaces), separated
by commas, semicolons or tabs. At most ``MAX_BYTES`` bytes and ``MAX_ROWS`` data rows.

Re-runnable: people are matched by email among the organisation's own records (case-insensitive;
the external id is set when missing), enrolments by account and course; nothing is duplicated.
A new person gets a new account that the organisation owns (``participant_provision``): an
import never attaches, or reveals, an account of anyone else — a staff or trainer account
included (docs/privacy.md).

Whole-file problems raise ``CsvImportError`` (one clear message). Row problems become one
error line each; the good rows are imported together, in one transaction, by a task.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django_tasks import task

from ..models import Cohort, CohortImport, Enrolment, EnrolmentStatus, ImportStatus, OrganisationMember
from ..worker.enqueue import enqueue_on_commit
from .cohorts import CohortError, cohort_add_participant, cohort_is_active
from .participants import ParticipantError, participant_provision

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
PROGRESS_EVERY = 100
COLUMNS = {
    "email": ("email", "e mail", "email address"),
    "first_name": ("first name", "firstname", "given name", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "external_id": ("external id", "externalid", "employee number", "employee id", "employee no"),
}
EXPECTED_HEADER = "email,first name,last name,external id"
LIMITS = {"first_name": 150, "last_name": 150, "external_id": 100, "email": 254}


class CsvImportError(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    delimiter: str = ","


def _normalise(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _decode(data: bytes) -> str:
    if not data or not data.strip():
        raise CsvImportError("The file is empty. Upload a CSV file with a header row and one row per participant.")
    if len(data) > MAX_BYTES:
        raise CsvImportError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise CsvImportError(
            "This is a spreadsheet file, not CSV. In your spreadsheet program, save it as “CSV UTF-8”."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvImportError("The file is UTF-16 text. Save it as “CSV UTF-8 (comma delimited)” and upload it again.")
    if b"\x00" in data:
        raise CsvImportError("The file contains binary data. Upload a plain CSV text file.")
    try:
        text = data.decode("utf-8-sig")  # a UTF-8 byte order mark is accepted and dropped
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvImportError(
            f"The file is not UTF-8 text (an unreadable byte on line {line}). "
            "In your spreadsheet program, save it as “CSV UTF-8 (comma delimited)” and upload it again."
        ) from None
    if not text.strip():
        raise CsvImportError("The file is empty. Upload a CSV file with a header row and one row per participant.")
    return text


def _header(first_line: str) -> tuple[str, list[str]]:
    delimiter = max([",", ";", "\t"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    names = next(csv.reader([first_line], delimiter=delimiter))
    return delimiter, [_normalise(n) for n in names]


def parse_csv(data: bytes) -> ParsedFile:
    """Read and check the file; row-level problems become error lines, file-level ones raise."""
    text = _decode(data)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter, names = _header(first)
    positions = {}
    for key, aliases in COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases:
                positions[key] = i
                break
    missing = [aliases[0] for key, aliases in COLUMNS.items() if key not in positions]
    if missing:
        found = ", ".join(n for n in names if n) or "nothing"
        raise CsvImportError(
            f"The header row is missing the column(s): {', '.join(missing)}. "
            f"The first row must name the columns, for example: {EXPECTED_HEADER} (found: {found})."
        )
    parsed = ParsedFile(delimiter=delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise CsvImportError(f"The file is not valid CSV ({exc}).") from None
    header_index = next(i for i, r in enumerate(records) if any(c.strip() for c in r))
    data_rows = [(n, r) for n, r in enumerate(records[header_index + 1 :], start=header_index + 2) if any(r)]
    if len(data_rows) > MAX_ROWS:
        raise CsvImportError(f"The file has {len(data_rows):,} rows; the limit is {MAX_ROWS:,}. Split it into parts.")
    if not data_rows:
        raise CsvImportError("The file has a header row but no participants.")
    width = len(names)
    for line, record in data_rows:
        if len(record) > width and any(c.strip() for c in record[width:]):
            parsed.errors.append(f"Row {line}: {len(record)} columns, but the header names {width}.")
            continue
        row = {key: (record[i].strip() if i < len(record) else "") for key, i in positions.items()}
        row["email"] = row["email"].lower()
        row["line"] = line
        problems = _row_problems(row)
        if problems:
            parsed.errors.append(f"Row {line}: {' '.join(problems)}")
        else:
            parsed.rows.append(row)
    return parsed


def _row_problems(row: dict) -> list[str]:
    problems = []
    if not row["email"]:
        problems.append("the email is missing.")
    else:
        try:
            validate_email(row["email"])
        except ValidationError:
            problems.append(f"“{row['email']}” is not a valid email address.")
    for key, limit in LIMITS.items():
        if len(row[key]) > limit:
            problems.append(f"the {key.replace('_', ' ')} is longer than {limit} characters.")
    return problems


def _check_against_database(cohort: Cohort, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Classify rows as create/reuse and reject conflicts. A fixed number of queries."""
    errors, good = [], []
    seen_email, seen_external = {}, {}
    for row in rows:
        if row["email"] in seen_email:
            errors.append(f"Row {row['line']}: the email {row['email']} is already on row {seen_email[row['email']]}.")
            continue
        if row["external_id"] and row["external_id"] in seen_external:
            errors.append(
                f"Row {row['line']}: the external id {row['external_id']} is already on row "
                f"{seen_external[row['external_id']]}."
            )
            continue
        seen_email[row["email"]] = row["line"]
        if row["external_id"]:
            seen_external[row["external_id"]] = row["line"]
        good.append(row)
    emails = [r["email"] for r in good]
    # Only the organisation's own records are looked at: an import never attaches, or reveals,
    # an account that the organisation did not provision (docs/privacy.md).
    members = OrganisationMember.objects.filter(organisation_id=cohort.organisation_id, erased_at__isnull=True)
    member_of_email: dict[str, list] = {}
    for member in members.filter(email__in=emails):
        member_of_email.setdefault(member.email, []).append(member)
    externals = [r["external_id"] for r in good if r["external_id"]]
    owner_of_external = dict(members.filter(external_id__in=externals).values_list("external_id", "email"))
    user_ids = [m.user_id for ms in member_of_email.values() for m in ms]
    other_cohorts = {
        e.user_id: e.cohort
        for e in Enrolment.objects.filter(user_id__in=user_ids, course_id=cohort.course_id, cohort__isnull=False)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .exclude(cohort=cohort)
        .select_related("cohort")
    }
    checked = []
    for row in good:
        matches = member_of_email.get(row["email"], [])
        prefix = f"Row {row['line']}:"
        if len(matches) > 1:
            errors.append(f"{prefix} several of your participants share the email {row['email']}.")
            continue
        member = matches[0] if matches else None
        owner = owner_of_external.get(row["external_id"]) if row["external_id"] else None
        if owner is not None and owner.lower() != row["email"]:
            errors.append(f"{prefix} the external id {row['external_id']} already belongs to {owner}.")
            continue
        if member is not None:
            if member.external_id and row["external_id"] and member.external_id != row["external_id"]:
                errors.append(
                    f"{prefix} {row['email']} already has the external id {member.external_id} in this organisation."
                )
                continue
            if member.deactivated_at is not None:
                errors.append(f"{prefix} {row['email']} has left your organisation (reactivate them first).")
                continue
            other = other_cohorts.get(member.user_id)
            if other is not None and cohort_is_active(other):
                errors.append(f"{prefix} {row['email']} is already in the running cohort “{other.name}”.")
                continue
        checked.append({**row, "action": "reuse" if member else "create"})
    return checked, errors


def csv_import_preview(*, cohort: Cohort, data: bytes, filename: str = "", uploaded_by=None) -> CohortImport:
    """Parse and check an upload; store the preview. Raises CsvImportError for unreadable files."""
    parsed = parse_csv(data)
    rows, conflicts = _check_against_database(cohort, parsed.rows)
    errors = sorted(parsed.errors + conflicts, key=lambda e: int(e.split()[1].rstrip(":")))
    return CohortImport.objects.create(
        cohort=cohort,
        uploaded_by=uploaded_by,
        filename=filename[:255],
        rows=rows,
        errors=errors,
        total=len(rows),
        created_users=sum(1 for r in rows if r["action"] == "create"),
        reused_users=sum(1 for r in rows if r["action"] == "reuse"),
        message="Semicolon-separated file." if parsed.delimiter == ";" else "",
    )


def csv_import_confirm(*, cohort_import: CohortImport) -> CohortImport:
    """Queue the import of a previewed upload (once); the task runs after this transaction commits."""
    with transaction.atomic():
        updated = CohortImport.objects.filter(pk=cohort_import.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.QUEUED
        )
        if updated:
            enqueue_on_commit(cohort_import_run, import_id=cohort_import.pk)
    cohort_import.refresh_from_db()
    return cohort_import


def _report_progress(import_id: int, processed: int) -> None:
    """Publish progress from inside the import's transaction through a second connection.

    PostgreSQL only (SQLite allows one writer); a lock wait gives up at once, so progress is
    best effort and never slows or breaks the import.
    """
    if connection.vendor != "postgresql":
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute("SET lock_timeout = '100ms'")
            cursor.execute(
                f"UPDATE {CohortImport._meta.db_table} SET processed = %s WHERE id = %s",  # noqa: S608
                [processed, import_id],
            )
    except Exception:  # progress is cosmetic; the import itself must go on
        logger.debug("progress update skipped", exc_info=True)
    finally:
        side.close()


def _import_row(cohort: Cohort, row: dict) -> str:
    member = OrganisationMember.objects.filter(
        organisation_id=cohort.organisation_id, email=row["email"], erased_at__isnull=True
    ).first()
    created = member is None
    if created:
        try:
            member = participant_provision(
                organisation=cohort.organisation,
                email=row["email"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                external_id=row["external_id"],
            )
        except ParticipantError as exc:
            raise CohortError(str(exc)) from None
    elif row["external_id"] and not member.external_id:
        member.external_id = row["external_id"]
        member.save(update_fields=["external_id", "updated_at"])
    cohort_add_participant(cohort=cohort, user=member.user)
    return "create" if created else "reuse"


def csv_import_run(*, import_id: int) -> CohortImport:
    """Import the previewed good rows in one transaction. Rows that now conflict are reported.

    A RUNNING import is run again from the start: its worker died part-way (the task was given
    back, docs/workers.md), and since the rows are written in one transaction, none were saved.
    """
    cohort_import = CohortImport.objects.select_related("cohort__course", "cohort__organisation").get(pk=import_id)
    if cohort_import.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return cohort_import
    CohortImport.objects.filter(pk=import_id).update(status=ImportStatus.RUNNING, processed=0)
    cohort = cohort_import.cohort
    rows, late_errors = _check_against_database(cohort, cohort_import.rows)
    counts = {"create": 0, "reuse": 0}
    try:
        with transaction.atomic():
            for i, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        counts[_import_row(cohort, row)] += 1
                except CohortError as exc:
                    late_errors.append(f"Row {row['line']}: {exc}")
                if i % PROGRESS_EVERY == 0:
                    _report_progress(import_id, i)
    except Exception as exc:
        logger.exception("cohort import %s failed", import_id)
        CohortImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=f"The import failed and nothing was saved: {exc}",
        )
        cohort_import.refresh_from_db()
        return cohort_import
    CohortImport.objects.filter(pk=import_id).update(
        status=ImportStatus.DONE,
        processed=cohort_import.total,
        created_users=counts["create"],
        reused_users=counts["reuse"],
        errors=cohort_import.errors + late_errors,
        finished_at=timezone.now(),
    )
    cohort_import.refresh_from_db()
    return cohort_import


@task()
def cohort_import_run(*, import_id: int) -> None:
    """Task: run a confirmed import (``csv_import_run``)."""
    csv_import_run(import_id=import_id)
