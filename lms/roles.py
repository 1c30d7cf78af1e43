"""Who may use the trainer pages: a permission, so a host site grants it to any group it likes.

``microlearn_lms.train_cohort`` (on Cohort) lets a user open the trainer pages; which cohorts they
then see is the cohorts they train (``Cohort.trainers``), or every cohort for staff
(``lms.selectors.cohorts.cohorts_for_trainer``). The demo puts it on a "Trainers" group; the
name of that group means nothing to the plugin.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse

TRAINER_APP_LABEL = "microlearn_lms"
TRAINER_CODENAME = "train_cohort"
TRAINER_PERMISSION = f"{TRAINER_APP_LABEL}.{TRAINER_CODENAME}"


def is_trainer(user) -> bool:
    """Staff, or a user granted the trainer permission (directly, through a group, or a backend)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.has_perm(TRAINER_PERMISSION)


def trainer_permission() -> Permission:
    return Permission.objects.get(content_type__app_label=TRAINER_APP_LABEL, codename=TRAINER_CODENAME)


def trainer_candidates() -> QuerySet:
    """Active users who may be a cohort's trainer: staff, or granted the permission."""
    has_permission = Q(user_permissions__codename=TRAINER_CODENAME) & Q(
        user_permissions__content_type__app_label=TRAINER_APP_LABEL
    )
    through_group = Q(groups__permissions__codename=TRAINER_CODENAME) & Q(
        groups__permissions__content_type__app_label=TRAINER_APP_LABEL
    )
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(is_staff=True) | Q(is_superuser=True) | has_permission | through_group).distinct()


def trains_cohorts(user) -> bool:
    """A trainer who is not staff: granted the trainer permission, neither staff nor superuser.

    Such a user's home after signing in is their cohorts (``home_url``); staff and superusers
    keep the learner's home."""
    if not user.is_authenticated or user.is_staff or user.is_superuser:
        return False
    return user.has_perm(TRAINER_PERMISSION)


def home_url(user) -> str:
    """Where signing in leads when the login names no ``next``: a trainer who is not staff to
    their cohorts, everyone else to /learn/. The plugin's ``/start/`` (``microlearn_lms:start``,
    the site's ``LOGIN_REDIRECT_URL``), the site's login page and the SSO callback all use it."""
    if trains_cohorts(user):
        return reverse("microlearn_lms:trainer-cohorts")
    return reverse("microlearn_lms:learn")
