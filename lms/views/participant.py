from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..dashboard import sections_for
from ..selectors import learning as learning_selectors


def courses_section(request):
    """Active courses with progress, continue link and best scores; completed courses apart."""
    data = learning_selectors.dashboard(user=request.user)
    return {
        "template": "microlearn_lms/dashboard/_courses.html",
        "order": 10,
        "active": data.active,
        "completed": data.completed,
    }


@login_required
def learn_home(request):
    return render(request, "microlearn_lms/learn_home.html", {"sections": sections_for(request)})
