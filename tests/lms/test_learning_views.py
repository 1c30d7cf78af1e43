"""The participant web flow: panels, enrolment, confirmation, quiz attempts, results, errors."""

import pytest
from django.urls import reverse

from courses.models import ModulePage
from lms import services
from lms.models import AttemptStatus, Enrolment, EnrolmentStatus, ModuleProgress, QuizAttempt
from tests.factories import UserFactory
from tests.factories_learning import add_quiz_module, as_post, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(mini_programme):
    return ModulePage.objects.get(slug="first")  # 2 questions, pass 50, 3 attempts, reveal after_pass


@pytest.fixture
def second(mini_programme):
    return ModulePage.objects.get(slug="second")  # no quiz


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def enrolment(mini_programme, user):
    return services.enrolment_create(user=user, course=mini_programme)


@pytest.fixture
def participant(client, user):
    client.force_login(user)
    return client


def start(client, module):
    response = client.post(reverse("microlearn_lms:quiz_start", args=[module.pk]))
    assert response.status_code == 302, response.content
    return QuizAttempt.objects.get(uuid=response.url.rstrip("/").split("/")[-1])


def submit(client, attempt, answers):
    return client.post(reverse("microlearn_lms:attempt", args=[attempt.uuid]), as_post(answers))


def html(response) -> str:
    return response.content.decode()


# --- Course page panel --------------------------------------------------------------------


def test_course_panel_for_anonymous_asks_to_log_in(client, mini_programme):
    page = html(client.get(mini_programme.url))
    assert "Log in to enrol" in page
    assert reverse("microlearn_lms:enrol", args=[mini_programme.pk]) not in page


def test_course_panel_offers_enrolment_then_shows_status(participant, mini_programme, user):
    page = html(participant.get(mini_programme.url))
    assert reverse("microlearn_lms:enrol", args=[mini_programme.pk]) in page and "Enrol in this course" in page
    response = participant.post(reverse("microlearn_lms:enrol", args=[mini_programme.pk]))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.source == "self"
    page = html(participant.get(mini_programme.url))
    assert "Status:" in page and "Active" in page
    assert "0 of 2 required modules completed" in page and "(0%)" in page and "<progress" in page
    assert "Start the course" in page and "Continue where you left off" not in page
    assert "Not started" in page


def test_invitation_only_course_shows_a_message_and_refuses_self_enrolment(participant, mini_programme):
    mini_programme.self_enrol = False
    mini_programme.save_revision().publish()
    page = html(participant.get(mini_programme.url))
    assert "invitation only" in page and "Enrol in this course" not in page
    response = participant.post(reverse("microlearn_lms:enrol", args=[mini_programme.pk]))
    assert response.status_code == 400 and "invitation only" in html(response)
    assert not Enrolment.objects.exists()


