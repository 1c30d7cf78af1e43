"""Practice badges: the rule and its boundaries, award, renewal, expiry, evidence, the seam, erasure, export."""

import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import CoursePage
from lms import services, weeks
from lms.models import BadgeStatus, EnrolmentStatus, Event, FollowUp, OrganisationMember, PracticeBadgeAward
from lms.selectors import badges as selectors
from lms.services import badges as badge_services
from lms.services.data_export import person_data_export
from lms.services.erasure import erase_person_data
from tests.factories import CohortFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
START = dt.date(2026, 1, 5)  # a Monday: week n runs START + 7(n-1) .. +6
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=LONDON)  # week 9
SECRET_NOTE = "Met Priya Sharma from Legal about the Zephyr merger"
SECRET_WHO = "Priya Sharma, Head of Legal"


def week_day(week: int, offset: int = 1) -> dt.date:
    return START + dt.timedelta(days=7 * (week - 1) + offset)


@pytest.fixture
def course(mini_programme):
    CoursePage.objects.filter(pk=mini_programme.pk).update(badge_enabled=True, badge_name="Connector")
    mini_programme.refresh_from_db()
    for week in range(1, 7):
        ChallengeFactory(course=mini_programme, week=week, target=2)
    return mini_programme


@pytest.fixture
def enrolment(course):
    cohort = CohortFactory(course=course, start_date=START)
    enrolment = EnrolmentFactory(course=course, cohort=cohort)
    OrganisationMember.objects.create(organisation=cohort.organisation, user=enrolment.user)
    return enrolment


def practise(enrolment, week: int, *, entries: int = 2, follow_ups: int = 0, offset: int = 1, **fields):
    """``entries`` entries dated in ``week``, the first ``follow_ups`` of them with their follow-up done."""
    challenge = enrolment.course.challenges.order_by("week").filter(week__lte=week).last()
    for i in range(entries):
        done = i < follow_ups
        values = {
            "follow_up": FollowUp.DONE if done else FollowUp.NONE,
            "follow_up_done_on": week_day(week, 2) if done else None,
            **fields,
        }
        ChallengeLogFactory(enrolment=enrolment, challenge=challenge, occurred_on=week_day(week, offset), **values)


def evaluate(enrolment, now=NOW):
    return badge_services.evaluate_practice_badge(enrolment_id=enrolment.pk, now=now)


# --- The rule --------------------------------------------------------------------------------------


def test_weeks_met_uses_the_weekly_target_and_counts_the_current_week_only_once_met():
    targets = {1: 2, 3: 3}
    counts = {1: 2, 2: 1, 3: 3, 4: 2, 5: 3}
    assert weeks.weeks_met(first_week=1, last_week=5, counts_by_week=counts, targets_by_week=targets) == [1, 3, 5]
    assert weeks.weeks_met(first_week=0, last_week=4, counts_by_week=counts, targets_by_week=targets) == [1, 3]
    assert weeks.weeks_met(first_week=2, last_week=3, counts_by_week=counts, targets_by_week=targets) == [3]
    assert weeks.weeks_met(first_week=1, last_week=2, counts_by_week={1: 5}, targets_by_week={2: 1}) == []


@time_machine.travel(NOW, tick=False)
def test_five_weeks_are_not_enough_six_are(enrolment):
    for week in range(1, 6):
        practise(enrolment, week, follow_ups=1)
    practise(enrolment, 6, entries=1)  # below week 6's target of 2
    result = evaluate(enrolment)
    assert result.action == badge_services.BadgeAction.NONE
    progress = selectors.badge_progress_for(enrolments=[enrolment])[enrolment.pk]
    assert (progress.weeks_met_count, progress.follow_ups_done, progress.holds) == (5, 5, False)

    practise(enrolment, 6, entries=1)
    result = evaluate(enrolment)
    assert result.action == badge_services.BadgeAction.AWARDED
    award = PracticeBadgeAward.objects.get(enrolment=enrolment)
    assert award.status == BadgeStatus.ACTIVE
    assert award.expires_at == NOW + dt.timedelta(days=180)
    assert award.evidence["weeks_met"] == 6 and award.evidence["first_week"] == 1 and award.evidence["last_week"] == 6


