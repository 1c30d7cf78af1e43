"""Wagtail admin registrations of the course catalogue, and the quiz checks authors see on publish."""

from django.contrib import messages
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .content_lint import lint_quiz, questions_from_stream
from .models import Challenge, ModulePage


class ChallengeViewSet(SnippetViewSet):
    """Weekly challenges, authored per course: filter by course, week and kind; search titles and briefs."""

    model = Challenge
    icon = "tasks"
    menu_label = "Weekly challenges"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "course", "week", "kind", "target"]
    list_filter = ["course", "week", "kind"]
    search_fields = ["title", "brief"]
    search_backend_name = None  # plain database search; challenges are not in the search index
    ordering = ["course", "week", "title"]
    list_per_page = 50


register_snippet(ChallengeViewSet)


@hooks.register("after_publish_page")
def warn_about_quiz_cues(request, page):
    """Authors see the content lint's findings (courses/content_lint.py) when they publish a module."""
    if not isinstance(page, ModulePage) or not page.has_quiz:
        return
    for warning in lint_quiz(questions_from_stream(page.quiz), shuffle=page.quiz_shuffle):
        messages.warning(request, f"Quiz check: {warning.message}")


@hooks.register("insert_global_admin_css")
def quiz_editor_css():
    """Hides "partial credit" unless a question is multiple choice (pure CSS; courses/blocks.py)."""
    return format_html('<link rel="stylesheet" href="{}">', static("microlearn_courses/css/quiz-editor.css"))


@hooks.register("insert_editor_js")
def editor_error_tab_js():
    """After a failed publish, opens the tab holding the first error (an external file, CSP-safe)."""
    return format_html('<script src="{}" defer></script>', static("microlearn_courses/js/editor-error-tab.js"))
