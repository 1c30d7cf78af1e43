"""Demo accounts (and, in later steps, demo cohorts and activity) for the runnable site.

Idempotent: users are created once; an existing account's password is left as its owner set it.
"""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .roles import trainer_permission

TRAINERS_GROUP = "Trainers"


def demo_programme_path() -> Path:
    """The demo programme JSON; its media sit beside it in ``media/``.

    An installed distribution carries the checkout's top-level ``fixtures/`` folder as
    ``lms/demo_fixtures/`` (ADR 0004); a checkout has it next to ``lms/``.
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "demo_fixtures", package.parent / "fixtures"):
        if (folder / "demo_programme.json").is_file():
            return folder / "demo_programme.json"
    raise FileNotFoundError(
        f"The demo programme is neither in {package / 'demo_fixtures'} nor in {package.parent / 'fixtures'}"
    )


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
    """The demo's trainers get the trainer permission through this group (lms/roles.py)."""
    group, _ = Group.objects.get_or_create(name=TRAINERS_GROUP)
    group.permissions.add(trainer_permission())
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


# --- Demo cohort for the trainer pages (issue 5) -----------------------------------------

DEMO_ORGANISATION = ("Northwind Capital", "northwind-capital")
DEMO_COHORT = "Northwind Spring Leaders"
DEMO_COURSE_SLUG = "micro-connections"
DEMO_COHORT_AGE_DAYS = 25  # the cohort is in its fourth week when first created

# (first, last, modules completed, quiz attempts burnt on the next module, days since active,
#  entries per week 1-4, wins, an overdue follow-up)
DEMO_PARTICIPANTS = [
    ("Amara", "Obi", 5, 0, 1, [3, 3, 3, 2], 2, False),
    ("Ben", "Carter", 4, 0, 0, [3, 2, 3, 1], 1, False),
    ("Chloé", "Martin", 3, 0, 2, [2, 3, 2, 0], 0, True),
    ("Dev", "Patel", 3, 0, 2, [1, 0, 1, 0], 0, False),
    ("Elena", "Rossi", 2, 0, 9, [3, 3, 0, 0], 1, False),
    ("Farid", "Haddad", 1, 3, 4, [1, 0, 0, 0], 0, False),
    ("Grace", "Liu", 0, 0, 12, [0, 0, 0, 0], 0, False),
    ("Hiro", "Tanaka", 3, 0, 1, [3, 3, 3, 1], 1, True),
    ("Isla", "Murphy", 2, 0, 3, [2, 1, 2, 1], 0, False),
    ("Jonas", "Berg", 1, 0, 6, [1, 1, 0, 0], 0, False),
    ("Kofi", "Mensah", 4, 0, 0, [3, 3, 3, 3], 3, False),
    ("Lena", "Novak", 3, 0, 5, [0, 1, 0, 1], 0, False),
]
DEMO_WINS = ["conversation", "meeting", "referral", "project"]
DEMO_WHO = ["Priya from Finance", "a new joiner in Legal", "the Lisbon client lead", "Sam at reception", "Oskar (IT)"]


def ensure_demo_cohort(*, stdout=None) -> tuple[object | None, int]:
    """Give the demo trainer a cohort with varied progress. Returns (cohort, participants added).

    Idempotent: the organisation, cohort and participants are created once; a participant who
    is already enrolled keeps their records. Challenge entries are only created for weeks that
    have a Challenge in the database.
    """
    import contextlib
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from courses.models import Challenge, CoursePage

    from .models import Cohort, Enrolment, Organisation, OrganisationMember
    from .services.cohorts import CohortError, cohort_add_participant
    from .services.summaries import rebuild as rebuild_summaries

    course = CoursePage.objects.filter(slug=DEMO_COURSE_SLUG).first()
    if course is None:
        return None, 0
    User = get_user_model()
    today = timezone.localdate()
    with transaction.atomic():
        organisation, _ = Organisation.objects.get_or_create(
            slug=DEMO_ORGANISATION[1], defaults={"name": DEMO_ORGANISATION[0]}
        )
        cohort, _ = Cohort.objects.get_or_create(
            organisation=organisation,
            name=DEMO_COHORT,
            defaults={"course": course, "start_date": today - dt.timedelta(days=DEMO_COHORT_AGE_DAYS)},
        )
        trainer = User.objects.filter(username="trainer").first()
        if trainer:
            cohort.trainers.add(trainer)
        modules = list(course.modules())
        challenges = {c.week: c for c in Challenge.objects.filter(course=course).order_by("week", "pk")}
        added = 0
        for n, profile in enumerate(DEMO_PARTICIPANTS, start=1):
            first, last = profile[0], profile[1]
            username = f"northwind.{first.lower().replace('é', 'e')}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@northwind.example"},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            OrganisationMember.objects.get_or_create(
                organisation=organisation, user=user, defaults={"external_id": f"NW-{1000 + n}"}
            )
            if Enrolment.objects.filter(user=user, course=course).exists():
                continue
            enrolment = cohort_add_participant(cohort=cohort, user=user)
            _demo_activity(enrolment, cohort, modules, challenges, profile, n)
            added += 1
        participant = User.objects.filter(username="participant").first()
        if participant and not Enrolment.objects.filter(user=participant, course=course).exclude(cohort=None).exists():
            with contextlib.suppress(CohortError):  # already in another running cohort
                cohort_add_participant(cohort=cohort, user=participant)
    # The demo activity is written directly (backdated), not through the services: recount.
    rebuild_summaries(enrolments=Enrolment.objects.filter(cohort=cohort))
    if stdout is not None:
        stdout.write(f"  demo cohort: {cohort.name}, trainer: trainer ({added} participants added)")
    return cohort, added


