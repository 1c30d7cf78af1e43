"""Practice badge pages: the /learn/ section and the public description of a course's badge
(the Open Badges achievement ``id`` resolves to it). Views only call ``lms/selectors/badges.py``."""

from django.http import Http404
from django.shortcuts import render

from courses.models import CoursePage

from ..selectors import badges as selectors


def badges_section(request):
    """/learn/: each badge held (name, expiry) or the progress towards it. Five queries."""
    cards = selectors.badge_cards(user=request.user)
    if not cards:
        return None
    return {"template": "microlearn_lms/badges/_dashboard.html", "order": 21, "cards": cards}


def badge_achievement(request, key):
    """What a course's practice badge attests and how it is earned (public: criteria only)."""
    course = CoursePage.objects.live().public().filter(translation_key=key, badge_enabled=True).first()
    if course is None:
        raise Http404("No such badge.")
    rule = selectors.BadgeRule.of(course)
    context = {"course": course, "rule": rule, "criteria": selectors.badge_criteria(rule)}
    return render(request, "microlearn_lms/badges/achievement.html", context)
