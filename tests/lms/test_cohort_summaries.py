"""The enrolment summary the cohort page reads (lms.services.summaries): kept right by every
service that writes the facts, equal to a rebuild from scratch, and the SQL streak sort key equal
to the streak shown at every week boundary."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from courses.models import ModulePage
from lms import services
from lms.models import Enrolment
from lms.selectors.cohorts import _annotated, _context, cohort_page, cohort_report
from lms.services.summaries import rebuild, streak_summary
from tests.factories_cohorts import ChallengeFactory, cohort_for, entry, participant, progress, trainer_user
from tests.factories_learning import right_answers, wrong_answers

pytestmark = pytest.mark.django_db

SUMMARY = ("done_count", "exhausted_count", "streak_week", "streak_run")


def summary(enrolment) -> tuple:
    return tuple(Enrolment.objects.values_list(*SUMMARY).get(pk=enrolment.pk))


def rebuilt(enrolment) -> tuple:
    """The summary recomputed from scratch (the columns zeroed first, so nothing is kept by accident)."""
    Enrolment.objects.filter(pk=enrolment.pk).update(**dict.fromkeys(SUMMARY, 0))
    rebuild(enrolments=Enrolment.objects.filter(pk=enrolment.pk))
    return summary(enrolment)


def assert_maintained(enrolment, expected: tuple) -> None:
    assert summary(enrolment) == expected
    assert rebuilt(enrolment) == expected


@pytest.fixture
def trainer():
    return trainer_user()


@pytest.fixture
def cohort(mini_programme, trainer):
    # Started 14 days ago: today is the first day of week 3.
    return cohort_for(mini_programme, trainers=[trainer], start=timezone.localdate() - dt.timedelta(days=14))


def test_streak_summary_is_the_latest_met_week_and_the_run_ending_there():
    targets = {1: 2}
    assert streak_summary({}, targets) == (0, 0)
    assert streak_summary({1: 2, 2: 2, 3: 1}, targets) == (2, 2)
    assert streak_summary({1: 2, 2: 1, 3: 2}, targets) == (3, 1)
    assert streak_summary({0: 9, 1: 3, 2: 5, 3: 2, 5: 2}, targets) == (5, 1)
    assert streak_summary({1: 9}, {2: 1}) == (0, 0)  # no target before the first challenge opens


def test_logging_editing_and_deleting_entries_keep_the_streak(cohort, mini_programme):
    week1 = ChallengeFactory(course=mini_programme, week=1, target=2)
    e = participant(cohort)
    start = cohort.start_date

    def log(day):
        data = {"occurred_on": start + dt.timedelta(days=day), "setting": "canteen", "who": "a designer"}
        return services.challenge_log_create(enrolment=e, challenge=week1, data={**data, "opener": "Hello"})

    assert_maintained(e, (0, 0, 0, 0))
    first = log(0)
    assert_maintained(e, (0, 0, 0, 0))
    log(1)
    assert_maintained(e, (0, 0, 1, 1))
    log(7)
    second_week = log(8)
    assert_maintained(e, (0, 0, 2, 2))
    # Moving a week-1 entry to today (week 3) breaks week 1: the run is week 2 alone.
    services.challenge_log_update(
        log=first,
        user=e.user,
        data={"occurred_on": timezone.localdate(), "setting": "canteen", "who": "a designer", "opener": "Hi"},
    )
    assert_maintained(e, (0, 0, 2, 1))
    services.challenge_log_delete(log=second_week, user=e.user)
    assert_maintained(e, (0, 0, 0, 0))


def test_module_completion_used_up_attempts_and_a_grant_keep_the_module_counts(cohort, trainer):
    first, second = ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")  # 3 attempts; no quiz
    e = participant(cohort, first_name="Pat")
    services.module_confirm_read(enrolment=e, module=second)
    assert_maintained(e, (1, 0, 0, 0))

    def attempt(answers):
        started = services.quiz_attempt_start(enrolment=e, module=first)
        services.quiz_attempt_submit(attempt=started, answers=answers(started, first), module=first)

    for _ in range(2):
        attempt(wrong_answers)
    assert_maintained(e, (1, 0, 0, 0))
    attempt(wrong_answers)
    assert_maintained(e, (1, 1, 0, 0))
    row = next(r for r in cohort_report(cohort=cohort).rows if r.enrolment_id == e.pk)
    assert "Quiz attempts used up without passing (1 module)" in row.reasons
    assert [r.enrolment_id for r in cohort_page(cohort=cohort, at_risk=True).rows] == [e.pk]

    services.grant_extra_attempt(granted_by=trainer, enrolment=e, module=first, reason="Was ill")
    assert_maintained(e, (1, 0, 0, 0))
    page = cohort_page(cohort=cohort)
    assert not any(cell.exhausted for cell in page.rows[0].cells)
    attempt(right_answers)
    services.module_confirm_read(enrolment=e, module=first)
    assert_maintained(e, (2, 0, 0, 0))


def test_rebuild_equals_the_maintained_summary_for_a_whole_cohort(cohort, mini_programme):
    first, second = ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    people = []
    for i in range(9):
        e = participant(cohort)
        progress(e, first, done=i % 3 == 0, passed=i % 3 == 0, attempts=i % 4)
        if i % 2:
            progress(e, second, done=True)
        for day in range(0, 15, 1 + i % 5):
            entry(e, challenge, on=cohort.start_date + dt.timedelta(days=day))
        people.append(e)
    maintained = {e.pk: summary(e) for e in people}
    assert len(set(maintained.values())) > 3  # the data varies
    Enrolment.objects.filter(cohort=cohort).update(**dict.fromkeys(SUMMARY, 0))
    out = io.StringIO()
    call_command("cohort_summaries_rebuild", "--cohort", str(cohort.pk), stdout=out)
    assert "9 enrolments recomputed" in out.getvalue()
    assert {e.pk: summary(e) for e in people} == maintained
    # The data migration's path: the same rebuild with the migration state's historical models.
    Enrolment.objects.filter(cohort=cohort).update(**dict.fromkeys(SUMMARY, 0))
    historical = MigrationLoader(connection).project_state().apps
    assert rebuild(apps=historical) == Enrolment.objects.count()
    assert {e.pk: summary(e) for e in people} == maintained
    with pytest.raises(CommandError, match="No cohort with id"):
        call_command("cohort_summaries_rebuild", "--cohort", "999999", stdout=io.StringIO())


# Entries per week (week: count) against a target of 2; the cohort is in week 3 today.
STREAK_CASES = [{}, {1: 2}, {2: 2}, {1: 2, 2: 2}, {1: 2, 2: 2, 3: 2}, {1: 2, 2: 1, 3: 2}, {1: 3, 2: 2, 3: 1}, {3: 2}]


@pytest.mark.parametrize("days_later", [0, 1, 6, 7, 8, 13, 14, 21])
def test_the_sql_streak_key_is_the_streak_shown_at_every_week_boundary(cohort, mini_programme, days_later):
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    for i, counts in enumerate(STREAK_CASES):
        e = participant(cohort, first_name=f"P{i}")
        for week, n in counts.items():
            for _ in range(n):
                entry(e, challenge, on=cohort.start_date + dt.timedelta(days=7 * (week - 1)))
    now = timezone.now() + dt.timedelta(days=days_later)
    shown = {r.enrolment_id: r.streak for r in cohort_report(cohort=cohort, now=now).rows}
    keys = dict(_annotated(cohort, _context(cohort, now)).values_list("pk", "streak_key"))
    assert keys == shown
    if days_later == 0:
        assert sorted(shown.values()) == [0, 0, 1, 1, 1, 2, 2, 3]
    for sort in ("streak", "-streak"):
        rows = cohort_page(cohort=cohort, now=now, sort=sort).rows
        streaks = [r.streak for r in rows]
        assert streaks == sorted(shown.values(), reverse=sort.startswith("-"))


def test_admin_edits_the_summary_depends_on_queue_a_rebuild(
    admin_client, cohort, mini_programme, django_capture_on_commit_callbacks
):
    """A module's "required" flag, a challenge's target and a cohort's start date are edited in
    the admin; each edit rebuilds the summaries it changes (after the commit)."""
    from lms.wagtail_hooks import rebuild_summaries_after_challenge_change, rebuild_summaries_after_module_change

    second = ModulePage.objects.get(slug="second")
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    e = participant(cohort)
    progress(e, second, done=True)
    for day in (0, 1):
        entry(e, challenge, on=cohort.start_date + dt.timedelta(days=day))
    assert summary(e) == (1, 0, 1, 1)

    second.required = False
    second.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_summaries_after_module_change(None, second)
    assert summary(e) == (0, 0, 1, 1)

    challenge.target = 3
    challenge.save()
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_summaries_after_challenge_change(None, challenge)
    assert summary(e) == (0, 0, 0, 0)

    challenge.target = 1
    challenge.save()
    data = {
        "organisation": cohort.organisation.pk,
        "course": cohort.course.pk,
        "name": cohort.name,
        "start_date": (cohort.start_date + dt.timedelta(days=1)).isoformat(),  # day 0's entry: before week 1
        "end_date": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(reverse("cohorts:edit", args=[cohort.pk]), data).status_code == 302
    assert summary(e) == (0, 0, 1, 1)
    assert rebuilt(e) == (0, 0, 1, 1)
