"""Sections of the participant home page, ``/learn/``.

Each section is a function ``section(request) -> dict | None`` returning
``{"template": "<template name>", "order": int, **context}`` (or None to show nothing). The
page renders them in ``order``. Each section must run a constant, small number of queries
whatever the participant's data (tests assert the page's total).

Features add their section's dotted path to ``SECTIONS``.
"""

from django.utils.module_loading import import_string

SECTIONS: list[str] = [
    "lms.views.participant.courses_section",
    "lms.views.certificates.certificates_section",
]


def sections_for(request) -> list[dict]:
    rendered = []
    for path in SECTIONS:
        section = import_string(path)(request)
        if section:
            rendered.append(section)
    return sorted(rendered, key=lambda s: s.get("order", 100))