@time_machine.travel(NOW, tick=False)
def test_four_follow_ups_are_not_enough_five_are(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1 if week <= 4 else 0)
    assert evaluate(enrolment).action == badge_services.BadgeAction.NONE
    practise(enrolment, 7, entries=1, follow_ups=1)
    assert evaluate(enrolment).action == badge_services.BadgeAction.AWARDED
    assert PracticeBadgeAward.objects.get(enrolment=enrolment).evidence["follow_ups_done"] == 5


@time_machine.travel(NOW, tick=False)
def test_a_planned_follow_up_is_not_a_done_one(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=0, follow_up=FollowUp.PLANNED, follow_up_due=week_day(week, 3))
    progress = selectors.badge_progress_for(enrolments=[enrolment])[enrolment.pk]
    assert progress.weeks_met_count == 6 and progress.follow_ups_done == 0


@time_machine.travel(NOW, tick=False)
def test_the_course_setting_decides(enrolment, course):
    for week in range(1, 5):
        practise(enrolment, week, follow_ups=1)
    CoursePage.objects.filter(pk=course.pk).update(badge_min_weeks_met=4, badge_min_follow_ups=4)
    assert evaluate(enrolment).action == badge_services.BadgeAction.AWARDED
    CoursePage.objects.filter(pk=course.pk).update(badge_enabled=False)
    other = EnrolmentFactory(course=course, cohort=enrolment.cohort)
    for week in range(1, 5):
        practise(other, week, follow_ups=1)
    assert evaluate(other).action == badge_services.BadgeAction.NONE


@time_machine.travel(NOW, tick=False)
def test_a_withdrawn_enrolment_is_not_awarded(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.WITHDRAWN, timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])
    assert evaluate(enrolment).action == badge_services.BadgeAction.NONE
    assert not PracticeBadgeAward.objects.exists()


def test_course_validation():
    with pytest.raises(ValidationError):
        CoursePage._meta.get_field("badge_valid_days").run_validators(6)
    with pytest.raises(ValidationError):
        CoursePage._meta.get_field("badge_min_weeks_met").run_validators(0)
    with pytest.raises(ValidationError):
        CoursePage._meta.get_field("badge_min_follow_ups").run_validators(101)
    page = CoursePage(title="T", slug="t", summary="s", badge_enabled=True, badge_name="  ")
    with pytest.raises(ValidationError) as error:
        page.clean()
    assert "badge_name" in error.value.message_dict
    page.badge_enabled = False
    page.clean()
    assert CoursePage(badge_min_weeks_met=6, badge_valid_days=180).badge_window_weeks == 26
    assert CoursePage(badge_min_weeks_met=6, badge_valid_days=14).badge_window_weeks == 6


# --- Idempotence, concurrency, the seam ----------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_evaluating_twice_awards_once_and_sends_one_event(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    first, second = evaluate(enrolment), evaluate(enrolment)
    assert (first.action, second.action) == ("awarded", "none")
    assert PracticeBadgeAward.objects.filter(enrolment=enrolment).count() == 1
    event = Event.objects.get(type="practice_badge.awarded")
    award = first.award
    assert event.data == {
        "id": str(award.uuid),
        "enrolment": str(enrolment.uuid),
        "participant": str(OrganisationMember.objects.get(user=enrolment.user).uuid),
        "course": str(enrolment.course.translation_key),
        "status": "active",
        "expires_at": award.expires_at.astimezone(dt.UTC).isoformat(),
    }


@time_machine.travel(NOW, tick=False)
def test_one_active_award_per_enrolment_is_a_database_constraint(enrolment):
    kwargs = {"enrolment": enrolment, "course": enrolment.course, "awarded_at": NOW, "expires_at": NOW}
    PracticeBadgeAward.objects.create(**kwargs)
    PracticeBadgeAward.objects.create(**kwargs, status=BadgeStatus.EXPIRED)  # history is allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        PracticeBadgeAward.objects.create(**kwargs)


@time_machine.travel(NOW, tick=False)
def test_the_seam_is_the_only_caller_of_the_events(enrolment, monkeypatch):
    calls = []
    monkeypatch.setattr(badge_services, "_issue_badge_credential", lambda award, **kw: calls.append(("issue", kw)))
    monkeypatch.setattr(badge_services, "_revoke_badge_credential", lambda award, **kw: calls.append(("revoke", kw)))
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    evaluate(enrolment)
    evaluate(enrolment, now=NOW + dt.timedelta(days=181))
    assert calls == [("issue", {}), ("revoke", {"reason": "expired"})]
    assert not Event.objects.filter(type__startswith="practice_badge.").exists()


