"""Everything the site holds about one person, for their own data export (docs/privacy.md).

``person_data_kinds(user=)`` lists the kinds of data (``DataKind``: a name, its columns and a
function giving the rows lazily). Every queryset is filtered to the person's own account and
read with ``iterator()``, so an export never holds a whole table in memory.

Extension point: a module that stores data about a person registers a function under the Wagtail
hook ``microlearn_export_person_data``; it takes ``user`` and returns a list of ``DataKind``::

    @hooks.register("microlearn_export_person_data")
    def export_plans(user):
        return [DataKind("plans", ("cue", "note"), lambda: PracticePlan.objects.filter(
            enrolment__user=user).values_list("cue", "note").iterator())]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from wagtail import hooks

from ..models import (
    Certificate,
    ChallengeLog,
    Enrolment,
    ModuleProgress,
    NudgeLog,
    OrganisationMember,
    ParticipantPreferences,
    PracticeBadgeAward,
    QuizAttempt,
    QuizAttemptGrant,
)

EXPORT_HOOK = "microlearn_export_person_data"
CHUNK = 500


@dataclass(frozen=True)
class DataKind:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterable[tuple]]


def _values(queryset, columns: tuple[str, ...]) -> Callable[[], Iterable[tuple]]:
    return lambda: queryset.values_list(*columns).iterator(chunk_size=CHUNK)


def person_data_kinds(*, user) -> list[DataKind]:
    account = ("username", "email", "first_name", "last_name", "date_joined", "last_login")
    records = (
        "organisation__name",
        "external_id",
        "user_name",
        "email",
        "first_name",
        "last_name",
        "employee_number",
        "department",
        "created_at",
        "deactivated_at",
    )
    enrolments = (
        "uuid",
        "course__title",
        "cohort__name",
        "cohort__organisation__name",
        "status",
        "source",
        "enrolled_at",
        "completed_at",
        "withdrawn_at",
        "last_activity_at",
    )
    progress = (
        "enrolment__uuid",
        "module__title",
        "started_at",
        "read_confirmed_at",
        "quiz_passed_at",
        "completed_at",
        "best_score",
        "attempts_used",
    )
    attempts = (
        "uuid",
        "enrolment__uuid",
        "module__title",
        "number",
        "status",
        "score",
        "passed",
        "pass_mark",
        "started_at",
        "submitted_at",
        "served",
        "answers",
        "results",
    )
    logs = (
        "uuid",
        "enrolment__uuid",
        "challenge__title",
        "occurred_on",
        "setting",
        "who",
        "opener",
        "learned",
        "follow_up",
        "follow_up_due",
        "follow_up_done_on",
        "outcome",
        "notes",
        "minutes",
        "calm_before",
        "calm_after",
        "created_at",
    )
    certificates = (
        "serial",
        "verification_code",
        "status",
        "holder_name",
        "course_title",
        "organisation_name",
        "completed_on",
        "issued_on",
        "expires_on",
        "revoked_at",
        "revoked_reason",
    )
    badges = (
        "uuid",
        "enrolment__uuid",
        "course__title",
        "status",
        "awarded_at",
        "expires_at",
        "renewed_at",
        "renewals",
        "expired_at",
        "revoked_at",
        "evidence",
    )
    nudges = ("sent_at", "cohort__name", "recipient", "subject", "body", "note", "emailed_at")
    grants = ("granted_at", "module__title", "extra_attempts", "reason")
    preferences = (
        "timezone",
        "quiet_hours_start",
        "quiet_hours_end",
        "reminder_emails",
        "checkin_emails",
        "booster_emails",
        "weekly_email_cap",
        "unsubscribed_at",
    )
    user_model = get_user_model()
    kinds = [
        DataKind("account", account, _values(user_model.objects.filter(pk=user.pk), account)),
        DataKind(
            "organisation_records",
            records,
            _values(OrganisationMember.objects.filter(user=user, erased_at__isnull=True).order_by("pk"), records),
        ),
        DataKind("enrolments", enrolments, _values(Enrolment.objects.filter(user=user).order_by("pk"), enrolments)),
        DataKind(
            "progress", progress, _values(ModuleProgress.objects.filter(enrolment__user=user).order_by("pk"), progress)
        ),
        DataKind(
            "quiz_attempts",
            attempts,
            _values(QuizAttempt.objects.filter(enrolment__user=user).order_by("pk"), attempts),
        ),
        DataKind(
            "challenge_logs", logs, _values(ChallengeLog.objects.filter(enrolment__user=user).order_by("pk"), logs)
        ),
        DataKind(
            "certificates",
            certificates,
            _values(Certificate.objects.filter(enrolment__user=user).order_by("pk"), certificates),
        ),
        DataKind(
            "practice_badges",
            badges,
            _values(PracticeBadgeAward.objects.filter(enrolment__user=user).order_by("pk"), badges),
        ),
        DataKind("nudges", nudges, _values(NudgeLog.objects.filter(enrolment__user=user).order_by("pk"), nudges)),
        DataKind(
            "quiz_attempt_grants",
            grants,
            _values(QuizAttemptGrant.objects.filter(enrolment__user=user).order_by("pk"), grants),
        ),
        DataKind("preferences", preferences, _values(ParticipantPreferences.objects.filter(user=user), preferences)),
    ]
    for extra in hooks.get_hooks(EXPORT_HOOK):
        kinds.extend(extra(user))
    return kinds
