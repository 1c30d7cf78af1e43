"""Wagtail admin registrations of the course catalogue."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Challenge


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
