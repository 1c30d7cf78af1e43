"""Write side of practice badges: award, renew, expire (docs/badges.md).

``evaluate_practice_badge(enrolment_id=)`` is the one entry point. It runs when a challenge entry or
a follow-up is saved (``lms/services/challenges.py``) and from ``manage.py badge_tick`` (expiry and
renewal of badges whose holders logged nothing lately). Under a lock on the enrolment row, with
the rule of ``lms/selectors/badges.py``:

* no active award, the course's badge on, the enrolment current and the rule holding → **award**
  (valid ``badge_valid_days`` days);
* an active award past its expiry → **renew** if the rule still holds over the window ending today
  (and the badge is still on), else **expire**;
* an active award in its last ``RENEWAL_DAYS`` days, the rule holding, not awarded or renewed today → **renew**:
  ``expires_at`` moves to today + ``badge_valid_days`` and the evidence is refreshed;
* anything else → nothing. Running it twice changes nothing the second time (idempotent).

The lock and the constraint ``ml_badge_one_active_per_enrolment`` keep concurrent evaluations from
awarding twice. Status changes are conditional ``UPDATE``s on ``status=active``.

**The credential seam**: ``_issue_badge_credential`` and ``_revoke_badge_credential`` are the only
places an award reaches the outside: the outbox event, and the Open Badges 3.0 credential of each
award period (``lms.credentials``; docs/credentials.md, docs/badges.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import events
from ..credentials import services as credentials
from ..models import BadgeStatus, Enrolment, EnrolmentStatus, IssuedCredential, PracticeBadgeAward
from ..selectors.badges import (
    BADGE_CREDENTIAL_KIND,
    RENEWAL_DAYS,
    BadgeRule,
    badge_achievement,
    badge_credential_object_id,
    badge_evidence,
    badge_progress_for,
)

logger = logging.getLogger(__name__)

TICK_BATCH = 200


class BadgeAction:
    AWARDED = "awarded"
    RENEWED = "renewed"
    EXPIRED = "expired"
    NONE = "none"


# --- The credential seam: the only place an award leaves the plugin ---------------------------------


def _payload(award: PracticeBadgeAward, now: dt.datetime) -> dict:
    return {
        "award_id": award.pk,
        "enrolment_id": award.enrolment_id,
        "user_id": award.enrolment.user_id,
        "course_id": award.course_id,
        "occurred_at": now,
    }


def _holder_name(user) -> str:
    return ((user.get_full_name() or "").strip() or user.get_username())[:300]


def _sign_badge_credential(award: PracticeBadgeAward) -> bool:
    """Sign the current period's Open Badges credential. A signing failure never fails the
    participant's save: it is logged, and ``badges_tick`` signs what is missing later."""
    user = award.enrolment.user
    try:
        with transaction.atomic():  # a savepoint: the award stands even if signing fails
            credentials.issue_credential(
                kind=BADGE_CREDENTIAL_KIND,
                object_id=badge_credential_object_id(award),
                holder=user,
                achievement=badge_achievement(award),
                evidence=badge_evidence(award),
                valid_from=award.renewed_at or award.awarded_at,
                valid_until=award.expires_at,
                subject_name=_holder_name(user),
            )
    except Exception:
        logger.exception("Practice badge %s: signing its credential failed; badge_tick retries.", award.pk)
        return False
    return True


def _issue_badge_credential(award: PracticeBadgeAward, *, renewed: bool = False) -> None:
    """Issue the award's Open Badges credential (a new one for each renewal) and record the event."""
    signal = events.practice_badge_renewed if renewed else events.practice_badge_awarded
    events.send_on_commit(signal, PracticeBadgeAward, **_payload(award, timezone.now()))
    _sign_badge_credential(award)


def _revoke_badge_credential(award: PracticeBadgeAward, *, reason: str = "expired") -> None:
    """An award ends: on expiry its credential lapses by its own ``validUntil`` (so a verifier says
    "expired", not "revoked"); on erasure the credentials lose the holder's name, link and JWT and
    keep their status bit, as certificates do (docs/privacy.md). Records the event either way."""
    signal = events.practice_badge_expired if reason == "expired" else events.practice_badge_revoked
    events.send_on_commit(signal, PracticeBadgeAward, **_payload(award, timezone.now()))
    if reason == "erased":
        credentials.erase_credentials(
            kind=BADGE_CREDENTIAL_KIND,
            object_ids=[badge_credential_object_id(award, n) for n in range(award.renewals + 1)],
        )


def badge_credentials_backfill(*, limit: int = TICK_BATCH) -> int:
    """Sign the credentials that a failed signing left missing (active awards only). Bounded."""
    active = list(
        PracticeBadgeAward.objects.filter(status=BadgeStatus.ACTIVE)
        .select_related("enrolment__user", "course")
        .order_by("pk")[: limit * 5]
    )
    have = set(
        IssuedCredential.objects.filter(
            kind=BADGE_CREDENTIAL_KIND, object_id__in=[badge_credential_object_id(a) for a in active]
        ).values_list("object_id", flat=True)
    )
    missing = [a for a in active if badge_credential_object_id(a) not in have][:limit]
    return sum(_sign_badge_credential(award) for award in missing)


# --- Evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeResult:
    action: str
    award: PracticeBadgeAward | None


