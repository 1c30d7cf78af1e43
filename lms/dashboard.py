"""Sections of the participant home page, ``/learn/``, registered through Wagtail hooks.

A section is a ``LearnSection(name, render)``. ``render(request) -> dict | None`` returns
``{"template": "<template name>", "order": int, **context}`` (or None to show nothing). The
page renders the sections in ``order``. Each section must run a constant, small number of
queries whatever the participant's data (tests assert the page's total).

The plugin registers its own sections (``courses``, ``certificates``, ``cohort``,
``challenges``) in ``lms/wagtail_hooks.py``. A host site adds one, or removes one, the way
Wagtail's own admin menu is extended (register, then construct; ADR 0002)::

    @hooks.register("microlearn_register_learn_section")
    def register_badges():
        return LearnSection("badges", badges_section)

    @hooks.register("microlearn_construct_learn_sections")
    def hide_cohort(request, sections):
        sections[:] = [s for s in sections if s.name != "cohort"]

A section removed by a construct hook is never rendered, so it costs nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from wagtail import hooks

REGISTER_HOOK = "microlearn_register_learn_section"
CONSTRUCT_HOOK = "microlearn_construct_learn_sections"


@dataclass(frozen=True)
class LearnSection:
    name: str
    render: Callable[[HttpRequest], dict | None]


def sections_for(request, *, register_hook: str = REGISTER_HOOK, construct_hook: str = CONSTRUCT_HOOK) -> list[dict]:
    """The rendered sections of one page (``/learn/`` by default; ``lms.account`` passes its hooks)."""
    sections = [register() for register in hooks.get_hooks(register_hook)]
    for construct in hooks.get_hooks(construct_hook):
        construct(request, sections)
    rendered = [{"name": section.name, **result} for section in sections if (result := section.render(request))]
    return sorted(rendered, key=lambda s: s.get("order", 100))
