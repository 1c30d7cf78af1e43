from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors


@login_required
def learn_home(request):
    enrolments = list(selectors.enrolments_for_user(user=request.user)[:100])
    return render(request, "lms/learn_home.html", {"enrolments": enrolments})
