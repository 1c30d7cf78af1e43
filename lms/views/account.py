"""The participant's account page: profile, and the sections other features register (``lms.account``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..account import account_sections_for
from ..selectors.organisation import memberships_for_user


def profile_section(request):
    """Who the site knows you as, and which organisations have a record of you."""
    return {
        "template": "microlearn_lms/account/_profile.html",
        "order": 10,
        "memberships": memberships_for_user(user=request.user),
    }


@login_required
def account_page(request):
    return render(request, "microlearn_lms/account/account.html", {"sections": account_sections_for(request)})