def _expires(now: dt.datetime, rule: BadgeRule) -> dt.datetime:
    return now + dt.timedelta(days=rule.valid_days)


def evaluate_practice_badge(*, enrolment_id: int, now: dt.datetime | None = None) -> BadgeResult:
    """Award, renew or expire the enrolment's practice badge, or leave it (see the module docstring)."""
    now = now or timezone.now()
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("course", "cohort")
            .filter(pk=enrolment_id)
            .first()
        )
        if enrolment is None:
            return BadgeResult(BadgeAction.NONE, None)
        course = enrolment.course
        award = PracticeBadgeAward.objects.filter(enrolment=enrolment, status=BadgeStatus.ACTIVE).first()
        if award is None and not course.badge_enabled:
            return BadgeResult(BadgeAction.NONE, None)
        eligible = course.badge_enabled and enrolment.status != EnrolmentStatus.WITHDRAWN
        progress = badge_progress_for(enrolments=[enrolment], today=today)[enrolment.pk] if eligible else None
        holds = progress is not None and progress.holds
        if award is None:
            if not holds:
                return BadgeResult(BadgeAction.NONE, None)
            return _award(enrolment, progress, now)
        award.enrolment = enrolment
        rule = BadgeRule.of(course)
        in_renewal = award.expires_at - now <= dt.timedelta(days=rule.renewal_days)
        last_change = award.renewed_at or award.awarded_at
        renewed_today = timezone.localtime(last_change, timezone.get_default_timezone()).date() == today
        if holds and in_renewal and not renewed_today:
            return _renew(award, progress, rule, now)
        if award.expires_at <= now:
            return _expire(award, now)
        return BadgeResult(BadgeAction.NONE, award)


def _award(enrolment: Enrolment, progress, now: dt.datetime) -> BadgeResult:
    try:
        with transaction.atomic():  # a savepoint: the constraint is the backstop behind the lock
            award = PracticeBadgeAward.objects.create(
                enrolment=enrolment,
                course=enrolment.course,
                awarded_at=now,
                expires_at=_expires(now, progress.rule),
                evidence=progress.evidence(),
            )
    except IntegrityError:
        return BadgeResult(BadgeAction.NONE, PracticeBadgeAward.objects.filter(enrolment=enrolment).first())
    award.enrolment = enrolment
    _issue_badge_credential(award)
    return BadgeResult(BadgeAction.AWARDED, award)


def _renew(award: PracticeBadgeAward, progress, rule: BadgeRule, now: dt.datetime) -> BadgeResult:
    expires_at, evidence = _expires(now, rule), progress.evidence()
    updated = PracticeBadgeAward.objects.filter(pk=award.pk, status=BadgeStatus.ACTIVE).update(
        expires_at=expires_at, renewed_at=now, renewals=award.renewals + 1, evidence=evidence
    )
    if not updated:
        return BadgeResult(BadgeAction.NONE, award)
    award.expires_at, award.renewed_at, award.renewals, award.evidence = expires_at, now, award.renewals + 1, evidence
    _issue_badge_credential(award, renewed=True)
    return BadgeResult(BadgeAction.RENEWED, award)


def _expire(award: PracticeBadgeAward, now: dt.datetime) -> BadgeResult:
    updated = PracticeBadgeAward.objects.filter(pk=award.pk, status=BadgeStatus.ACTIVE).update(
        status=BadgeStatus.EXPIRED, expired_at=now
    )
    if not updated:
        return BadgeResult(BadgeAction.NONE, award)
    award.status, award.expired_at = BadgeStatus.EXPIRED, now
    _revoke_badge_credential(award, reason="expired")
    return BadgeResult(BadgeAction.EXPIRED, award)


def badges_tick(*, now: dt.datetime | None = None, batch_size: int | None = None) -> dict[str, int]:
    """Evaluate the active awards that are due for renewal or past expiry (bounded per run).

    Each is evaluated in its own transaction, so one failure or a concurrent save loses nothing."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=RENEWAL_DAYS)  # no course's renewal period is longer
    due = list(
        PracticeBadgeAward.objects.filter(status=BadgeStatus.ACTIVE, expires_at__lte=horizon)
        .order_by("expires_at", "pk")
        .values_list("enrolment_id", flat=True)[: batch_size or TICK_BATCH]
    )
    report = {BadgeAction.RENEWED: 0, BadgeAction.EXPIRED: 0, BadgeAction.NONE: 0, BadgeAction.AWARDED: 0}
    for enrolment_id in due:
        report[evaluate_practice_badge(enrolment_id=enrolment_id, now=now).action] += 1
    report["credentials_signed"] = badge_credentials_backfill()
    return report


def practice_badges_erase(*, enrolment_ids) -> int:
    """Erasure (``lms/services/erasure.py``): withdraw the active awards' credentials, delete every award."""
    now = timezone.now()
    for award in PracticeBadgeAward.objects.filter(
        enrolment_id__in=enrolment_ids, status=BadgeStatus.ACTIVE
    ).select_related("enrolment"):
        PracticeBadgeAward.objects.filter(pk=award.pk).update(status=BadgeStatus.REVOKED, revoked_at=now)
        _revoke_badge_credential(award, reason="erased")
    deleted, _ = PracticeBadgeAward.objects.filter(enrolment_id__in=enrolment_ids).delete()
    return deleted
