from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors
from ..dashboard import sections_for


def courses_section(request):
    enrolments = list(selectors.enrolments_for_user(user=request.user)[:100])
    return {"template": "lms/dashboard/_courses.html", "order": 10, "enrolments": enrolments}


@login_required
def learn_home(request):
    return render(request, "lms/learn_home.html", {"sections": sections_for(request)})
