"""Participant pages of the weekly challenges: forms, permissions, escaping and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import ChallengeKind, CoursePage
from lms.models import ChallengeLog, FollowUp, Outcome
from tests.factories import UserFactory
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
ONERROR = '<img src=x onerror="alert(1)">'


def today():
    return timezone.localdate()


def days_ago(n):
    return today() - dt.timedelta(days=n)


@pytest.fixture
def plan(mini_programme):
    """A networking plan of weeks 1-3 (targets 3, 2, 3); the participant is in week 2."""
    challenges = [ChallengeFactory(course=mini_programme, week=w, target=(3, 2, 3)[w - 1]) for w in (1, 2, 3)]
    return EnrolmentFactory(course=mini_programme, days_ago=10), challenges


@pytest.fixture
def participant(client, plan):
    enrolment, _ = plan
    client.force_login(enrolment.user)
    return client


def page_url(enrolment):
    return reverse("microlearn_lms:challenges", args=[enrolment.course_id])


def form_data(challenge, **overrides):
    data = {
        "challenge": str(challenge.uuid),
        "occurred_on": today().isoformat(),
        "setting": "canteen",
        "who": "a project manager from Sales",
        "opener": "How's your week shaping up?",
        "learned": "",
        "follow_up": "none",
        "follow_up_due": "",
        "follow_up_done_on": "",
        "outcome": "none_yet",
        "notes": "",
        **overrides,
    }
    return {f"log-{name}": value for name, value in data.items()}


def test_pages_need_login_and_an_enrolment(client, plan):
    enrolment, _ = plan
    url = page_url(enrolment)
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("microlearn_lms:challenge_wins", args=[enrolment.course_id])).status_code == 404


def test_challenge_page_shows_this_week_progress_streak_and_coming_up(participant, plan):
    enrolment, (week1, week2, week3) = plan
    for n in (10, 9, 8):
        ChallengeLogFactory(enrolment=enrolment, challenge=week1, occurred_on=days_ago(n))
    ChallengeLogFactory(enrolment=enrolment, challenge=week2, occurred_on=days_ago(1))
    content = participant.get(page_url(enrolment)).content.decode()
    assert f"<h3>{week2.title}</h3>" in content
    assert '<progress id="week-progress" max="2" value="1">' in content
    assert "1 week</strong> in a row" in content
    assert "Coming up" in content and week3.title in content
    assert f"?challenge={week3.uuid}" not in content  # visible, not loggable
    assert "Week 1" in content and "Week 2" in content  # history by week


def test_logging_through_the_form(participant, plan):
    enrolment, (_, week2, _) = plan
    response = participant.post(page_url(enrolment), form_data(week2, follow_up="planned", follow_up_due=today()))
    assert response.status_code == 302
    log = ChallengeLog.objects.get()
    assert (log.challenge, log.setting, log.follow_up) == (week2, "canteen", FollowUp.PLANNED)
    content = participant.get(page_url(enrolment)).content.decode()
    assert "Entry saved" in content and "Mark done" in content


def _bad_form_cases():
    return [
        ("future date", {"occurred_on": (today() + dt.timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ("before the programme", {"occurred_on": days_ago(30).isoformat()}, "before your programme started"),
        ("setting outside the list", {"setting": "pub"}, "Choose where it happened from the list."),
        ("outcome outside the list", {"outcome": "promotion"}, "Choose an outcome from the list."),
        ("notes over the limit", {"notes": "x" * 2001}, "Keep this to 2,000 characters (it has 2,001: 1 too many)."),
        ("who over the limit", {"who": "x" * 201}, "Keep this to 200 characters (it has 201: 1 too many)."),
        ("unknown challenge", {"challenge": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"}, "That challenge does not exist"),
    ]


@pytest.mark.parametrize(("case", "overrides", "message"), _bad_form_cases(), ids=[c[0] for c in _bad_form_cases()])
def test_bad_input_is_a_form_error_that_saves_nothing(participant, plan, case, overrides, message):
    enrolment, (_, week2, _) = plan
    response = participant.post(
        page_url(enrolment), {**form_data(week2), **{f"log-{k}": v for k, v in overrides.items()}}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ChallengeLog.objects.exists()


def test_a_challenge_not_open_or_not_in_your_programme_is_a_form_error(participant, plan, mini_programme):
    enrolment, (_, _, week3) = plan
    response = participant.post(page_url(enrolment), form_data(week3))
    assert response.status_code == 400 and "opens in week 3" in response.content.decode()

    other_course = CoursePage(title="Other", slug="other", summary="Other.")
    mini_programme.get_parent().add_child(instance=other_course)
    foreign = ChallengeFactory(course=other_course, week=1)
    response = participant.post(page_url(enrolment), form_data(foreign))
    assert response.status_code == 400 and "not part of your programme" in response.content.decode()
    assert not ChallengeLog.objects.exists()


def test_another_persons_entry_answers_404_everywhere(participant, plan):
    enrolment, (week1, _, _) = plan
    theirs = ChallengeLogFactory(enrolment=EnrolmentFactory(course=enrolment.course), challenge=week1)
    for name, method in (
        ("microlearn_lms:challenge_entry_edit", "get"),
        ("microlearn_lms:challenge_entry_edit", "post"),
        ("microlearn_lms:challenge_entry_delete", "get"),
        ("microlearn_lms:challenge_entry_delete", "post"),
        ("microlearn_lms:challenge_follow_up_done", "post"),
        ("microlearn_lms:challenge_entry_outcome", "post"),
    ):
        response = getattr(participant, method)(reverse(name, args=[theirs.uuid]), {"outcome": "referral"})
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.outcome == Outcome.NONE_YET


def test_author_edits_updates_outcome_marks_follow_up_and_deletes(participant, plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(
        enrolment=enrolment, challenge=week1, occurred_on=days_ago(9), follow_up="planned", follow_up_due=days_ago(2)
    )
    edit = reverse("microlearn_lms:challenge_entry_edit", args=[log.uuid])
    assert participant.get(edit).status_code == 200
    data = {k.removeprefix("log-"): v for k, v in form_data(week1, occurred_on=days_ago(8), notes="Good chat").items()}
    data.update(follow_up="planned", follow_up_due=today().isoformat())
    assert participant.post(edit, data).status_code == 302
    bad = participant.post(edit, {**data, "occurred_on": (today() + dt.timedelta(days=3)).isoformat()})
    assert bad.status_code == 400 and "future" in bad.content.decode()
    log.refresh_from_db()
    assert (log.occurred_on, log.notes) == (days_ago(8), "Good chat")

    response = participant.post(
        reverse("microlearn_lms:challenge_follow_up_done", args=[log.uuid]), {"next": reverse("microlearn_lms:learn")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("microlearn_lms:learn")
    response = participant.post(
        reverse("microlearn_lms:challenge_entry_outcome", args=[log.uuid]),
        {"outcome": "referral", "next": "https://evil.example"},
    )
    assert response["Location"] == page_url(enrolment)  # no open redirect
    log.refresh_from_db()
    assert (log.follow_up, log.outcome) == ("done", "referral") and log.outcome_changed_at
    assert (
        participant.post(
            reverse("microlearn_lms:challenge_entry_outcome", args=[log.uuid]), {"outcome": "x"}
        ).status_code
        == 302
    )
    log.refresh_from_db()
    assert log.outcome == "referral"

    assert participant.post(reverse("microlearn_lms:challenge_entry_delete", args=[log.uuid])).status_code == 302
    assert not ChallengeLog.objects.exists()


def test_free_text_is_always_escaped(participant, plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(
        enrolment=enrolment,
        challenge=week1,
        occurred_on=days_ago(9),
        who=ONERROR,
        opener=SCRIPT,
        learned=ONERROR,
        notes=f"{SCRIPT} and {ONERROR}",
        outcome="meeting",
        follow_up="planned",
        follow_up_due=today(),
    )
    pages = [
        page_url(enrolment),
        reverse("microlearn_lms:challenge_wins", args=[enrolment.course_id]),
        reverse("microlearn_lms:challenge_entry_edit", args=[log.uuid]),
        reverse("microlearn_lms:learn"),
    ]
    for url in pages:
        content = participant.get(url).content.decode()
        assert "<script>alert" not in content, url
        assert "<img src=x onerror" not in content, url
        assert "onerror=" not in content.replace("onerror=&quot;", ""), url
    content = participant.get(page_url(enrolment)).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in content
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in content


def test_practice_challenge_page_asks_for_minutes_and_calm(client, mini_programme):
    course = CoursePage(title="Stress", slug="stress", summary="Calm.")
    mini_programme.get_parent().add_child(instance=course)
    challenge = ChallengeFactory(course=course, week=1, kind=ChallengeKind.PRACTICE, openers=[])
    enrolment = EnrolmentFactory(course=course, days_ago=1)
    client.force_login(enrolment.user)
    content = client.get(page_url(enrolment)).content.decode()
    assert "Log a practice session" in content and "log-calm_before" in content and "log-setting" not in content
    data = {"challenge": str(challenge.uuid), "occurred_on": today().isoformat(), "minutes": "10"}
    data.update(calm_before="4", calm_after="7", notes="")
    assert client.post(page_url(enrolment), {f"log-{k}": v for k, v in data.items()}).status_code == 302
    assert ChallengeLog.objects.get().calm_after == 7
    wins = client.get(reverse("microlearn_lms:challenge_wins", args=[course.pk])).content.decode()
    assert "Your practice summary" in wins and "Minutes practised per programme week" in wins


def test_dashboard_lists_due_follow_ups_one_click_from_done(participant, plan):
    enrolment, (week1, _, _) = plan
    log = ChallengeLogFactory(
        enrolment=enrolment, challenge=week1, occurred_on=days_ago(9), follow_up="planned", follow_up_due=days_ago(1)
    )
    content = participant.get(reverse("microlearn_lms:learn")).content.decode()
    assert "Overdue" in content and reverse("microlearn_lms:challenge_follow_up_done", args=[log.uuid]) in content
    assert page_url(enrolment) in content
    participant.post(
        reverse("microlearn_lms:challenge_follow_up_done", args=[log.uuid]), {"next": reverse("microlearn_lms:learn")}
    )
    assert "Nothing due" in participant.get(reverse("microlearn_lms:learn")).content.decode()


def test_wins_page_draws_accessible_charts_with_tables(participant, plan):
    enrolment, (week1, _, _) = plan
    ChallengeLogFactory(enrolment=enrolment, challenge=week1, occurred_on=days_ago(9), outcome="referral")
    content = participant.get(reverse("microlearn_lms:challenge_wins", args=[enrolment.course_id])).content.decode()
    assert content.count('role="img"') == 3
    assert '<title id="chart-funnel-title">' in content and '<desc id="chart-funnel-desc">' in content
    assert '<td data-testid="funnel-wins">1</td>' in content
    assert '<td data-outcome="referral">1</td>' in content
    assert "style=" not in content and "<script" not in content


# --- Speed: a constant number of queries whatever the number of entries -----------------------------


def seed(enrolment, challenges, n):
    settings = ["canteen", "corridor", "virtual", "event", "online"]
    outcomes = [o for o, _ in Outcome.choices]
    ChallengeLog.objects.bulk_create(
        ChallengeLog(
            enrolment=enrolment,
            challenge=challenges[i % len(challenges)],
            occurred_on=days_ago(i % 60),
            setting=settings[i % len(settings)],
            opener=f"Opener {i % 13}",
            who="a colleague",
            follow_up=["none", "planned", "done"][i % 3],
            follow_up_due=days_ago(i % 5) if i % 3 == 1 else None,
            outcome=outcomes[i % len(outcomes)],
        )
        for i in range(n)
    )


@pytest.mark.parametrize(
    ("name", "queries"),
    [("microlearn_lms:challenges", 13), ("microlearn_lms:challenge_wins", 14)],  # challenges: +2 for plans
)
def test_pages_run_a_constant_number_of_queries(client, mini_programme, django_assert_num_queries, name, queries):
    challenges = [ChallengeFactory(course=mini_programme, week=w) for w in (1, 2, 3, 4, 5, 6)]
    small = EnrolmentFactory(course=mini_programme, days_ago=70)
    large = EnrolmentFactory(course=mini_programme, days_ago=70)
    seed(small, challenges, 3)
    seed(large, challenges, 400)
    url = reverse(name, args=[mini_programme.pk])
    client.force_login(small.user)
    client.get(url)  # warm Wagtail's cache of site root paths (one query, once per process)
    for enrolment in (small, large):
        client.force_login(enrolment.user)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
    if name == "microlearn_lms:challenges":
        assert len(response.context["history"].object_list) == 20  # paginated
    else:
        assert response.context["wins"].funnel["logged"] == 400


def test_learn_section_runs_a_constant_number_of_queries(rf, mini_programme, django_assert_num_queries):
    from django.template.loader import render_to_string

    from lms.views.challenges import dashboard_section

    challenges = [ChallengeFactory(course=mini_programme, week=w) for w in (1, 2, 3)]
    small = EnrolmentFactory(course=mini_programme, days_ago=70)
    large = EnrolmentFactory(course=mini_programme, days_ago=70)
    seed(small, challenges, 2)
    seed(large, challenges, 400)
    for enrolment in (small, large):
        request = rf.get("/learn/")
        request.user = enrolment.user
        with django_assert_num_queries(2):
            section = dashboard_section(request)
            html = render_to_string(section["template"], {"section": section}, request=request)
        assert "Weekly challenges: Test course" in html
    assert len(section["follow_ups"]) == 10  # bounded
