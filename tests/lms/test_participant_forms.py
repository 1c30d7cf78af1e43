"""Participant forms (issue 16): the error summary, friendly messages, the character count,
conditional follow-up dates, the calm scale, and the practice course's own wording and summary."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import ChallengeKind, CoursePage
from lms.challenge_forms import PracticeLogForm, log_form
from lms.models import ChallengeLog
from lms.selectors import challenges as selectors
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db

CALM_BEFORE = "Rate how calm you felt before practising, from 1 (tense) to 10 (calm)."
MINUTES = "Enter the minutes you practised, a whole number from 1 to 600."


def today():
    return timezone.localdate()


def days_ago(n):
    return today() - dt.timedelta(days=n)


@pytest.fixture
def networking(mini_programme):
    challenges = [ChallengeFactory(course=mini_programme, week=w) for w in (1, 2)]
    return EnrolmentFactory(course=mini_programme, days_ago=10), challenges


@pytest.fixture
def practice_course(mini_programme):
    course = CoursePage(title="Stress management", slug="stress", summary="Calm.")
    mini_programme.get_parent().add_child(instance=course)
    challenges = [
        ChallengeFactory(course=course, week=w, kind=ChallengeKind.PRACTICE, openers=[], title=f"Relax {w}")
        for w in (1, 2, 3)
    ]
    return EnrolmentFactory(course=course, days_ago=10), challenges


def page_url(enrolment):
    return reverse("microlearn_lms:challenges", args=[enrolment.course_id])


def wins_url(enrolment):
    return reverse("microlearn_lms:challenge_wins", args=[enrolment.course_id])


def practice_post(challenge, **overrides):
    data = {"challenge": str(challenge.uuid), "occurred_on": today().isoformat(), "minutes": "10"}
    data.update(calm_before="4", calm_after="7", notes="")
    data.update(overrides)
    return {f"log-{k}": v for k, v in data.items()}


def networking_post(challenge, **overrides):
    data = {
        "challenge": str(challenge.uuid),
        "occurred_on": today().isoformat(),
        "setting": "canteen",
        "follow_up": "none",
        "outcome": "none_yet",
        **overrides,
    }
    return {f"log-{k}": v for k, v in data.items()}


def summary_links(html):
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block, "no error summary"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block.group(0))


# --- Forms: unit ----------------------------------------------------------------------------------


def test_practice_form_speaks_plainly():
    form = PracticeLogForm({"occurred_on": today().isoformat(), "minutes": "0", "calm_after": "11"})
    del form.fields["challenge"]
    assert not form.is_valid()
    assert form.errors["minutes"] == [MINUTES]
    assert form.errors["calm_before"] == [CALM_BEFORE]
    assert form.errors["calm_after"] == ["Rate how calm you felt after practising, from 1 (tense) to 10 (calm)."]
    for minutes in ("abc", "601", ""):
        form = PracticeLogForm({"minutes": minutes})
        form.is_valid()
        assert form.errors["minutes"] == [MINUTES], minutes


def test_calm_ratings_are_a_scale_of_radio_buttons_with_end_labels():
    html = str(log_form(ChallengeKind.PRACTICE, prefix="log")["calm_before"])
    radios = re.findall(r'<input type="radio" name="log-calm_before" value="(\d+)"', html)
    assert radios == [str(n) for n in range(1, 11)]
    assert 'id="id_log-calm_before_0"' in html and 'for="id_log-calm_before_9"' in html
    assert "1 tense" in html and "10 calm" in html
    assert '<span class="visually-hidden"> (tense)</span>' in html


def test_long_text_has_a_counter_instead_of_a_silent_cut():
    form = log_form(ChallengeKind.NETWORKING, prefix="log")
    notes = str(form["notes"])
    assert "maxlength" not in notes and 'data-char-count="2000"' in notes
    assert 'data-char-count="1000"' in str(form["learned"])
    assert 'maxlength="200"' in str(form["who"])  # one-line fields keep the browser's limit
    form = log_form(ChallengeKind.NETWORKING, {"notes": "x" * 2040}, with_challenge=False)
    form.is_valid()
    assert form.errors["notes"] == ["Keep this to 2,000 characters (it has 2,040: 40 too many)."]


# --- Pages: the error summary ---------------------------------------------------------------------


def test_a_rejected_entry_gets_an_error_summary_linking_to_each_field(client, networking):
    enrolment, (_, week2) = networking
    client.force_login(enrolment.user)
    response = client.post(page_url(enrolment), networking_post(week2, setting="", notes="x" * 2001))
    assert response.status_code == 400
    html = response.content.decode()
    assert summary_links(html) == [
        ("id_log-setting", "Choose where it happened from the list."),
        ("id_log-notes", "Keep this to 2,000 characters (it has 2,001: 1 too many)."),
    ]
    assert "There is a problem" in html and 'tabindex="-1" data-error-summary' in html
    # The form posts to its summary's fragment: the reloaded page opens there, and since the summary
    # has tabindex="-1", the browser focuses it, even without JS.
    assert f'?challenge={week2.uuid}#log-error-summary" class="log-form"' in html
    assert '<div class="error-summary" id="log-error-summary" role="alert"' in html
    # Each invalid field: a marked row, "Error:" before the message, described by it, aria-invalid.
    assert html.count('form-row form-row-error"') >= 2
    assert '<p class="field-error" id="id_log-setting_error"><span class="visually-hidden">Error: </span>' in html
    select = re.search(r'<select name="log-setting"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in select and 'aria-describedby="id_log-setting_error"' in select
    for target, _ in summary_links(html):
        assert f'id="{target}"' in html
    assert not ChallengeLog.objects.exists()


def test_setting_errors_come_from_the_form_before_the_service(client, networking):
    enrolment, (_, week2) = networking
    client.force_login(enrolment.user)
    html = client.post(page_url(enrolment), networking_post(week2, setting="pub")).content.decode()
    assert summary_links(html) == [("id_log-setting", "Choose where it happened from the list.")]


def test_the_service_errors_are_linked_too(client, networking):
    enrolment, (_, week2) = networking
    client.force_login(enrolment.user)
    html = client.post(page_url(enrolment), networking_post(week2, follow_up="planned")).content.decode()
    assert summary_links(html) == [("id_log-follow_up_due", "Enter the date the follow-up is due.")]


def test_follow_up_dates_say_when_they_apply(client, networking):
    enrolment, _ = networking
    client.force_login(enrolment.user)
    html = client.get(page_url(enrolment)).content.decode()
    due = re.search(r'<div class="form-row"[^>]*>\s*<label for="id_log-follow_up_due">', html).group(0)
    done = re.search(r'<div class="form-row"[^>]*>\s*<label for="id_log-follow_up_done_on">', html).group(0)
    assert 'data-show-when="log-follow_up" data-show-value="planned"' in due
    assert 'data-show-when="log-follow_up" data-show-value="done"' in done
    assert "hidden" not in due + done  # without JS both show, with labels saying when each applies
    assert "Follow-up due on (if planned)" in html and "Followed up on (if done)" in html
    assert '<script src="/static/microlearn_lms/js/forms.js" defer></script>' in html


def test_a_rejected_practice_entry_links_to_the_scale(client, practice_course):
    enrolment, (_, week2, _) = practice_course
    client.force_login(enrolment.user)
    response = client.post(page_url(enrolment), practice_post(week2, minutes="0", calm_before=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert summary_links(html) == [("id_log-minutes", MINUTES), ("id_log-calm_before_0", CALM_BEFORE)]
    assert '<fieldset class="form-row choice-row form-row-error"' in html
    assert "Ensure this value" not in html
    assert not ChallengeLog.objects.exists()


def test_editing_an_entry_uses_the_same_summary(client, practice_course):
    enrolment, (week1, _, _) = practice_course
    log = ChallengeLogFactory(enrolment=enrolment, challenge=week1, occurred_on=days_ago(9), setting="", minutes=10)
    log.calm_before, log.calm_after = 3, 6
    log.save()
    client.force_login(enrolment.user)
    url = reverse("microlearn_lms:challenge_entry_edit", args=[log.uuid])
    assert "Edit your practice session of" in client.get(url).content.decode()
    data = {"occurred_on": days_ago(9).isoformat(), "minutes": "700", "calm_before": "3", "calm_after": "6"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert summary_links(response.content.decode()) == [("id_minutes", MINUTES)]
    data["minutes"] = "20"
    response = client.post(url, data)
    assert response.status_code == 302
    assert "Practice session updated." in client.get(page_url(enrolment)).content.decode()


def test_the_plan_form_uses_the_same_summary(client, practice_course):
    enrolment, (_, week2, _) = practice_course
    client.force_login(enrolment.user)
    data = {"form": "plan", "challenge": str(week2.uuid), "plan-cue": "", "plan-action": "breathe"}
    data.update({"plan-day": today().isoformat(), "plan-time": "23:59"})
    html = client.post(page_url(enrolment), data).content.decode()
    assert summary_links(html)[0] == ("id_plan-cue", "Describe the moment that will remind you (“When…”).")
    assert "plan-error-summary-title" in html
    assert "ten minutes of the guided relaxation" in html  # the practice course's own example


# --- The practice course's own language --------------------------------------------------------------


NETWORKING_WORDS = ("micro-connection", "Follow-up", "follow-up", "conversation", "Track your wins", "opener")


def test_practice_pages_speak_of_practice_not_conversations(client, practice_course):
    enrolment, (_, week2, _) = practice_course
    client.force_login(enrolment.user)
    page = client.get(page_url(enrolment)).content.decode()
    wins = client.get(wins_url(enrolment)).content.decode()
    learn = client.get(reverse("microlearn_lms:learn")).content.decode()
    challenges_section = learn[learn.index('id="challenges-heading"') :].split("</section>")[0]
    for html in (page, wins, challenges_section):
        for word in NETWORKING_WORDS:
            assert word not in html, word
    assert "Your practice summary" in page and "Your practice summary" in challenges_section
    assert "<h1>Your practice summary</h1>" in wins and 'data-testid="practice-empty"' in wins
    response = client.post(page_url(enrolment), practice_post(week2))
    assert response.status_code == 302 and response["Location"].endswith("#main")
    assert "Practice session saved to your practice log." in client.get(page_url(enrolment)).content.decode()


def test_networking_pages_keep_their_wording(client, networking):
    enrolment, _ = networking
    client.force_login(enrolment.user)
    assert "Follow-ups due" in client.get(page_url(enrolment)).content.decode()
    assert "Which of your micro-connections led somewhere?" in client.get(wins_url(enrolment)).content.decode()
    assert "Follow-ups due" in client.get(reverse("microlearn_lms:learn")).content.decode()


# --- The practice summary ------------------------------------------------------------------------


def practice_log(enrolment, challenge, day, minutes, before, after):
    log = ChallengeLogFactory(
        enrolment=enrolment, challenge=challenge, occurred_on=day, setting="", who="", opener="", minutes=minutes
    )
    ChallengeLog.objects.filter(pk=log.pk).update(calm_before=before, calm_after=after)


def test_practice_summary_adds_up_minutes_and_calm_per_week(practice_course, django_assert_num_queries):
    enrolment, (week1, week2, _) = practice_course
    practice_log(enrolment, week1, days_ago(10), 10, 3, 6)
    practice_log(enrolment, week1, days_ago(9), 20, 4, 8)
    practice_log(enrolment, week2, days_ago(1), 15, 5, 6)
    programme = selectors.challenge_programme(enrolment=enrolment, with_counts=False)
    with django_assert_num_queries(2):
        summary = selectors.practice_summary(programme=programme)
    assert (summary.sessions, summary.minutes) == (3, 45)
    assert (summary.calm_before, summary.calm_after, summary.change) == (4.0, 6.7, 2.7)
    assert summary.weekly == [
        {"week": 1, "sessions": 2, "minutes": 30, "calm_before": 3.5, "calm_after": 7.0, "change": 3.5},
        {"week": 2, "sessions": 1, "minutes": 15, "calm_before": 5.0, "calm_after": 6.0, "change": 1.0},
    ]
    assert summary.active_weeks == summary.weekly


def test_practice_summary_of_nothing_is_zero_and_empty(practice_course, django_assert_num_queries):
    enrolment, _ = practice_course
    programme = selectors.challenge_programme(enrolment=enrolment, with_counts=False)
    with django_assert_num_queries(2):
        summary = selectors.practice_summary(programme=programme)
    assert (summary.sessions, summary.minutes, summary.calm_before, summary.change) == (0, 0, None, None)
    assert [row["sessions"] for row in summary.weekly] == [0, 0] and summary.active_weeks == []


def test_practice_summary_counts_only_the_participants_own_practice(practice_course, networking):
    enrolment, (week1, _, _) = practice_course
    other = EnrolmentFactory(course=enrolment.course, days_ago=10)
    practice_log(other, week1, days_ago(9), 50, 1, 10)
    practice_log(enrolment, week1, days_ago(9), 12, 2, 5)
    programme = selectors.challenge_programme(enrolment=enrolment, with_counts=False)
    summary = selectors.practice_summary(programme=programme)
    assert (summary.sessions, summary.minutes, summary.calm_before, summary.calm_after) == (1, 12, 2.0, 5.0)


def test_the_practice_summary_page_shows_a_table_and_charts(client, practice_course):
    enrolment, (week1, week2, _) = practice_course
    practice_log(enrolment, week1, days_ago(10), 10, 3, 6)
    practice_log(enrolment, week2, days_ago(1), 15, 6, 5)
    client.force_login(enrolment.user)
    html = client.get(wins_url(enrolment)).content.decode()
    assert '<td data-testid="practice-minutes">25</td>' in html
    assert '<td data-testid="practice-calm">4.5 → 5.5</td>' in html
    assert '<td class="calm-change" data-testid="practice-change">+1.0</td>' in html
    assert '<tr data-week="1"><th scope="row">1</th><td>1</td><td>10</td><td>3.0 → 6.0</td>' in html
    assert '<td class="calm-change">-1.0</td>' in html  # week 2 got less calm
    assert html.count('role="img"') == 2
    assert "week 1: 3 before, 6 after; week 2: 6 before, 5 after." in html
    assert "style=" not in html and "<script" not in html


@pytest.mark.parametrize(("name", "queries"), [("microlearn_lms:challenges", 12), ("microlearn_lms:challenge_wins", 8)])
def test_practice_pages_run_a_constant_number_of_queries(
    client, practice_course, django_assert_num_queries, name, queries
):
    enrolment, challenges = practice_course
    large = EnrolmentFactory(course=enrolment.course, days_ago=10)
    practice_log(enrolment, challenges[0], days_ago(9), 10, 3, 6)
    for i in range(60):
        practice_log(large, challenges[i % 2], days_ago(i % 10), 5 + i, 1 + i % 9, 2 + i % 9)
    url = reverse(name, args=[enrolment.course_id])
    client.force_login(enrolment.user)
    client.get(url)  # warm Wagtail's cache of site root paths
    for participant in (enrolment, large):
        client.force_login(participant.user)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
