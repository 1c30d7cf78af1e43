"""Sections of the participant's account page, ``/learn/account/``, registered through Wagtail hooks.

Same contract as ``lms.dashboard`` (a ``LearnSection(name, render)``; ``render(request)``
returns ``{"template": ..., "order": int, **context}`` or None), with its own hooks::

    @hooks.register("microlearn_register_account_section")
    def register_reminders():
        return LearnSection("reminders", reminders_section)

    @hooks.register("microlearn_construct_account_sections")
    def hide_calendar(request, sections):
        sections[:] = [s for s in sections if s.name != "calendar"]

The plugin's own sections: ``profile`` (name, email, organisations), and the practice
preferences, calendar feed, data export and erasure sections of their features.
"""

from .dashboard import LearnSection, sections_for

REGISTER_HOOK = "microlearn_register_account_section"
CONSTRUCT_HOOK = "microlearn_construct_account_sections"

__all__ = ["CONSTRUCT_HOOK", "REGISTER_HOOK", "LearnSection", "account_sections_for"]


def account_sections_for(request) -> list[dict]:
    return sections_for(request, register_hook=REGISTER_HOOK, construct_hook=CONSTRUCT_HOOK)
