"""Trainers grant a participant one more quiz attempt (issue 16, item 4): permissions, the
attempt limit with grants, the log and its event, and what the participant sees."""

import pytest
from django.http import Http404
from django.urls import reverse

from lms import services
from lms.models import Event, ModuleProgress, QuizAttemptGrant
from lms.selectors.learning import answers_revealed
from lms.services.quiz import attempts_left
from tests.factories import UserFactory
from tests.factories_cohorts import cohort_for, participant, trainer_user
from tests.factories_learning import add_quiz_module, as_post, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mini_programme, django_capture_on_commit_callbacks):
    trainer_a, trainer_b = trainer_user(username="trainer-a"), trainer_user(username="trainer-b")
    cohort_b = cohort_for(mini_programme, trainers=[trainer_b])
    cohort_for(mini_programme, trainers=[trainer_a])
    enrolment = participant(cohort_b, username="pat", first_name="Pat", last_name="Lee")
    quiz = add_quiz_module(mini_programme, slug="limited", n_questions=2, quiz_max_attempts=1, quiz_shuffle=False)
    return {
        "trainer_a": trainer_a,
        "trainer_b": trainer_b,
        "cohort_b": cohort_b,
        "enrolment": enrolment,
        "quiz": quiz,
        "staff": UserFactory(username="staff", is_staff=True),
    }


def fail_once(enrolment, module):
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    services.quiz_attempt_submit(attempt=attempt, answers=wrong_answers(attempt, module), module=module)


def grant_url(world, enrolment=None):
    return reverse(
        "microlearn_lms:trainer-grant-attempt", args=[world["cohort_b"].pk, (enrolment or world["enrolment"]).pk]
    )


def test_attempts_left_counts_grants():
    class Module:
        quiz_max_attempts = 3

    assert attempts_left(module=Module, used=3) == 0
    assert attempts_left(module=Module, used=3, granted=1) == 1
    assert attempts_left(module=Module, used=5, granted=1) == 0
    Module.quiz_max_attempts = 0
    assert attempts_left(module=Module, used=9, granted=1) is None


def test_grant_lets_the_participant_retake_once_and_is_logged(world, django_capture_on_commit_callbacks):
    enrolment, quiz = world["enrolment"], world["quiz"]
    fail_once(enrolment, quiz)
    with pytest.raises(services.QuizError, match="used all your attempts"):
        services.quiz_attempt_start(enrolment=enrolment, module=quiz)
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.grant_extra_attempt(
            granted_by=world["trainer_b"], enrolment=enrolment, module=quiz, reason="Was ill on the day"
        )
    assert (grant.granted_by, grant.reason, grant.extra_attempts) == (world["trainer_b"], "Was ill on the day", 1)
    assert ModuleProgress.objects.get(enrolment=enrolment, module=quiz).attempts_granted == 1
    event = Event.objects.get(type="quiz.attempt_granted")
    assert event.data["id"] == str(grant.uuid)
    assert event.data["module"] == str(quiz.translation_key)
    assert event.data["extra_attempts"] == 1
    assert "Was ill" not in str(event.data)  # ids only

    fail_once(enrolment, quiz)  # the granted attempt (number 2) is accepted
    progress = ModuleProgress.objects.get(enrolment=enrolment, module=quiz)
    assert progress.attempts_used == 2
    with pytest.raises(services.QuizError, match="used all your attempts"):
        services.quiz_attempt_start(enrolment=enrolment, module=quiz)


def test_a_second_grant_while_attempts_remain_is_refused(world):
    enrolment, quiz = world["enrolment"], world["quiz"]
    fail_once(enrolment, quiz)
    services.grant_extra_attempt(granted_by=world["staff"], enrolment=enrolment, module=quiz, reason="Retry")
    with pytest.raises(services.QuizError, match="still has attempts left"):
        services.grant_extra_attempt(granted_by=world["staff"], enrolment=enrolment, module=quiz, reason="Again")
    assert QuizAttemptGrant.objects.count() == 1
    assert ModuleProgress.objects.get(enrolment=enrolment, module=quiz).attempts_granted == 1


@pytest.mark.parametrize(
    ("reason", "message"), [("", "Give a reason"), ("  ", "Give a reason"), ("x" * 501, "under 500")]
)
def test_a_grant_needs_a_short_reason(world, reason, message):
    fail_once(world["enrolment"], world["quiz"])
    with pytest.raises(services.QuizError, match=message):
        services.grant_extra_attempt(
            granted_by=world["trainer_b"], enrolment=world["enrolment"], module=world["quiz"], reason=reason
        )
    assert not QuizAttemptGrant.objects.exists()


def test_no_grant_before_the_attempts_are_used(world):
    with pytest.raises(services.QuizError, match="still has attempts left"):
        services.grant_extra_attempt(
            granted_by=world["trainer_b"], enrolment=world["enrolment"], module=world["quiz"], reason="Why not"
        )


def test_other_trainers_and_participants_get_404_from_the_service(world):
    fail_once(world["enrolment"], world["quiz"])
    for who in (world["trainer_a"], world["enrolment"].user):
        with pytest.raises(Http404):
            services.grant_extra_attempt(
                granted_by=who, enrolment=world["enrolment"], module=world["quiz"], reason="Sneaky"
            )
    assert not QuizAttemptGrant.objects.exists()


