"""Streaming CSV exports of a cohort, safe to open in spreadsheet programs.

* UTF-8 with a byte order mark, so Excel reads accented names correctly.
* Every text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  prefixed with an apostrophe, so a spreadsheet never evaluates it as a formula (OWASP's
  "CSV injection" advice). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from . import weeks
from .models import ChallengeLog, Cohort, EnrolmentStatus, FollowUp, Outcome, Setting
from .selectors.cohorts import CohortReport, fill_module_cells

BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500


def safe_cell(value) -> object:
    if value.__class__ is str:
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The BOM and header, then the rows in chunks of ``ROWS_PER_CHUNK`` (fewer, larger writes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(c) for c in row])
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def streaming_csv(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def progress_rows(report: CohortReport) -> tuple[list[str], Iterator[list]]:
    modules = report.modules
    header = [
        *PEOPLE_COLUMNS,
        "status",
        "progress %",
        "required modules done",
        *[f"module: {m.title}" for m in modules],
        *[f"best score: {m.title}" for m in modules],
        "entries this week",
        "weekly target",
        "streak (weeks)",
        "follow-ups overdue",
        "wins",
        "last activity",
        "at risk",
        "reasons",
    ]
    rows = sorted(report.rows, key=lambda r: (r.sort_name, r.enrolment_id))
    fill_module_cells(rows, modules)

    def generate():
        for r in rows:
            yield [
                r.name,
                r.email,
                EnrolmentStatus(r.status).label,
                r.progress,
                r.done,
                *[c.label for c in r.cells],
                *[c.best_score for c in r.cells],
                r.week_count,
                report.week_target,
                r.streak,
                r.overdue,
                r.wins,
                _local(r.last_activity),
                r.at_risk,
                "; ".join(r.reasons),
            ]

    return header, generate()


# The people columns both exports start with, so the two files line up in a spreadsheet.
PEOPLE_COLUMNS = ["name", "email"]

ENTRY_FIELDS = [
    ("occurred_on", "date"),
    ("challenge__week", "challenge week"),
    ("challenge__title", "challenge"),
    ("setting", "setting"),
    ("who", "who"),
    ("opener", "opener"),
    ("learned", "learned"),
    ("follow_up", "follow-up"),
    ("follow_up_due", "follow-up due"),
    ("outcome", "outcome"),
    ("notes", "notes"),
    ("minutes", "minutes"),
    ("calm_before", "calm before"),
    ("calm_after", "calm after"),
]
# Coded columns are written with their human labels, as the progress export does.
ENTRY_LABELS = {"setting": dict(Setting.choices), "follow_up": dict(FollowUp.choices), "outcome": dict(Outcome.choices)}
PERSON_FIELDS = ("enrolment__user__first_name", "enrolment__user__last_name", "enrolment__user__username")


def entry_rows(cohort: Cohort) -> tuple[list[str], Iterator[list]]:
    fields = [f for f, _ in ENTRY_FIELDS]
    header = [*PEOPLE_COLUMNS, *(label for _, label in ENTRY_FIELDS)]
    header.insert(len(PEOPLE_COLUMNS) + 1, "programme week")
    values = (
        ChallengeLog.objects.filter(enrolment__cohort=cohort)
        .exclude(enrolment__status=EnrolmentStatus.WITHDRAWN)
        .order_by("enrolment__user__last_name", "enrolment__user__first_name", "enrolment_id", "occurred_on", "pk")
        .values_list(*PERSON_FIELDS, "enrolment__user__email", *fields)
    )
    labels = [ENTRY_LABELS.get(f) for f in fields]

    def generate():
        for first, last, username, email, *record in values.iterator(chunk_size=2000):
            row = [f"{first} {last}".strip() or username, email]
            row += [
                mapping.get(value, value) if mapping else value for mapping, value in zip(labels, record, strict=True)
            ]
            row.insert(len(PEOPLE_COLUMNS) + 1, weeks.week_of(cohort.start_date, record[0]))
            yield row

    return header, generate()
