"""Cohort report selector: at-risk rules at their edges, streaks, charts, constant queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import ModulePage
from lms.models import EnrolmentStatus, Outcome
from lms.selectors.cohorts import cohort_page, cohort_report, expected_modules
from lms.services.challenges import challenge_log_create
from tests.factories_cohorts import ChallengeFactory, cohort_for, entry, participant, progress, trainer_user

pytestmark = pytest.mark.django_db

NOW = timezone.now()  # every date below derives from NOW, so a run across midnight agrees with itself


@pytest.fixture
def modules(mini_programme):
    return ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")


@pytest.fixture
def cohort(mini_programme):
    # Started 14 days ago: week 3 of a two-module course paced one module a week, so both are expected.
    return cohort_for(mini_programme, start=timezone.localdate(NOW) - dt.timedelta(days=14))


def row_of(cohort, enrolment, now=NOW):
    return next(r for r in cohort_report(cohort=cohort, now=now).rows if r.enrolment_id == enrolment.pk)


@pytest.mark.parametrize(
    ("week", "modules", "weeks", "expected"),
    [(0, 8, 8, 0), (1, 8, 8, 0), (2, 8, 8, 1), (8, 8, 8, 7), (9, 8, 8, 8), (30, 8, 8, 8), (3, 8, 4, 4), (2, 0, 4, 0)],
)
def test_expected_modules_paces_required_modules_over_the_programme(week, modules, weeks, expected):
    assert expected_modules(week=week, module_count=modules, programme_weeks=weeks) == expected


def test_inactivity_flags_at_exactly_seven_days(cohort, modules):
    idle = participant(cohort, last_activity=NOW - dt.timedelta(days=7))
    recent = participant(cohort, last_activity=NOW - dt.timedelta(days=6, hours=23, minutes=59))
    for e in (idle, recent):
        for m in modules:
            progress(e, m, done=True, passed=True)
    assert row_of(cohort, idle).reasons == ["No activity for 7 days"]
    assert row_of(cohort, recent).reasons == []


def test_a_challenge_entry_counts_as_activity(cohort, modules, mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    e = participant(cohort, last_activity=NOW - dt.timedelta(days=10))
    for m in modules:
        progress(e, m, done=True, passed=True)
    assert row_of(cohort, e).reasons == ["No activity for 10 days"]
    challenge_log_create(
        enrolment=e,
        challenge=challenge,
        data={"occurred_on": timezone.localdate(NOW), "setting": "canteen", "who": "a designer", "opener": "Hi"},
    )
    row = row_of(cohort, e, now=timezone.now())
    assert row.at_risk is False and row.entries == 1


def test_two_modules_behind_is_at_risk_one_is_not(cohort, modules):
    behind_two = participant(cohort)
    behind_one = participant(cohort)
    progress(behind_one, modules[0], done=True, passed=True)
    row = row_of(cohort, behind_two)
    assert row.behind == 2 and row.reasons == ["2 modules behind (0 done, 2 expected by now)"]
    assert row_of(cohort, behind_one).reasons == []


def test_quiz_attempts_used_up_without_passing(cohort, modules):
    first, second = modules  # first allows 3 attempts
    used_up = participant(cohort)
    one_left = participant(cohort)
    passed_last = participant(cohort)
    progress(used_up, first, attempts=3, best=40)
    progress(one_left, first, attempts=2, best=40)
    progress(passed_last, first, attempts=3, best=80, passed=True, done=True)
    for e in (used_up, one_left, passed_last):
        progress(e, second, done=True)
    assert row_of(cohort, used_up).reasons == ["Quiz attempts used up without passing (1 module)"]
    assert row_of(cohort, one_left).reasons == []
    assert row_of(cohort, passed_last).reasons == []


def test_completed_participants_and_unstarted_cohorts_are_never_at_risk(mini_programme, cohort):
    done = participant(cohort, last_activity=NOW - dt.timedelta(days=40))
    done.status, done.completed_at = EnrolmentStatus.COMPLETED, NOW
    done.save()
    assert row_of(cohort, done).at_risk is False and row_of(cohort, done).progress == 100
    future = cohort_for(mini_programme, start=timezone.localdate(NOW) + dt.timedelta(days=3))
    waiting = participant(future, last_activity=NOW - dt.timedelta(days=40))
    assert row_of(future, waiting).at_risk is False


def test_weekly_counts_streak_wins_and_overdue_follow_ups(cohort, modules, mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    e = participant(cohort)
    start = cohort.start_date
    for day in (0, 1, 7, 8, 14):  # weeks 1 and 2 met (2 each), week 3 has 1 so far
        entry(e, challenge, on=start + dt.timedelta(days=day))
    entry(e, challenge, on=start, outcome=Outcome.MEETING)
    entry(e, challenge, on=start, follow_up="planned", follow_up_due=timezone.localdate(NOW) - dt.timedelta(days=1))
    entry(e, challenge, on=start, follow_up="planned", follow_up_due=timezone.localdate(NOW))
    report = cohort_report(cohort=cohort, now=NOW)
    row = row_of(cohort, e)
    assert report.current_week == 3 and report.week_target == 2
    assert row.week_count == 1 and row.streak == 2 and row.wins == 1 and row.overdue == 1
    assert [w["active"] for w in report.weekly_chart] == [1, 1, 1]
    assert report.outcome_chart[0]["outcomes"] == [{"outcome": "A meeting", "count": 1}]


def test_entries_without_challenges_and_withdrawn_participants(cohort):
    gone = participant(cohort)
    gone.status, gone.withdrawn_at = EnrolmentStatus.WITHDRAWN, NOW
    gone.save()
    report = cohort_report(cohort=cohort, now=NOW)
    assert report.rows == [] and report.week_target is None


def page_ids(cohort, **kwargs):
    return [r.enrolment_id for r in cohort_page(cohort=cohort, now=NOW, **kwargs).rows]


def test_filter_and_sort_in_sql(cohort, modules):
    a = participant(cohort, first_name="Ann", last_name="Zed")
    b = participant(cohort, first_name="Bob", last_name="Young", last_activity=NOW - dt.timedelta(days=9))
    progress(a, modules[0], done=True, passed=True)
    progress(a, modules[1], done=True)
    assert page_ids(cohort, at_risk=True) == [b.pk]
    assert page_ids(cohort, q="zed") == [a.pk]
    assert page_ids(cohort, q="ann zed") == [a.pk]  # the full name
    assert page_ids(cohort, q=b.user.email.upper()) == [b.pk]
    assert page_ids(cohort, sort="-progress") == [a.pk, b.pk]
    assert page_ids(cohort, sort="progress") == [b.pk, a.pk]
    assert page_ids(cohort, sort="-risk") == [b.pk, a.pk]
    assert page_ids(cohort, sort="activity") == [b.pk, a.pk]
    assert page_ids(cohort) == [a.pk, b.pk]


def test_the_page_counts_the_whole_cohort_and_shows_one_page(cohort, modules, mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1, target=1)
    people = [
        participant(cohort, first_name=f"P{i:02d}", last_name="X", last_activity=NOW - dt.timedelta(days=i % 10))
        for i in range(7)
    ]
    for i, e in enumerate(people):
        for week in range(i % 3):
            entry(e, challenge, on=cohort.start_date + dt.timedelta(days=7 * week))
    first = cohort_page(cohort=cohort, now=NOW, per_page=3)
    at_risk = [e.pk for e in people if row_of(cohort, e).at_risk]  # everyone is 2 modules behind
    assert first.total == 7 and first.at_risk_count == len(at_risk) == 7 and first.filtered_count == 7
    assert [r.name for r in first.rows] == ["P00 X", "P01 X", "P02 X"]
    assert first.page.paginator.num_pages == 3 and first.page.has_next()
    last = cohort_page(cohort=cohort, now=NOW, per_page=3, page_number=3)
    assert [r.name for r in last.rows] == ["P06 X"]
    assert cohort_page(cohort=cohort, now=NOW, per_page=3, page_number="bogus").page.number == 1
    # streak (the one sort done in Python) pages the same way; the rows shown match the full report
    by_streak = cohort_page(cohort=cohort, now=NOW, per_page=3, sort="-streak")
    full = {r.enrolment_id: r for r in cohort_report(cohort=cohort, now=NOW).rows}
    assert [r.streak for r in by_streak.rows] == sorted((r.streak for r in full.values()), reverse=True)[:3]
    for row in first.rows + by_streak.rows:
        expected = full[row.enrolment_id]
        assert (row.reasons, row.streak, row.week_count, row.entries) == (
            expected.reasons,
            expected.streak,
            expected.week_count,
            expected.entries,
        )


def test_sql_at_risk_rule_agrees_with_the_reasons(cohort, modules, mini_programme):
    """The SQL expression (filter, count, sort) and the Python reasons are the same rules."""
    first, second = modules
    cases = [
        {"days": 7},  # inactive, exactly 7 days
        {"days": 6.99},  # just active
        {"done": 1},  # one behind: fine
        {"done": 0},  # two behind
        {"used_up": True, "done": 2},
        {"completed": True, "days": 30},
    ]
    for i, case in enumerate(cases):
        e = participant(cohort, first_name=f"C{i}", last_activity=NOW - dt.timedelta(days=case.get("days", 1)))
        done = case.get("done", 2)
        if case.get("used_up"):
            progress(e, first, attempts=3, best=10)
            progress(e, second, done=True)
        else:
            for m in modules[:done]:
                progress(e, m, done=True, passed=True)
        if case.get("completed"):
            e.status, e.completed_at = EnrolmentStatus.COMPLETED, NOW
            e.save()
    report = cohort_report(cohort=cohort, now=NOW)
    page = cohort_page(cohort=cohort, now=NOW, at_risk=True)
    assert sorted(r.enrolment_id for r in page.rows) == sorted(r.enrolment_id for r in report.rows if r.at_risk)
    assert page.at_risk_count == report.at_risk_count == 3
    by_risk = cohort_page(cohort=cohort, now=NOW, sort="-risk").rows
    assert [len(r.reasons) for r in by_risk] == sorted((len(r.reasons) for r in report.rows), reverse=True)


def _populate(cohort, modules, challenge, n):
    for i in range(n):
        e = participant(cohort, last_activity=NOW - dt.timedelta(days=i % 12))
        progress(e, modules[0], done=i % 2 == 0, best=50 + i % 50, attempts=1 + i % 3, passed=i % 2 == 0)
        if i % 3 == 0:
            progress(e, modules[1], done=True)
        for d in range(i % 4):
            entry(e, challenge, on=cohort.start_date + dt.timedelta(days=d * 4), outcome=Outcome.MEETING)


@pytest.mark.parametrize("name", ["microlearn_lms:trainer-cohort", "microlearn_lms:trainer-cohorts"])
def test_cohort_page_and_list_run_a_constant_number_of_queries(client, mini_programme, modules, name):
    trainer = trainer_user()
    challenge = ChallengeFactory(course=mini_programme, week=1)
    small = cohort_for(mini_programme, trainers=[trainer])
    large = cohort_for(mini_programme, trainers=[trainer])
    _populate(small, modules, challenge, 2)
    _populate(large, modules, challenge, 40)
    client.force_login(trainer)

    def url(cohort):
        return reverse(name, args=[cohort.pk]) if name == "microlearn_lms:trainer-cohort" else reverse(name)

    client.get(url(small))  # warm caches (content types, site root)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(url(small)).status_code == 200
    if name == "microlearn_lms:trainer-cohorts":
        for _ in range(5):
            cohort_for(mini_programme, trainers=[trainer])
    with CaptureQueriesContext(connection) as large_queries:
        response = client.get(url(large) + "?sort=-risk")
        assert response.status_code == 200
    assert len(large_queries) == len(small_queries), "\n".join(q["sql"] for q in large_queries.captured_queries)


def test_cohort_page_query_count_is_exact(client, mini_programme, modules, django_assert_num_queries):
    trainer = trainer_user()
    challenge = ChallengeFactory(course=mini_programme, week=1)
    small = cohort_for(mini_programme, trainers=[trainer])
    large = cohort_for(mini_programme, trainers=[trainer])
    _populate(small, modules, challenge, 3)
    _populate(large, modules, challenge, 60)
    client.force_login(trainer)
    client.get(reverse("microlearn_lms:trainer-cohort", args=[small.pk]))
    # session, user, the two permission lookups (the trainer permission; Wagtail's user bar then
    # reuses them), cohort, modules, challenges; the whole cohort's counts (participants, at
    # risk, matching the filter); the page's rows (rules in SQL), their challenge figures and
    # module cells; plans made and kept, check-ins and booster retention (issue 18); the
    # charts: module completion, weekly participation, wins per outcome and week
    for cohort in (small, large):
        for params in ({"at_risk": "1"}, {"sort": "-streak", "q": "e"}, {"sort": "-progress", "page": "2"}):
            with django_assert_num_queries(17):
                response = client.get(reverse("microlearn_lms:trainer-cohort", args=[cohort.pk]), params)
            assert response.status_code == 200


def test_the_report_of_chosen_participants_has_their_full_rows_and_no_charts(cohort, modules, mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    people = [participant(cohort, last_activity=NOW - dt.timedelta(days=d)) for d in (1, 9, 3)]
    progress(people[0], modules[0], done=True, passed=True)
    entry(people[1], challenge, outcome=Outcome.MEETING)
    entry(people[2], challenge, follow_up="planned", follow_up_due=timezone.localdate(NOW) - dt.timedelta(days=2))
    full = {r.enrolment_id: r for r in cohort_report(cohort=cohort, now=NOW).rows}
    chosen = cohort_report(cohort=cohort, now=NOW, enrolment_ids=[people[1].pk, people[2].pk])
    assert {r.enrolment_id: r for r in chosen.rows} == {p.pk: full[p.pk] for p in people[1:]}
    assert chosen.module_chart == chosen.weekly_chart == chosen.outcome_chart == []
    assert cohort_report(cohort=cohort, now=NOW, enrolment_ids=[]).rows == []
