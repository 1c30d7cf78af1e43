"""Read side of practice badges: progress towards the rule, a participant's badges, a course's counts,
and the Open Badges 3.0 shapes (``badge_achievement``, ``badge_evidence``) a credential is built from.

The rule (docs/badges.md), evaluated over a **rolling window** of the last ``course.badge_window_weeks``
programme weeks up to the current one (``max(weeks needed, ceil(days valid / 7))``, clipped at week 1):

* **weeks met**: weeks of the window that met their weekly target, by ``lms.weeks.weeks_met`` (the
  definition the challenge page and the streak use; the current week counts once it is met);
* **follow-ups done**: entries whose follow-up is done (``selectors.challenges.FOLLOW_UP_DONE``)
  with a done date inside the window;
* the rule holds when both reach the course's minimums.

Progress and evidence are counts only: no entry's text, note or who was met ever leaves the database.
Every function runs a constant number of queries, whatever the number of entries or enrolments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from courses.models import Challenge, CoursePage

from .. import weeks
from ..conf import conf
from ..models import BadgeStatus, ChallengeLog, Enrolment, PracticeBadgeAward
from .challenges import FOLLOW_UP_DONE, ChallengeProgramme, enrolment_programme_start
from .learning import enrolments_for_user

RENEWAL_DAYS = 30  # an active badge renews in its last 30 days (or its whole validity, if shorter)
MAX_SECTION_ENROLMENTS = 10  # /learn/ shows the badges of at most this many courses


@dataclass(frozen=True)
class BadgeRule:
    name: str
    min_weeks_met: int
    min_follow_ups: int
    valid_days: int
    window_weeks: int

    @classmethod
    def of(cls, course: CoursePage) -> BadgeRule:
        return cls(
            name=course.badge_name or "Practice badge",
            min_weeks_met=course.badge_min_weeks_met,
            min_follow_ups=course.badge_min_follow_ups,
            valid_days=course.badge_valid_days,
            window_weeks=course.badge_window_weeks,
        )

    @property
    def renewal_days(self) -> int:
        return min(RENEWAL_DAYS, self.valid_days)


@dataclass(frozen=True)
class BadgeProgress:
    """Where a participant stands against the rule, over the window ending ``today``."""

    rule: BadgeRule
    today: dt.date
    current_week: int
    first_week: int  # the window's first programme week (0: the programme has not started)
    window_from: dt.date
    weeks_met: tuple[int, ...]
    follow_ups_done: int
    entries_logged: int

    @property
    def weeks_met_count(self) -> int:
        return len(self.weeks_met)

    @property
    def holds(self) -> bool:
        return (
            self.current_week >= 1
            and self.weeks_met_count >= self.rule.min_weeks_met
            and self.follow_ups_done >= self.rule.min_follow_ups
        )

    @property
    def weeks_shown(self) -> int:
        """Weeks met, capped at the target (for the progress bar)."""
        return min(self.weeks_met_count, self.rule.min_weeks_met)

    @property
    def follow_ups_shown(self) -> int:
        return min(self.follow_ups_done, self.rule.min_follow_ups)

    def evidence(self) -> dict:
        """Aggregates only (counts, week numbers, the window's dates and the rule): the award's evidence."""
        return {
            "weeks_met": self.weeks_met_count,
            "follow_ups_done": self.follow_ups_done,
            "entries_logged": self.entries_logged,
            "first_week": self.weeks_met[0] if self.weeks_met else None,
            "last_week": self.weeks_met[-1] if self.weeks_met else None,
            "window": {
                "from_week": self.first_week,
                "to_week": self.current_week,
                "from": self.window_from.isoformat(),
                "to": self.today.isoformat(),
            },
            "rule": {
                "min_weeks_met": self.rule.min_weeks_met,
                "min_follow_ups": self.rule.min_follow_ups,
                "valid_days": self.rule.valid_days,
                "window_weeks": self.rule.window_weeks,
            },
        }


def _window(start: dt.date, today: dt.date, window_weeks: int) -> tuple[int, int, dt.date]:
    """(current week, the window's first week, its first day)."""
    current = weeks.week_of(start, today)
    first = max(1, current - window_weeks + 1) if current >= 1 else 0
    return current, first, weeks.week_bounds(start, max(first, 1))[0]


def _progress(
    *,
    rule: BadgeRule,
    start: dt.date,
    today: dt.date,
    counts_by_week: dict[int, int],
    targets_by_week: dict[int, int],
    follow_ups_done: int,
) -> BadgeProgress:
    current, first, window_from = _window(start, today, rule.window_weeks)
    met = weeks.weeks_met(
        first_week=first, last_week=current, counts_by_week=counts_by_week, targets_by_week=targets_by_week
    )
    entries = sum(n for week, n in counts_by_week.items() if first >= 1 and first <= week <= current)
    return BadgeProgress(
        rule=rule,
        today=today,
        current_week=current,
        first_week=first,
        window_from=window_from,
        weeks_met=tuple(met),
        follow_ups_done=follow_ups_done if current >= 1 else 0,
        entries_logged=entries,
    )


def badge_progress_for(*, enrolments: list[Enrolment], today: dt.date | None = None) -> dict[int, BadgeProgress]:
    """{enrolment id: progress} for enrolments (course and cohort loaded): three queries for any number."""
    today = today or weeks.local_today()
    if not enrolments:
        return {}
    starts = {e.pk: enrolment_programme_start(e) for e in enrolments}
    rules = {e.pk: BadgeRule.of(e.course) for e in enrolments}
    windows = {pk: _window(starts[pk], today, rules[pk].window_weeks)[2] for pk in starts}
    earliest = min(windows.values())
    targets: dict[int, dict[int, int]] = defaultdict(dict)
    challenges = Challenge.objects.filter(course_id__in={e.course_id for e in enrolments}).order_by("week", "pk")
    for course_id, week, target in challenges.values_list("course_id", "week", "target"):
        targets[course_id][week] = target  # ordered by week: the last one of a week wins, as on the page
    ids = list(starts)
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    daily = (
        ChallengeLog.objects.filter(enrolment_id__in=ids, occurred_on__gte=earliest, occurred_on__lte=today)
        .values_list("enrolment_id", "occurred_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for enrolment_id, day, n in daily:
        if day >= windows[enrolment_id]:
            counts[enrolment_id][weeks.week_of(starts[enrolment_id], day)] += n
    follow_ups: dict[int, int] = defaultdict(int)
    done = (
        ChallengeLog.objects.filter(FOLLOW_UP_DONE, enrolment_id__in=ids, follow_up_done_on__gte=earliest)
        .filter(follow_up_done_on__lte=today)
        .values_list("enrolment_id", "follow_up_done_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for enrolment_id, day, n in done:
        if day >= windows[enrolment_id]:
            follow_ups[enrolment_id] += n
    return {
        e.pk: _progress(
            rule=rules[e.pk],
            start=starts[e.pk],
            today=today,
            counts_by_week=dict(counts[e.pk]),
            targets_by_week=targets[e.course_id],
            follow_ups_done=follow_ups[e.pk],
        )
        for e in enrolments
    }


def badge_progress(*, programme: ChallengeProgramme) -> BadgeProgress:
    """Progress from the challenge page's programme (its weekly counts already loaded): one query."""
    enrolment, today = programme.enrolment, programme.today
    rule = BadgeRule.of(enrolment.course)
    window_from = _window(programme.start, today, rule.window_weeks)[2]
    follow_ups = ChallengeLog.objects.filter(
        FOLLOW_UP_DONE, enrolment=enrolment, follow_up_done_on__gte=window_from, follow_up_done_on__lte=today
    ).count()
    return _progress(
        rule=rule,
        start=programme.start,
        today=today,
        counts_by_week=programme.counts_by_week,
        targets_by_week=programme.targets_by_week,
        follow_ups_done=follow_ups,
    )


# --- Awards ---------------------------------------------------------------------------------------


def award_is_current(award: PracticeBadgeAward | None, *, now: dt.datetime | None = None) -> bool:
    """Held now: active and not past its expiry (the tick may not have marked it expired yet)."""
    now = now or timezone.now()
    return award is not None and award.status == BadgeStatus.ACTIVE and award.expires_at > now


def latest_award(*, enrolment: Enrolment) -> PracticeBadgeAward | None:
    """The enrolment's newest award (active, expired or revoked), or None: one query."""
    return PracticeBadgeAward.objects.filter(enrolment=enrolment).order_by("-awarded_at", "-pk").first()


def badges_for_user(*, user, limit: int = 50) -> list[PracticeBadgeAward]:
    """The user's awards on current enrolments, newest first (bounded), with their course."""
    return list(
        PracticeBadgeAward.objects.filter(enrolment__in=enrolments_for_user(user=user))
        .select_related("course")
        .order_by("-awarded_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class BadgeCard:
    enrolment: Enrolment
    award: PracticeBadgeAward | None
    progress: BadgeProgress

    @property
    def held(self) -> bool:
        return award_is_current(self.award)

    @property
    def expired(self) -> bool:
        return self.award is not None and not self.held and self.award.status != BadgeStatus.REVOKED


def badge_cards(*, user, today: dt.date | None = None, limit: int = MAX_SECTION_ENROLMENTS) -> list[BadgeCard]:
    """/learn/'s badges: per current enrolment in a course with the badge on (bounded), its newest
    award and its progress. Five queries whatever the number of enrolments and entries."""
    latest = PracticeBadgeAward.objects.filter(enrolment=OuterRef("pk")).order_by("-awarded_at", "-pk")
    enrolments = list(
        enrolments_for_user(user=user)
        .filter(course__badge_enabled=True)
        .annotate(latest_award_id=Subquery(latest.values("pk")[:1]))[:limit]
    )
    if not enrolments:
        return []
    award_ids = [e.latest_award_id for e in enrolments if e.latest_award_id]
    awards = {a.pk: a for a in PracticeBadgeAward.objects.filter(pk__in=award_ids)} if award_ids else {}
    progress = badge_progress_for(enrolments=enrolments, today=today)
    return [BadgeCard(e, awards.get(e.latest_award_id), progress[e.pk]) for e in enrolments]


def badge_card(*, programme: ChallengeProgramme) -> BadgeCard:
    """The challenge page's badge: the newest award and the progress (two queries, counts reused)."""
    enrolment = programme.enrolment
    return BadgeCard(enrolment, latest_award(enrolment=enrolment), badge_progress(programme=programme))


def course_badge_counts(*, course_ids, now: dt.datetime | None = None, cohort_ids=None) -> dict[int, int]:
    """{course id: badges held now} (optionally within cohorts): one aggregate query, counts only."""
    now = now or timezone.now()
    queryset = PracticeBadgeAward.objects.filter(
        course_id__in=course_ids, status=BadgeStatus.ACTIVE, expires_at__gt=now
    )
    if cohort_ids is not None:
        queryset = queryset.filter(enrolment__cohort_id__in=cohort_ids)
    rows = queryset.values("course_id").annotate(n=Count("pk")).order_by()
    return {row["course_id"]: row["n"] for row in rows}


def cohort_badge_count(*, cohort, now: dt.datetime | None = None) -> int:
    """Badges held now by the cohort's participants (the trainer's cohort page): one query."""
    now = now or timezone.now()
    return PracticeBadgeAward.objects.filter(
        Q(enrolment__cohort=cohort), status=BadgeStatus.ACTIVE, expires_at__gt=now
    ).count()


# --- Open Badges 3.0 shapes (the credential seam, docs/badges.md) ----------------------------------


BADGE_CREDENTIAL_KIND = "practice_badge"


def badge_credential_object_id(award: PracticeBadgeAward, renewal: int | None = None) -> str:
    """Each award period is its own credential: ``<award uuid>:<renewal number>``. A renewal issues a
    new one valid to the new expiry; the earlier one stays valid to its own ``validUntil``."""
    return f"{award.uuid}:{award.renewals if renewal is None else renewal}"


def badge_achievement_url(course: CoursePage) -> str:
    """The stable URL of the course's badge achievement (absolute, from ``conf.base_url()``)."""
    return conf.base_url() + reverse("microlearn_lms:badge_achievement", args=[course.translation_key])


def badge_criteria(rule: BadgeRule) -> str:
    follow_ups = (
        f" and completed at least {rule.min_follow_ups} follow-up{'s' if rule.min_follow_ups != 1 else ''}"
        if rule.min_follow_ups
        else ""
    )
    return (
        f"Within a rolling window of the last {rule.window_weeks} programme weeks, the holder met the weekly "
        f"practice target in at least {rule.min_weeks_met} week{'s' if rule.min_weeks_met != 1 else ''}"
        f"{follow_ups}. The badge is valid for {rule.valid_days} days and renews while the holder keeps "
        "practising to the same rule."
    )


def badge_achievement(award: PracticeBadgeAward) -> dict:
    """The award's Open Badges 3.0 ``Achievement``, built from its course's rule values."""
    course = award.course
    rule = BadgeRule.of(course)
    return {
        "id": badge_achievement_url(course),
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": rule.name,
        "description": f"Awarded for keeping up the weekly practice of “{course.title}”, not for attendance.",
        "criteria": {"narrative": badge_criteria(rule)},
    }


def badge_evidence(award: PracticeBadgeAward) -> list[dict]:
    """The award's Open Badges 3.0 ``Evidence`` entries: aggregate counts only, never an entry's text."""
    evidence = award.evidence or {}
    window = evidence.get("window") or {}
    weeks_met, follow_ups = evidence.get("weeks_met", 0), evidence.get("follow_ups_done", 0)
    entries = evidence.get("entries_logged", 0)
    span = f"programme weeks {window.get('from_week')} to {window.get('to_week')}" if window else "the programme"
    return [
        {
            "type": ["Evidence"],
            "name": "Weekly targets met",
            "narrative": f"Met the weekly practice target in {weeks_met} of {span}, "
            f"with {entries} practice log entr{'y' if entries == 1 else 'ies'}.",
        },
        {
            "type": ["Evidence"],
            "name": "Follow-ups done",
            "narrative": f"Completed {follow_ups} follow-up{'' if follow_ups == 1 else 's'} in {span}.",
        },
    ]