def _demo_activity(enrolment, cohort, modules, challenges, profile, n) -> None:
    import datetime as dt

    from django.utils import timezone

    from .models import ChallengeLog, Enrolment, EnrolmentStatus, FollowUp, ModuleProgress, QuizAttempt
    from .weeks import target_for_week

    _first, _last, done, burnt, idle_days, weekly, wins, overdue = profile
    now = timezone.now()
    start = cohort.start_date
    for i, module in enumerate(modules):
        at = now - dt.timedelta(days=max(idle_days, 20 - 4 * i))
        if i < done:
            score = 70 + (n * 7 + i * 3) % 31
            ModuleProgress.objects.create(
                enrolment=enrolment,
                module=module,
                started_at=at,
                read_confirmed_at=at,
                quiz_passed_at=at if module.has_quiz else None,
                completed_at=at,
                best_score=score if module.has_quiz else None,
                attempts_used=1 if module.has_quiz else 0,
            )
            if module.has_quiz:
                _demo_attempt(QuizAttempt, enrolment, module, 1, score, True, at)
        elif i == done and (burnt or idle_days < 10 or done == 0):
            attempts = min(burnt, module.quiz_max_attempts or burnt) if module.has_quiz else 0
            ModuleProgress.objects.create(
                enrolment=enrolment,
                module=module,
                started_at=now - dt.timedelta(days=idle_days),
                read_confirmed_at=now - dt.timedelta(days=idle_days) if attempts else None,
                best_score=55 if attempts else None,
                attempts_used=attempts,
            )
            for number in range(1, attempts + 1):
                _demo_attempt(QuizAttempt, enrolment, module, number, 40 + 5 * number, False, now)
    last_activity = now - dt.timedelta(days=idle_days)
    updates = {"last_activity_at": last_activity, "enrolled_at": now - dt.timedelta(days=27)}
    if done >= len(modules):
        updates.update(status=EnrolmentStatus.COMPLETED, completed_at=last_activity)
    Enrolment.objects.filter(pk=enrolment.pk).update(**updates)
    if not challenges:
        return
    targets = {w: c.target for w, c in challenges.items()}
    wins_left = wins
    for week, count in enumerate(weekly, start=1):
        opened = [w for w in challenges if w <= week]
        if not opened or target_for_week(week, targets) is None:
            continue
        challenge = challenges[max(opened)]
        for k in range(count):
            day = start + dt.timedelta(days=7 * (week - 1) + min(6, 1 + 2 * k))
            if day > timezone.localdate() - dt.timedelta(days=idle_days):
                continue
            outcome = "none_yet"
            if wins_left and k == 0:
                outcome = DEMO_WINS[(n + wins_left) % len(DEMO_WINS)]
                wins_left -= 1
            follow_up, due = FollowUp.NONE, None
            if overdue and week == 2 and k == 0:
                follow_up, due = FollowUp.PLANNED, day + dt.timedelta(days=3)
            log = ChallengeLog.objects.create(
                enrolment=enrolment,
                challenge=challenge,
                occurred_on=day,
                setting=["canteen", "virtual", "corridor", "online", "event"][(n + k) % 5],
                who=DEMO_WHO[(n + k + week) % len(DEMO_WHO)],
                opener="What are you working on this week?",
                learned="They are looking for someone who knows the Lisbon market.",
                follow_up=follow_up,
                follow_up_due=due,
                outcome=outcome,
                outcome_changed_at=now if outcome != "none_yet" else None,
                notes="Agreed to swap notes next week." if outcome != "none_yet" else "",
            )
            stamp = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 30)))
            ChallengeLog.objects.filter(pk=log.pk).update(created_at=stamp)


def _demo_attempt(model, enrolment, module, number, score, passed, at) -> None:
    model.objects.create(
        enrolment=enrolment,
        module=module,
        number=number,
        status="submitted",
        served=[],
        score=score,
        passed=passed,
        pass_mark=module.quiz_pass_mark,
        started_at=at,
        submitted_at=at,
    )


# --- Demo practice log for the challenge pages (issue 4) ------------------------------------

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


def align_default_site(base_url: str) -> tuple[str, int] | None:
    """Point the default Wagtail ``Site`` at ``base_url`` (host and port), so page URLs and the
    plugin's public links agree with the address the site is served on. Returns the new
    (hostname, port), or None when there is no default site or no usable URL."""
    from urllib.parse import urlsplit

    from wagtail.models import Site

    parts = urlsplit(base_url)
    if not parts.hostname:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    if (site.hostname, site.port) != (parts.hostname, port):
        site.hostname, site.port = parts.hostname, port
        site.save(update_fields=["hostname", "port"])
    return parts.hostname, port
