"""Extension points for apps that add learner state to course pages.

An app registers ``@hooks.register("microlearn_module_context")`` (or ``microlearn_course_context``)
with a function ``fn(page, request, context)`` that mutates the template context. This keeps
``courses`` free of any import of learner-record apps.
"""

from wagtail import hooks


def run_context_hooks(name: str, page, request, context: dict) -> None:
    for fn in hooks.get_hooks(name):
        fn(page, request, context)