def test_enrol_needs_post_and_login(client, participant, mini_programme):
    assert participant.get(reverse("microlearn_lms:enrol", args=[mini_programme.pk])).status_code == 405
    client.logout()
    response = client.post(reverse("microlearn_lms:enrol", args=[mini_programme.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Enrolment.objects.exists()


# --- Module page ------------------------------------------------------------------------


def test_opening_a_module_marks_it_started_once(participant, enrolment, first):
    participant.get(first.url)
    participant.get(first.url)
    progress = ModuleProgress.objects.get(enrolment=enrolment, module=first)
    assert progress.started_at and progress.completed_at is None


def test_visitors_read_modules_but_are_asked_to_enrol_for_the_quiz(client, participant, first):
    page = html(participant.get(first.url))
    assert "Some <b>rich</b> text." in page and "Enrol to take the quiz" in page
    assert reverse("microlearn_lms:quiz_start", args=[first.pk]) not in page
    client.logout()
    page = html(client.get(first.url))
    assert "Enrol to take the quiz" in page and "Log in" in page
    assert not ModuleProgress.objects.exists()


def test_module_page_shows_confirm_button_quiz_and_progress_nav(participant, enrolment, first):
    page = html(participant.get(first.url))
    assert "I have read this module" in page
    assert "Start the quiz" in page
    assert 'id="module-nav-progress"' in page and "In progress" in page


def test_confirming_a_module_without_quiz_completes_it(participant, enrolment, second):
    response = participant.post(reverse("microlearn_lms:module_confirm", args=[second.pk]))
    assert response.status_code == 302
    assert ModuleProgress.objects.get(module=second).completed_at is not None
    page = html(participant.get(second.url))
    assert "Completed" in page and "I have read this module" not in page


def test_confirming_without_enrolment_is_a_400_that_records_nothing(participant, first):
    response = participant.post(reverse("microlearn_lms:module_confirm", args=[first.pk]))
    assert response.status_code == 400 and "not enrolled" in html(response)
    assert not ModuleProgress.objects.exists()


# --- Quiz attempts ------------------------------------------------------------------------


def test_attempt_page_serves_questions_without_answers_or_feedback(participant, enrolment, first):
    attempt = start(participant, first)
    page = html(participant.get(reverse("microlearn_lms:attempt", args=[attempt.uuid])))
    assert "Pick A" in page and "Sky is blue" in page
    for option_id in [o for entry in attempt.served for o in entry["o"]]:
        assert f'value="{option_id}"' in page
    for leak in ("Yes.", "No.", "Right.", "Wrong.", "A is right.", "It is.", "correct", "feedback", "explanation"):
        assert leak not in page.lower() if leak.islower() else leak not in page


def test_attempt_page_keeps_served_order(participant, enrolment, mini_programme):
    module = add_quiz_module(mini_programme, slug="shuffled", n_questions=6, quiz_shuffle=True)
    attempt = start(participant, module)
    page = html(participant.get(reverse("microlearn_lms:attempt", args=[attempt.uuid])))
    positions = [page.index(f'value="{o}"') for entry in attempt.served for o in entry["o"]]
    assert positions == sorted(positions)
    for leak in ("FEEDBACK-", "EXPLANATION-"):
        assert leak not in page


def test_failing_shows_marks_but_hides_answers_until_a_pass(participant, enrolment, first):
    attempt = start(participant, first)
    response = submit(participant, attempt, wrong_answers(attempt, first))
    assert response.status_code == 302 and response.url == reverse("microlearn_lms:attempt_result", args=[attempt.uuid])
    page = html(participant.get(response.url))
    assert "0%" in page and "Not passed" in page and "Incorrect" in page and "Your answer" in page
    assert "Correct answer" not in page and "A is right." not in page and "No." not in page
    assert "shown once you pass" in page and "Try again" in page

    retry = start(participant, first)
    response = submit(participant, retry, right_answers(retry, first))
    page = html(participant.get(response.url))
    assert "100%" in page and "Passed" in page and "Correct answer" in page
    assert "A is right." in page and "Yes." in page
    # After the pass, the earlier failed attempt reveals too (the rule is about the participant).
    page = html(participant.get(reverse("microlearn_lms:attempt_result", args=[attempt.uuid])))
    assert "Correct answer" in page and "Attempt 2" in page


def test_reveal_after_last_attempt(participant, enrolment, first):
    first.quiz_reveal, first.quiz_max_attempts = "after_last_attempt", 2
    first.save_revision().publish()
    attempt = start(participant, first)
    submit(participant, attempt, wrong_answers(attempt, first))
    page = html(participant.get(reverse("microlearn_lms:attempt_result", args=[attempt.uuid])))
    assert "Correct answer" not in page and "1 attempt left" in page
    attempt = start(participant, first)
    submit(participant, attempt, wrong_answers(attempt, first))
    page = html(participant.get(reverse("microlearn_lms:attempt_result", args=[attempt.uuid])))
    assert "Correct answer" in page and "A is right." in page and "Try again" not in page


def test_reveal_never_hides_answers_even_after_a_pass(participant, enrolment, first):
    first.quiz_reveal = "never"
    first.save_revision().publish()
    attempt = start(participant, first)
    response = submit(participant, attempt, right_answers(attempt, first))
    page = html(participant.get(response.url))
    assert "Passed" in page and "Correct" in page
    assert "Correct answer" not in page and "A is right." not in page and "Yes." not in page
    assert "does not reveal" in page


def test_passing_and_confirming_completes_the_course(participant, enrolment, first, second):
    participant.post(reverse("microlearn_lms:module_confirm", args=[second.pk]))
    participant.post(reverse("microlearn_lms:module_confirm", args=[first.pk]))
    attempt = start(participant, first)
    response = submit(participant, attempt, right_answers(attempt, first))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    body = html(participant.get(response.url))
    assert "You completed" in body and "Your certificate" in body  # the completion panel
    page = html(participant.get(reverse("microlearn_lms:learn")))
    assert "Completed courses" in page and "Test course" in page


@pytest.mark.parametrize(
    "tamper",
    ["unknown_option", "option_of_other_question", "missing_answer", "extra_question", "option_of_other_quiz"],
)
def test_tampered_posts_are_400_and_record_nothing(participant, enrolment, first, mini_programme, tamper):
    attempt = start(participant, first)
    answers = as_post(right_answers(attempt, first))
    keys = list(answers)
    if tamper == "unknown_option":
        answers[keys[0]] = ["not-an-option"]
    elif tamper == "option_of_other_question":
        answers[keys[0]] = [attempt.served[1]["o"][0]]
    elif tamper == "missing_answer":
        del answers[keys[1]]
    elif tamper == "extra_question":
        answers["q-00000000-0000-0000-0000-000000000000"] = ["x"]
    else:
        other = add_quiz_module(mini_programme, slug="other")
        foreign_question = next(iter(services.quiz.questions_of(other).values()))
        answers[keys[0]] = [foreign_question.options[0].id]
    response = participant.post(reverse("microlearn_lms:attempt", args=[attempt.uuid]), answers)
    assert response.status_code == 400
    assert "Nothing was recorded" in html(response)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED and attempt.score is None and attempt.answers == {}
    assert ModuleProgress.objects.get(module=first).attempts_used == 0


def test_an_empty_post_is_a_400_with_an_error_and_records_nothing(participant, enrolment, first):
    attempt = start(participant, first)
    response = participant.post(reverse("microlearn_lms:attempt", args=[attempt.uuid]), {})
    assert response.status_code == 400 and "Answer this question." in html(response)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED
    assert participant.put(reverse("microlearn_lms:attempt", args=[attempt.uuid])).status_code == 405


def test_second_submission_shows_the_first_result_and_records_nothing(participant, enrolment, first):
    attempt = start(participant, first)
    submit(participant, attempt, wrong_answers(attempt, first))
    response = submit(participant, attempt, right_answers(attempt, first))
    assert response.status_code == 302 and response.url == reverse("microlearn_lms:attempt_result", args=[attempt.uuid])
    attempt.refresh_from_db()
    assert attempt.score == 0 and QuizAttempt.objects.count() == 1
    assert "already submitted" in html(participant.get(response.url))


def test_starting_after_the_attempt_limit_is_a_400(participant, enrolment, first):
    for _ in range(3):
        attempt = start(participant, first)
        submit(participant, attempt, wrong_answers(attempt, first))
    response = participant.post(reverse("microlearn_lms:quiz_start", args=[first.pk]))
    assert response.status_code == 400 and "used all your attempts" in html(response)
    assert QuizAttempt.objects.count() == 3


def test_submitting_after_the_attempt_limit_is_a_400(participant, enrolment, first):
    attempt = start(participant, first)
    submit(participant, attempt, wrong_answers(attempt, first))
    attempt = start(participant, first)
    first.quiz_max_attempts = 1  # the author lowered the limit while attempt 2 was open
    first.save_revision().publish()
    response = submit(participant, attempt, right_answers(attempt, first))
    assert response.status_code == 400 and "used all your attempts" in html(response)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED


def test_quiz_of_a_course_you_are_not_enrolled_in_is_a_400(participant, first):
    response = participant.post(reverse("microlearn_lms:quiz_start", args=[first.pk]))
    assert response.status_code == 400 and "not enrolled" in html(response)
    assert not QuizAttempt.objects.exists()


def test_withdrawn_enrolment_cannot_submit_or_confirm(participant, enrolment, first, second):
    attempt = start(participant, first)
    services.enrolment_withdraw(enrolment=enrolment)
    response = submit(participant, attempt, right_answers(attempt, first))
    assert response.status_code == 400 and "no longer active" in html(response)
    response = participant.post(reverse("microlearn_lms:module_confirm", args=[second.pk]))
    assert response.status_code == 400
    response = participant.post(reverse("microlearn_lms:quiz_start", args=[first.pk]))
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED
    assert not ModuleProgress.objects.filter(read_confirmed_at__isnull=False).exists()


def test_completed_enrolment_is_read_only(participant, enrolment, first, second):
    services.module_confirm_read(enrolment=enrolment, module=second)
    services.module_confirm_read(enrolment=enrolment, module=first)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    response = participant.post(reverse("microlearn_lms:quiz_start", args=[first.pk]))
    assert response.status_code == 400 and "read-only" in html(response)
    page = html(participant.get(first.url))
    assert "read-only" in page and "Retake the quiz" not in page
    assert QuizAttempt.objects.count() == 1


def test_another_participants_attempt_and_result_answer_404(client, enrolment, first):
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    client.force_login(UserFactory())
    assert client.get(reverse("microlearn_lms:attempt", args=[attempt.uuid])).status_code == 404
    assert client.post(reverse("microlearn_lms:attempt", args=[attempt.uuid]), {}).status_code == 404
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    assert client.get(reverse("microlearn_lms:attempt_result", args=[attempt.uuid])).status_code == 404
    assert (
        client.get(reverse("microlearn_lms:attempt_result", args=["00000000-0000-0000-0000-000000000000"])).status_code
        == 404
    )


def test_edited_quiz_replaces_the_open_attempt(participant, enrolment, first):
    attempt = start(participant, first)
    first.quiz = first.quiz.raw_data[:1]  # the author removed the second question
    first.save_revision().publish()
    page = html(participant.get(reverse("microlearn_lms:attempt", args=[attempt.uuid])))
    assert "changed since the attempt started" in page
    fresh = start(participant, first)
    assert fresh.pk != attempt.pk and len(fresh.served) == 1 and fresh.number == 1
    assert not QuizAttempt.objects.filter(pk=attempt.pk).exists()


def test_learn_dashboard_shows_progress_continue_link_and_best_scores(participant, enrolment, first, second):
    page = html(participant.get(reverse("microlearn_lms:learn")))
    assert "0 of 2 required modules completed" in page and f'href="{first.url}"' in page
    participant.post(reverse("microlearn_lms:module_confirm", args=[first.pk]))
    attempt = start(participant, first)
    submit(participant, attempt, right_answers(attempt, first))
    page = html(participant.get(reverse("microlearn_lms:learn")))
    assert "1 of 2 required modules completed" in page
    assert f'href="{second.url}"' in page  # continue where you left off: the first module not done
    assert "First module: 100%" in page
