"""Demo accounts (and, in later steps, demo cohorts and activity) for the runnable site.

Idempotent: users are created once; an existing account's password is left as its owner set it.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

TRAINERS_GROUP = "Trainers"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("participant", "learn-micro-2026", "participant@example.com", "Pat", "Okafor", "participant"),
    DemoAccount("trainer", "coach-micro-2026", "trainer@example.com", "Tess", "Rahman", "trainer"),
    DemoAccount("admin", "admin-micro-2026", "admin@example.com", "Ada", "Admin", "admin", True, True),
]


def ensure_trainers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=TRAINERS_GROUP)
    return group


def ensure_demo_accounts() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing. Returns (account, created) pairs."""
    User = get_user_model()
    trainers = ensure_trainers_group()
    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "email": account.email,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_staff": account.is_staff,
                "is_superuser": account.is_superuser,
            },
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
        if account.role == "trainer":
            user.groups.add(trainers)
        results.append((account, created))
    return results


DEMO_CHALLENGE_COURSE = "micro-connections"
# (day of the programme, challenge week, setting, who, opener, follow-up, follow-up day, outcome)
DEMO_PRACTICE_LOG = [
    (0, 1, "canteen", "a project manager from Sales", "How's your week shaping up so far?", "done", 1, "conversation"),
    (1, 1, "virtual", "a new analyst in Finance", "What's keeping you busy at the moment?", "none", None, "none_yet"),
    (3, 1, "corridor", "the facilities lead", "How's your week shaping up so far?", "none", None, "meeting"),
    (
        7,
        2,
        "canteen",
        "a lawyer from Legal",
        "Is this seat free? I'm Pat, from Marketing.",
        "planned",
        9,
        "none_yet",
    ),
    (8, 2, "canteen", "a product owner", "What are you working on at the moment?", "done", 9, "referral"),
    (
        14,
        3,
        "virtual",
        "a designer in Leeds",
        "Where's everyone joining from today?",
        "planned",
        17,
        "none_yet",
    ),
]


def ensure_demo_practice_log(*, stdout=None) -> int:
    """Give the demo participant a few weeks of practice-log entries (once; returns how many were added).

    A participant newly enrolled here is treated as having started two and a half weeks ago, so the
    challenge page shows history, a streak and due follow-ups. Existing entries are never touched.
    """
    import datetime as dt

    from django.utils import timezone

    from courses.models import Challenge, CoursePage

    from . import services, weeks
    from .models import ChallengeLog, Enrolment
    from .selectors.challenges import enrolment_programme_start

    user = get_user_model().objects.filter(username="participant").first()
    course = CoursePage.objects.filter(slug=DEMO_CHALLENGE_COURSE).first()
    if user is None or course is None:
        return 0
    existed = Enrolment.objects.filter(user=user, course=course).exclude(status="withdrawn").exists()
    enrolment = services.enrolment_create(user=user, course=course, source="staff")
    if ChallengeLog.objects.filter(enrolment__user=user).exists():
        return 0
    if not existed and enrolment.cohort_id is None:
        enrolment.enrolled_at = timezone.now() - dt.timedelta(days=17)
        enrolment.save(update_fields=["enrolled_at"])
    start, today = enrolment_programme_start(enrolment), weeks.local_today()
    challenges = {c.week: c for c in Challenge.objects.filter(course=course)}
    added = 0
    for day, week, setting, who, opener, follow_up, follow_day, outcome in DEMO_PRACTICE_LOG:
        occurred_on = start + dt.timedelta(days=day)
        if occurred_on > today or week not in challenges or weeks.week_of(start, today) < week:
            continue
        follow_on = start + dt.timedelta(days=follow_day) if follow_day is not None else None
        data = {"occurred_on": occurred_on, "setting": setting, "who": who, "opener": opener, "outcome": outcome}
        data.update(follow_up=follow_up, follow_up_due=follow_on, follow_up_done_on=follow_on and min(follow_on, today))
        services.challenge_log_create(enrolment=enrolment, challenge=challenges[week], data=data, today=today)
        added += 1
    if stdout is not None:
        stdout.write(f"  practice log: {added} demo entries for the participant")
    return added
