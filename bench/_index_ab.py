"""A/B of the ``ml_progress_enrol_cover`` index on a database kept by ``bench/scale.py --keep``.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hb_scale .venv/bin/python bench/_index_ab.py

Measures the trainer cohort list and cohort page (30 requests each, the pages taking turns) with
the index, without it, and with it again; the index is always recreated. Not run by ``make bench``
(it needs the kept scale database). Figures: docs/performance.md.
"""

from __future__ import annotations

import os
import sys

import _seed
import scale

INDEX = "ml_progress_enrol_cover"


def main() -> None:
    os.environ["MICROLEARN_API_THROTTLE_RATE"] = "100000000/min"
    _seed.setup_django(_seed.database_url("bench_scale"))
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection

    from lms.models import ModuleProgress

    if _seed.participants() == 0:
        sys.exit("No scale data: run bench/scale.py --keep first.")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    index = next(i for i in ModuleProgress._meta.indexes if i.name == INDEX)
    pages = [page for page in scale.pages() if page[0].startswith("trainer")]

    def run(tag: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE microlearn_lms_moduleprogress")
        for label, (queries, server, sql) in scale.measure_all(pages, 30).items():
            print(f"{tag:<20} {label:<28} queries {queries}  server {server:6.1f} ms  SQL {sql:6.1f} ms", flush=True)

    print(f"{_seed.participants():,} participants; load average {os.getloadavg()[0]:.2f}")
    run("with the index")
    with connection.schema_editor() as editor:
        editor.remove_index(ModuleProgress, index)
    try:
        run("without")
    finally:
        with connection.schema_editor() as editor:
            editor.add_index(ModuleProgress, index)
    run("with the index again")


if __name__ == "__main__":
    main()
