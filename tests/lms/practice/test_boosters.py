"""Spaced boosters: seeding after a pass, the /learn/ section, answers, 404s, double submissions, emails."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lms import services
from lms.models import BoosterCard, BoosterDigest, ParticipantPreferences
from lms.selectors import practice as selectors
from lms.services import practice
from lms.views.practice import boosters_section
from tests.factories import UserFactory
from tests.factories_learning import add_quiz_module, right_answers

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def passed(mini_programme):
    """A participant who passed a five-question quiz now; returns (enrolment, module)."""
    module = add_quiz_module(mini_programme, slug="boost", n_questions=5, n_options=3, quiz_pass_mark=60)
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, module))
    return enrolment, module


def later(days: float):
    return time_machine.travel(timezone.now() + dt.timedelta(days=days), tick=False)


def correct_option(module, question_id):
    return sorted(practice.questions_of(module)[question_id].correct_ids)


def wrong_option(module, question_id):
    question = practice.questions_of(module)[question_id]
    return [next(o.id for o in question.options if not o.correct)]


def post_for(cards, module, *, right=True, version=None):
    data = {"card": [str(c.pk) for c in cards]}
    for card in cards:
        data[f"v-{card.pk}"] = str(card.version if version is None else version)
        data[f"q-{card.pk}"] = (correct_option if right else wrong_option)(module, card.question_id)
    return data


def test_seeding_gives_each_question_a_card_due_two_days_after_the_pass(passed):
    enrolment, module = passed
    assert practice.booster_cards_seed() == 5
    assert practice.booster_cards_seed() == 0  # idempotent
    cards = BoosterCard.objects.filter(enrolment=enrolment, module=module)
    assert cards.count() == 5 and {c.streak for c in cards} == {0}
    passed_at = enrolment.module_progress.get(module=module).quiz_passed_at
    assert {c.due_at for c in cards} == {passed_at + 2 * DAY}


def test_the_learn_page_shows_three_due_questions_and_retention(client, passed):
    enrolment, _module = passed
    practice.booster_cards_seed()
    client.force_login(enrolment.user)
    page = client.get(reverse("microlearn_lms:learn")).content.decode()
    assert "Boosters" in page and "No booster due right now" in page
    with later(2.1):
        page = client.get(reverse("microlearn_lms:learn")).content.decode()
    assert page.count('name="card"') == 3 and "What you have retained" in page
    assert "EXPLANATION" not in page and '"correct"' not in page  # nothing gives the answer away


def test_answers_follow_the_schedule_and_double_submissions_count_once(client, passed):
    enrolment, module = passed
    practice.booster_cards_seed()
    client.force_login(enrolment.user)
    with later(2.1):
        due = selectors.boosters_due(user=enrolment.user)
        first, *rest = due
        data = post_for([first], module, right=True)
        data.update(post_for(rest, module, right=False))
        data["card"] = [str(c.pk) for c in due]
        response = client.post(reverse("microlearn_lms:booster_answer"), data, follow=True)
        assert "Booster done: 1 of 3 right." in response.content.decode()
        again = client.post(reverse("microlearn_lms:booster_answer"), data, follow=True)
        assert "already recorded" in again.content.decode()
    first.refresh_from_db()
    assert (first.streak, first.reviews, first.correct, first.version) == (1, 1, 1, 1)
    assert first.due_at - first.last_answered_at == 7 * DAY
    for card in rest:
        card.refresh_from_db()
        assert (card.streak, card.reviews, card.correct) == (0, 1, 0)
        assert card.due_at - card.last_answered_at == 2 * DAY
    with later(2.1 + 7.1):
        first.refresh_from_db()
        practice.booster_submit(
            user=enrolment.user, answers={first.pk: (first.version, correct_option(module, first.question_id))}
        )
    first.refresh_from_db()
    assert first.streak == 2
    retention = {r["module_id"]: r for r in selectors.retention_by_module(user=enrolment.user)}
    assert (retention[module.pk]["retained"], retention[module.pk]["learning"]) == (1, 4)


def test_a_question_not_due_or_of_another_user_is_404(client, passed):
    enrolment, module = passed
    practice.booster_cards_seed()
    card = BoosterCard.objects.filter(enrolment=enrolment).first()
    client.force_login(enrolment.user)
    assert client.post(reverse("microlearn_lms:booster_answer"), post_for([card], module)).status_code == 404
    stranger = UserFactory()
    client.force_login(stranger)
    with later(3):
        assert client.post(reverse("microlearn_lms:booster_answer"), post_for([card], module)).status_code == 404
        assert client.post(reverse("microlearn_lms:booster_answer"), {"card": ["x"]}).status_code == 404
    card.refresh_from_db()
    assert card.reviews == 0


def test_a_bad_answer_records_nothing(client, passed):
    enrolment, module = passed
    practice.booster_cards_seed()
    client.force_login(enrolment.user)
    with later(3):
        cards = selectors.boosters_due(user=enrolment.user)
        data = post_for(cards, module)
        data[f"q-{cards[1].pk}"] = []  # one question left unanswered
        response = client.post(reverse("microlearn_lms:booster_answer"), data, follow=True)
    assert "Nothing was recorded" in response.content.decode()
    assert not BoosterCard.objects.filter(reviews__gt=0).exists()


def test_boosters_continue_after_the_programme_ends(passed):
    enrolment, _module = passed
    type(enrolment).objects.filter(pk=enrolment.pk).update(status="completed", completed_at=timezone.now())
    practice.booster_cards_seed()
    with later(3):
        assert len(selectors.boosters_due(user=enrolment.user)) == 3


def test_the_section_runs_two_queries(rf, passed, django_assert_num_queries):
    enrolment, _module = passed
    practice.booster_cards_seed()
    request = rf.get("/learn/")
    request.user = enrolment.user
    with later(3), django_assert_num_queries(2):
        section = boosters_section(request)
    assert len(section["cards"]) == 3
    request.user = UserFactory()
    with django_assert_num_queries(1):
        assert boosters_section(request) is None


def test_the_weekly_booster_email_is_opt_in_and_sent_once_a_week(passed):
    enrolment, _module = passed
    with later(3):
        assert practice.booster_digests_run()["sent"] == 0  # not opted in (the default)
        ParticipantPreferences.objects.create(user=enrolment.user, booster_emails=True)
        assert practice.booster_digests_run()["sent"] == 1
        assert practice.booster_digests_run()["sent"] == 0
    assert BoosterDigest.objects.count() == 1
    assert re.search(r"5 questions from modules you passed are due", mail.outbox[0].body)
    assert mail.outbox[0].to == [enrolment.user.email]
    ParticipantPreferences.objects.filter(user=enrolment.user).update(unsubscribed_at=timezone.now())
    with later(10):
        assert practice.booster_digests_run()["sent"] == 0
    assert len(mail.outbox) == 1