# --- Evidence: aggregates only --------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_evidence_and_credential_shapes_hold_counts_only(enrolment, settings):
    settings.MICROLEARN_BASE_URL = "https://learn.example.org"
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1, notes=SECRET_NOTE, who=SECRET_WHO, learned=SECRET_NOTE)
    award = evaluate(enrolment).award
    award.refresh_from_db()
    achievement = selectors.badge_achievement(award)
    evidence = selectors.badge_evidence(award)
    text = json.dumps([award.evidence, achievement, evidence])
    for secret in (SECRET_NOTE, SECRET_WHO, "Priya", "Zephyr", enrolment.user.username):
        assert secret not in text
    assert set(award.evidence) == {
        "weeks_met", "follow_ups_done", "entries_logged", "first_week", "last_week", "window", "rule"
    }  # fmt: skip
    assert award.evidence["entries_logged"] == 12
    assert award.evidence["window"] == {"from_week": 1, "to_week": 9, "from": "2026-01-05", "to": "2026-03-02"}
    assert achievement["id"] == f"https://learn.example.org/badges/{enrolment.course.translation_key}/"
    assert achievement["type"] == ["Achievement"] and achievement["achievementType"] == "Badge"
    assert achievement["name"] == "Connector"
    assert "at least 6 weeks" in achievement["criteria"]["narrative"]
    assert "at least 5 follow-ups" in achievement["criteria"]["narrative"]
    assert [e["type"] for e in evidence] == [["Evidence"], ["Evidence"]]
    assert "Met the weekly practice target in 6 of programme weeks 1 to 9" in evidence[0]["narrative"]
    assert "Completed 6 follow-ups" in evidence[1]["narrative"]


# --- Expiry and renewal ---------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_expiry_without_further_practice_then_a_new_award_is_possible(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    award = evaluate(enrolment).award
    before = award.expires_at - dt.timedelta(minutes=1)
    # In its renewal period, but the old weeks have left the rolling window: nothing happens until expiry.
    assert badge_services.badges_tick(now=before) == {
        "renewed": 0,
        "expired": 0,
        "none": 1,
        "awarded": 0,
        "credentials_signed": 0,
    }
    report = badge_services.badges_tick(now=award.expires_at)
    assert report["expired"] == 1
    award.refresh_from_db()
    assert (award.status, award.expired_at) == (BadgeStatus.EXPIRED, award.expires_at)
    assert Event.objects.filter(type="practice_badge.expired").count() == 1
    assert badge_services.badges_tick(now=award.expires_at)["expired"] == 0  # idempotent