def test_a_module_of_another_course_is_404(world, mini_programme):
    from courses.models import CoursePage

    other_course = CoursePage(title="Other", slug="other-course", summary="x")
    mini_programme.get_parent().add_child(instance=other_course)
    foreign = add_quiz_module(other_course, slug="foreign", n_questions=1, quiz_max_attempts=1)
    with pytest.raises(Http404):
        services.grant_extra_attempt(
            granted_by=world["staff"], enrolment=world["enrolment"], module=foreign, reason="x"
        )


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("participant", 403), ("trainer_a", 404), ("trainer_b", 302), ("staff", 302)],
)
def test_grant_view_permissions(client, world, who, status):
    fail_once(world["enrolment"], world["quiz"])
    user = {"participant": world["enrolment"].user}.get(who) or world.get(who)
    if user:
        client.force_login(user)
    response = client.post(grant_url(world), {"module": world["quiz"].pk, "reason": "Second chance"})
    assert response.status_code == status
    assert QuizAttemptGrant.objects.exists() == (who in ("trainer_b", "staff"))


def test_grant_view_is_post_only(client, world):
    client.force_login(world["trainer_b"])
    assert client.get(grant_url(world)).status_code == 405


def test_trainer_journey_on_the_drill_down(client, world):
    enrolment, quiz = world["enrolment"], world["quiz"]
    page = reverse("microlearn_lms:trainer-participant", args=[world["cohort_b"].pk, enrolment.pk])
    client.force_login(world["trainer_b"])
    assert "Grant one more attempt" not in client.get(page).content.decode()
    fail_once(enrolment, quiz)
    body = client.get(page).content.decode()
    assert "Grant one more attempt" in body
    assert 'name="csrfmiddlewaretoken"' in body

    response = client.post(grant_url(world), {"module": quiz.pk, "reason": ""}, follow=True)
    assert "No attempt granted: Give a reason" in response.content.decode()
    assert not QuizAttemptGrant.objects.exists()

    response = client.post(grant_url(world), {"module": quiz.pk, "reason": "Missed the session"}, follow=True)
    body = response.content.decode()
    assert "Pat Lee can now take “Limited” once more" in body
    assert "Missed the session" in body  # the log
    assert "Grant one more attempt" not in body  # no longer used up

    client.force_login(enrolment.user)
    module_page = client.get(quiz.url).content.decode()
    assert "Your trainer gave you another attempt" in module_page
    assert "Try the quiz again" in module_page
    assert client.post(reverse("microlearn_lms:quiz_start", args=[quiz.pk])).status_code == 302


def test_grant_view_refuses_a_module_outside_the_course(client, world):
    client.force_login(world["trainer_b"])
    assert client.post(grant_url(world), {"module": 999999, "reason": "x"}).status_code == 404


def test_answers_stay_hidden_while_a_granted_attempt_remains(world):
    quiz = world["quiz"]
    quiz.quiz_reveal = "after_last_attempt"
    fail_once(world["enrolment"], quiz)
    progress = ModuleProgress.objects.get(enrolment=world["enrolment"], module=quiz)
    assert answers_revealed(module=quiz, progress=progress)
    progress.attempts_granted = 1
    assert not answers_revealed(module=quiz, progress=progress)


def test_attempt_page_counts_the_granted_attempt(client, world):
    enrolment, quiz = world["enrolment"], world["quiz"]
    fail_once(enrolment, quiz)
    services.grant_extra_attempt(granted_by=world["staff"], enrolment=enrolment, module=quiz, reason="ok")
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=quiz)
    client.force_login(enrolment.user)
    body = client.get(reverse("microlearn_lms:attempt", args=[attempt.uuid])).content.decode()
    assert "attempt 2 of 2" in body
    assert "This is your last attempt." in body
    response = client.post(
        reverse("microlearn_lms:attempt", args=[attempt.uuid]), as_post(wrong_answers(attempt, quiz))
    )
    assert response.status_code == 302


def test_the_reason_is_exported_to_the_participant_and_blanked_on_erasure(world):
    from django.db import transaction

    from lms.selectors.person_data import person_data_kinds
    from lms.services.erasure import erase_person_data

    enrolment, quiz = world["enrolment"], world["quiz"]
    fail_once(enrolment, quiz)
    services.grant_extra_attempt(granted_by=world["trainer_b"], enrolment=enrolment, module=quiz, reason="Ill")
    kind = next(k for k in person_data_kinds(user=enrolment.user) if k.name == "quiz_attempt_grants")
    assert [row[1:] for row in kind.rows()] == [("Limited", 1, "Ill")]
    with transaction.atomic():
        erase_person_data(
            organisation_id=world["cohort_b"].organisation_id,
            user_id=enrolment.user_id,
            enrolment_ids=[enrolment.pk],
            identifiers=[],
            whole_account=True,
        )
    grant = QuizAttemptGrant.objects.get()
    assert (grant.reason, grant.extra_attempts, grant.granted_by) == ("", 1, world["trainer_b"])
