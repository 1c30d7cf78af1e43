"""A person's own data as a zip: ``data.json`` (every kind) and one CSV per kind.

Built from ``lms.selectors.person_data`` row by row into a spooled temporary file: memory holds
one chunk of rows and at most ``SPOOL_BYTES`` of the zip; anything bigger goes to disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import tempfile
import uuid
import zipfile

from ..selectors.person_data import person_data_kinds

SPOOL_BYTES = 4 * 1024 * 1024
README = (
    "Your data from the course site.\n\n"
    "data.json holds everything, one list per kind; each CSV file holds one kind.\n"
    "Kinds: {kinds}.\n"
)


def _plain(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def _cell(value) -> str:
    value = _plain(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is read as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write_json(archive: zipfile.ZipFile, kinds) -> None:
    with archive.open("data.json", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8")
        out.write("{")
        for index, kind in enumerate(kinds):
            out.write(("," if index else "") + "\n" + json.dumps(kind.name) + ": [")
            for number, row in enumerate(kind.rows()):
                record = {column: _plain(value) for column, value in zip(kind.columns, row, strict=True)}
                out.write(("," if number else "") + "\n  " + json.dumps(record, ensure_ascii=False, sort_keys=True))
            out.write("]")
        out.write("\n}\n")
        out.flush()
        out.detach()


def _write_csv(archive: zipfile.ZipFile, kind) -> None:
    with archive.open(f"{kind.name}.csv", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow(kind.columns)
        for row in kind.rows():
            writer.writerow([_cell(value) for value in row])
        out.flush()
        out.detach()


def person_data_export(*, user):
    """A file object (positioned at 0) holding the zip of ``user``'s data. The caller closes it."""
    kinds = person_data_kinds(user=user)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned to the caller
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(kinds=", ".join(kind.name for kind in kinds)))
        _write_json(archive, kinds)
        for kind in kinds:
            _write_csv(archive, kind)
    spool.seek(0)
    return spool