@time_machine.travel(NOW, tick=False)
def test_renewal_needs_practice_within_the_window_and_happens_in_the_last_30_days(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    award = evaluate(enrolment).award
    first_expiry = award.expires_at
    for week in range(20, 26):  # practice continues, months later
        practise(enrolment, week, follow_ups=1)
    early = first_expiry - dt.timedelta(days=31)
    assert evaluate(enrolment, now=early).action == "none"  # still valid for more than 30 days
    renewal = first_expiry - dt.timedelta(days=10)
    result = evaluate(enrolment, now=renewal)
    assert result.action == "renewed"
    award.refresh_from_db()
    assert award.renewals == 1 and award.renewed_at == renewal
    assert award.expires_at == renewal + dt.timedelta(days=180)
    assert award.evidence["first_week"] == 20 and award.evidence["last_week"] == 25
    renewal_week = weeks.week_of(START, timezone.localtime(renewal, LONDON).date())
    assert award.evidence["window"]["from_week"] == renewal_week - 26 + 1 == 8
    assert evaluate(enrolment, now=renewal + dt.timedelta(hours=1)).action == "none"  # once a day at most
    assert Event.objects.filter(type="practice_badge.renewed").count() == 1
    assert PracticeBadgeAward.objects.filter(enrolment=enrolment).count() == 1


# --- Writes that evaluate ----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_saving_entries_and_follow_ups_through_the_services_awards_the_badge(enrolment):
    for week in range(1, 6):
        practise(enrolment, week, follow_ups=1)
    challenge = enrolment.course.challenges.get(week=6)
    data = {"occurred_on": week_day(6).isoformat(), "setting": "canteen", "who": SECRET_WHO, "notes": SECRET_NOTE}
    services.challenge_log_create(enrolment=enrolment, challenge=challenge, data=data)
    assert not PracticeBadgeAward.objects.exists()  # 5 weeks met so far
    log = services.challenge_log_create(enrolment=enrolment, challenge=challenge, data=data)
    award = PracticeBadgeAward.objects.get(enrolment=enrolment)
    assert award.evidence["weeks_met"] == 6
    services.challenge_log_follow_up_done(log=log, user=enrolment.user)  # evaluated again: no second award
    assert PracticeBadgeAward.objects.filter(enrolment=enrolment).count() == 1


@time_machine.travel(NOW, tick=False)
def test_marking_the_fifth_follow_up_done_awards_the_badge(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1 if week <= 4 else 0)
    log = enrolment.challenge_logs.filter(follow_up=FollowUp.NONE).first()
    services.challenge_log_follow_up_done(log=log, user=enrolment.user)
    award = PracticeBadgeAward.objects.get(enrolment=enrolment)
    assert award.evidence["follow_ups_done"] == 5


@time_machine.travel(NOW, tick=False)
def test_badge_tick_command_expires(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    award = evaluate(enrolment).award
    out = io.StringIO()
    with time_machine.travel(award.expires_at + dt.timedelta(hours=1), tick=False):
        call_command("badge_tick", stdout=out)
    assert "0 renewed, 1 expired" in out.getvalue()
    award.refresh_from_db()
    assert award.status == BadgeStatus.EXPIRED


# --- Erasure and export ---------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_erasure_revokes_and_deletes_awards(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    evaluate(enrolment)
    with transaction.atomic():
        erase_person_data(
            organisation_id=enrolment.cohort.organisation_id,
            user_id=enrolment.user_id,
            enrolment_ids=[enrolment.pk],
            identifiers=[],
            whole_account=True,
        )
    assert not PracticeBadgeAward.objects.exists()
    assert Event.objects.filter(type="practice_badge.revoked").count() == 1


@time_machine.travel(NOW, tick=False)
def test_data_export_lists_the_awards(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    award = evaluate(enrolment).award
    with person_data_export(user=enrolment.user) as spool, zipfile.ZipFile(spool) as archive:
        data = json.loads(archive.read("data.json"))
        assert "practice_badges.csv" in archive.namelist()
    (row,) = data["practice_badges"]
    assert row["uuid"] == str(award.uuid) and row["status"] == "active" and row["evidence"]["weeks_met"] == 6


@time_machine.travel(NOW, tick=False)
def test_counts_for_courses_and_cohorts(enrolment):
    for week in range(1, 7):
        practise(enrolment, week, follow_ups=1)
    evaluate(enrolment)
    assert selectors.course_badge_counts(course_ids=[enrolment.course_id]) == {enrolment.course_id: 1}
    assert selectors.cohort_badge_count(cohort=enrolment.cohort) == 1
    assert selectors.cohort_badge_count(cohort=enrolment.cohort, now=timezone.now() + dt.timedelta(days=181)) == 0


@time_machine.travel(NOW, tick=False)
def test_a_short_badge_is_always_renewable_but_not_on_the_day_it_was_awarded(enrolment, course):
    CoursePage.objects.filter(pk=course.pk).update(badge_valid_days=7)  # window: max(6, 1) = 6 weeks
    for week in range(4, 9):
        practise(enrolment, week, follow_ups=1)
    practise(enrolment, 9, offset=0)  # today, the Monday of week 9
    assert evaluate(enrolment).action == "awarded"
    assert evaluate(enrolment, now=NOW + dt.timedelta(hours=6)).action == "none"  # the same day
    tomorrow = NOW + dt.timedelta(days=1)
    result = evaluate(enrolment, now=tomorrow)
    assert result.action == "renewed" and result.award.expires_at == tomorrow + dt.timedelta(days=7)
    assert result.award.evidence["window"]["from_week"] == 4
