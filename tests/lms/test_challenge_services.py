"""Practice-log services and selectors: validation, ownership, outcome history, privacy, aggregates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from courses.models import ChallengeKind, CoursePage
from lms import services
from lms.models import ChallengeLog, ChallengeLogOutcomeChange, EnrolmentStatus, FollowUp, Outcome
from lms.selectors import challenges as selectors
from tests.factories import CohortFactory, UserFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def plan(mini_programme):
    """Weeks 1-3 of a networking plan; the participant is in week 2 (started 10 days ago)."""
    challenges = [ChallengeFactory(course=mini_programme, week=w, target=3 if w != 2 else 2) for w in (1, 2, 3)]
    enrolment = EnrolmentFactory(course=mini_programme, days_ago=10)
    return enrolment, challenges


@pytest.fixture
def practice(mini_programme):
    course = CoursePage(title="Stress", slug="stress", summary="Calm.")
    mini_programme.get_parent().add_child(instance=course)
    challenge = ChallengeFactory(course=course, week=1, kind=ChallengeKind.PRACTICE, openers=[])
    return EnrolmentFactory(course=course, days_ago=2), challenge


def entry(**overrides):
    return {"occurred_on": today(), "setting": "canteen", "who": "a designer", "opener": "Hello", **overrides}


def test_logging_a_conversation(plan):
    enrolment, (week1, _, _) = plan
    log = services.challenge_log_create(enrolment=enrolment, challenge=week1, data=entry(learned="They run the fair."))
    assert (log.setting, log.who, log.outcome, log.outcome_changed_at) == ("canteen", "a designer", "none_yet", None)
    assert log.minutes is None and log.follow_up == FollowUp.NONE
    enrolment.refresh_from_db()
    assert enrolment.last_activity_at is not None


def test_an_outcome_at_creation_is_dated_and_kept_in_the_history(plan):
    enrolment, (week1, _, _) = plan
    log = services.challenge_log_create(enrolment=enrolment, challenge=week1, data=entry(outcome="meeting"))
    assert log.outcome_changed_at is not None
    assert list(log.outcome_changes.values_list("previous", "outcome")) == [("", "meeting")]


def _days_ago(n):
    return today() - dt.timedelta(days=n)


# Dates are callables, read when the test runs (not at import), so a run across midnight agrees.
BAD_INPUT = [
    ("future date", {"occurred_on": lambda: today() + dt.timedelta(days=1)}, "occurred_on", "future"),
    ("before the programme", {"occurred_on": lambda: _days_ago(11)}, "occurred_on", "before your programme"),
    ("no date", {"occurred_on": None}, "occurred_on", "Enter the date"),
    ("setting outside the list", {"setting": "pub"}, "setting", "from the list"),
    ("no setting", {"setting": ""}, "setting", "from the list"),
    ("outcome outside the list", {"outcome": "promotion"}, "outcome", "from the list"),
    ("follow-up outside the list", {"follow_up": "maybe"}, "follow_up", "from the list"),
    ("notes over 2,000", {"notes": "x" * 2001}, "notes", "2,000 characters"),
    ("who over 200", {"who": "x" * 201}, "who", "200 characters"),
    ("opener over 300", {"opener": "x" * 301}, "opener", "300 characters"),
    ("learned over 1,000", {"learned": "x" * 1001}, "learned", "1,000 characters"),
    ("planned without a due date", {"follow_up": "planned"}, "follow_up_due", "due"),
    (
        "due before the conversation",
        {"follow_up": "planned", "follow_up_due": lambda: _days_ago(3), "occurred_on": lambda: _days_ago(1)},
        "follow_up_due",
        "before the conversation",
    ),
    (
        "follow-up done in the future",
        {"follow_up": "done", "follow_up_done_on": lambda: today() + dt.timedelta(days=2)},
        "follow_up_done_on",
        "future",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "field", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_a_clear_error_and_saves_nothing(plan, case, overrides, field, message):
    enrolment, (week1, _, _) = plan
    overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
    with pytest.raises(ValidationError) as error:
        services.challenge_log_create(enrolment=enrolment, challenge=week1, data=entry(**overrides))
    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    assert not ChallengeLog.objects.exists()


def test_a_challenge_that_has_not_opened_cannot_be_logged(plan):
    enrolment, (_, _, week3) = plan
    with pytest.raises(ValidationError) as error:
        services.challenge_log_create(enrolment=enrolment, challenge=week3, data=entry())
    assert "opens in week 3" in error.value.message_dict["challenge"][0]
    assert not ChallengeLog.objects.exists()


def test_a_date_before_the_challenge_opened_is_refused(plan):
    enrolment, (_, week2, _) = plan
    with pytest.raises(ValidationError) as error:
        services.challenge_log_create(enrolment=enrolment, challenge=week2, data=entry(occurred_on=_days_ago(9)))
    assert "opened on" in error.value.message_dict["occurred_on"][0]


def test_a_challenge_of_another_programme_cannot_be_logged(plan, practice):
    enrolment, _ = plan
    _, other = practice
    with pytest.raises(ValidationError) as error:
        services.challenge_log_create(enrolment=enrolment, challenge=other, data=entry())
    assert "not part of your programme" in error.value.message_dict["challenge"][0]
    assert not ChallengeLog.objects.exists()


def test_withdrawn_enrolment_logs_nothing(plan):
    enrolment, (week1, _, _) = plan
    services.enrolment_withdraw(enrolment=enrolment)
    enrolment.refresh_from_db()
    with pytest.raises(ValidationError, match="withdrawn"):
        services.challenge_log_create(enrolment=enrolment, challenge=week1, data=entry())


def test_a_cohort_starting_in_the_future_opens_nothing_yet(mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    cohort = CohortFactory(course=mini_programme, start_date=today() + dt.timedelta(days=5))
    enrolment = EnrolmentFactory(course=mini_programme, cohort=cohort, days_ago=20)
    programme = selectors.challenge_programme(enrolment=enrolment)
    assert programme.current_week == 0 and programme.coming_up == [challenge] and programme.current_challenge is None
    with pytest.raises(ValidationError) as error:
        services.challenge_log_create(enrolment=enrolment, challenge=challenge, data=entry())
    assert "opens in week 1" in error.value.message_dict["challenge"][0]
    assert (
        "future" in error.value.message_dict["occurred_on"][0] or "before" in error.value.message_dict["occurred_on"][0]
    )


def test_practice_entries_log_minutes_and_calm_instead(practice):
    enrolment, challenge = practice
    data = {**entry(outcome="referral", follow_up="planned"), "minutes": "12", "calm_before": 3, "calm_after": 8}
    log = services.challenge_log_create(enrolment=enrolment, challenge=challenge, data=data)
    assert (log.minutes, log.calm_before, log.calm_after) == (12, 3, 8)
    assert (log.setting, log.who, log.opener, log.outcome, log.follow_up) == ("", "", "", "none_yet", "none")
    for bad in ({"minutes": 0}, {"minutes": 601}, {"calm_before": 11}, {"calm_after": 0}, {"calm_after": None}):
        with pytest.raises(ValidationError) as error:
            services.challenge_log_create(enrolment=enrolment, challenge=challenge, data={**data, **bad})
        assert set(bad) <= set(error.value.message_dict)
    assert ChallengeLog.objects.count() == 1


def test_outcome_can_change_weeks_later_and_every_change_is_kept(plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(enrolment=enrolment, challenge=week1, occurred_on=_days_ago(9))
    user = enrolment.user
    services.challenge_log_set_outcome(log=log, user=user, outcome=Outcome.CONVERSATION)
    first = log.outcome_changed_at
    services.challenge_log_set_outcome(log=log, user=user, outcome=Outcome.CONVERSATION)  # no change, no row
    services.challenge_log_set_outcome(log=log, user=user, outcome=Outcome.REFERRAL)
    log.refresh_from_db()
    assert log.outcome == "referral" and log.outcome_changed_at >= first
    assert list(ChallengeLogOutcomeChange.objects.filter(log=log).values_list("previous", "outcome")) == [
        ("none_yet", "conversation"),
        ("conversation", "referral"),
    ]
    with pytest.raises(ValidationError):
        services.challenge_log_set_outcome(log=log, user=user, outcome="promotion")


def test_editing_keeps_the_rules_and_records_outcome_changes(plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(enrolment=enrolment, challenge=week1, occurred_on=_days_ago(9))
    services.challenge_log_update(log=log, user=enrolment.user, data=entry(occurred_on=_days_ago(8), outcome="mentor"))
    log.refresh_from_db()
    assert log.occurred_on == _days_ago(8) and log.outcome == "mentor" and log.outcome_changed_at
    with pytest.raises(ValidationError):
        services.challenge_log_update(log=log, user=enrolment.user, data=entry(notes="x" * 2001))
    log.refresh_from_db()
    assert log.notes == ""


def test_follow_up_done_is_dated_today_and_idempotent(plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(
        enrolment=enrolment, challenge=week1, occurred_on=_days_ago(5), follow_up="planned", follow_up_due=_days_ago(1)
    )
    services.challenge_log_follow_up_done(log=log, user=enrolment.user)
    services.challenge_log_follow_up_done(log=log, user=enrolment.user)
    assert (log.follow_up, log.follow_up_done_on) == ("done", today())


def test_only_the_author_can_change_or_delete_an_entry(plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(enrolment=enrolment, challenge=week1)
    stranger = UserFactory()
    for call in (
        lambda: services.challenge_log_update(log=log, user=stranger, data=entry()),
        lambda: services.challenge_log_set_outcome(log=log, user=stranger, outcome="meeting"),
        lambda: services.challenge_log_follow_up_done(log=log, user=stranger),
        lambda: services.challenge_log_delete(log=log, user=stranger),
    ):
        with pytest.raises(Http404):
            call()
    with pytest.raises(Http404):
        selectors.challenge_log_for_author(user=stranger, uuid=log.uuid)
    assert selectors.challenge_log_for_author(user=enrolment.user, uuid=log.uuid) == log
    services.challenge_log_delete(log=log, user=enrolment.user)
    assert not ChallengeLog.objects.exists()


def test_entries_are_seen_by_their_author_the_cohort_trainers_and_staff_only(mini_programme):
    challenge = ChallengeFactory(course=mini_programme)
    trainer, other_trainer = UserFactory(), UserFactory()
    cohort = CohortFactory(course=mini_programme, start_date=today())
    cohort.trainers.add(trainer, UserFactory())  # two trainers: no duplicated rows
    CohortFactory(course=mini_programme, start_date=today()).trainers.add(other_trainer)
    enrolment = EnrolmentFactory(course=mini_programme, cohort=cohort)
    log = ChallengeLogFactory(enrolment=enrolment, challenge=challenge)
    ChallengeLogFactory(enrolment=EnrolmentFactory(course=mini_programme), challenge=challenge)  # someone else's

    def visible(user):
        return list(selectors.challenge_logs_visible_to(user=user))

    assert visible(enrolment.user) == [log]
    assert visible(trainer) == [log]
    assert visible(other_trainer) == []
    assert visible(UserFactory()) == []
    assert len(visible(UserFactory(is_staff=True))) == 2
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == []


def test_follow_ups_due_lists_due_and_overdue_only_for_the_user(plan):
    enrolment, (week1, _, _) = plan
    make = ChallengeLogFactory
    overdue = make(enrolment=enrolment, challenge=week1, follow_up="planned", follow_up_due=_days_ago(2))
    due = make(enrolment=enrolment, challenge=week1, follow_up="planned", follow_up_due=today() + dt.timedelta(days=1))
    make(enrolment=enrolment, challenge=week1, follow_up="planned", follow_up_due=today() + dt.timedelta(days=3))
    make(enrolment=enrolment, challenge=week1, follow_up="done", follow_up_due=_days_ago(2))
    make(
        enrolment=EnrolmentFactory(course=enrolment.course), challenge=week1, follow_up="planned", follow_up_due=today()
    )
    assert selectors.challenge_follow_ups_due(user=enrolment.user) == [overdue, due]
    enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.WITHDRAWN, timezone.now()
    enrolment.save()
    assert selectors.challenge_follow_ups_due(user=enrolment.user) == []


def test_programme_counts_target_and_streak_follow_the_weeks_module(plan):
    enrolment, (week1, week2, _) = plan
    for days in (10, 9, 8):  # week 1: 3 of 3
        ChallengeLogFactory(enrolment=enrolment, challenge=week1, occurred_on=_days_ago(days))
    ChallengeLogFactory(enrolment=enrolment, challenge=week2, occurred_on=_days_ago(1))  # week 2: 1 of 2
    programme = selectors.challenge_programme(enrolment=enrolment)
    assert programme.current_week == 2 and programme.counts_by_week == {1: 3, 2: 1}
    assert (programme.target, programme.this_week_count, programme.progress_value) == (2, 1, 1)
    assert programme.streak == 1 and not programme.target_met
    assert programme.current_challenge == week2 and [c.week for c in programme.coming_up] == [3]


def test_wins_aggregates(plan):
    enrolment, (week1, week2, _) = plan
    make = ChallengeLogFactory
    make(enrolment=enrolment, challenge=week1, occurred_on=_days_ago(9), setting="canteen", outcome="referral")
    make(enrolment=enrolment, challenge=week1, occurred_on=_days_ago(9), setting="canteen", follow_up="done")
    make(
        enrolment=enrolment,
        challenge=week2,
        occurred_on=_days_ago(1),
        setting="virtual",
        opener="Hi",
        outcome="meeting",
    )
    wins = selectors.challenge_wins(programme=selectors.challenge_programme(enrolment=enrolment, with_counts=False))
    assert wins.funnel == {"logged": 3, "followed_up": 1, "wins": 2}
    by_setting = {row["setting"]: (row["total"], row["wins"]) for row in wins.by_setting}
    assert by_setting["canteen"] == (2, 1) and by_setting["virtual"] == (1, 1) and by_setting["event"] == (0, 0)
    assert {row["outcome"]: row["n"] for row in wins.by_outcome}["referral"] == 1
    assert wins.by_opener == [
        {"opener": "How is your week going?", "total": 2, "wins": 1},
        {"opener": "Hi", "total": 1, "wins": 1},
    ]
    assert [(row["week"], row["total"], row["wins"]) for row in wins.weekly] == [(1, 2, 1), (2, 1, 1)]
    assert wins.practice is None
