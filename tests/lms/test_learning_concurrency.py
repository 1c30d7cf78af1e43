"""Double submission at the same moment, on PostgreSQL: one result recorded, the other shown."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses.models import ModulePage
from lms import services
from lms.models import AttemptStatus, ModuleProgress, QuizAttempt
from tests.factories import UserFactory
from tests.factories_learning import as_post, right_answers, wrong_answers

pytestmark = [
    pytest.mark.postgres,
    # No serialized_rollback: the teardown flush then re-runs post_migrate (content types), and the
    # loader rebuilds the page tree root, so tests that follow find a usable database.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite serialises writers, so row locks under real concurrency are not exercised.",
    ),
]


def run_together(*functions):
    """Run each function in its own thread (own DB connection), released at once by a barrier."""
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def runner(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.fixture
def setup(mini_programme):
    module = ModulePage.objects.get(slug="first")
    user = UserFactory()
    enrolment = services.enrolment_create(user=user, course=mini_programme)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    return user, enrolment, module, attempt


def assert_recorded_once(enrolment, module, attempt):
    assert QuizAttempt.objects.filter(enrolment=enrolment).count() == 1
    assert QuizAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.SUBMITTED).count() == 1
    progress = ModuleProgress.objects.filter(enrolment=enrolment, module=module)
    assert progress.count() == 1 and progress.get().attempts_used == 1


def test_two_simultaneous_posts_record_one_result_and_show_it_twice(setup):
    user, enrolment, module, attempt = setup
    url = reverse("microlearn_lms:attempt", args=[attempt.uuid])
    posts = [as_post(right_answers(attempt, module)), as_post(wrong_answers(attempt, module))]

    def post(data):
        def call():
            client = Client()
            client.force_login(user)
            response = client.post(url, data, follow=True)
            return response.status_code, response.redirect_chain, response.content.decode()

        return call

    results = run_together(post(posts[0]), post(posts[1]))
    result_url = reverse("microlearn_lms:attempt_result", args=[attempt.uuid])
    for status, chain, _ in results:
        assert status == 200 and chain == [(result_url, 302)]
    assert sum("already submitted" in page for _, _, page in results) == 1
    assert_recorded_once(enrolment, module, attempt)
    attempt.refresh_from_db()
    shown = {("100%" in page, "0%</strong>" in page) for _, _, page in results}
    assert len(shown) == 1  # both pages show the same (first) result


def test_two_simultaneous_service_calls_record_once(setup):
    _, enrolment, module, attempt = setup

    def submit(answers):
        return lambda: services.quiz_attempt_submit(attempt=attempt, answers=answers, module=module)

    results = run_together(submit(right_answers(attempt, module)), submit(wrong_answers(attempt, module)))
    assert sorted(recorded for _, recorded in results) == [False, True]
    assert len({graded.score for graded, _ in results}) == 1
    assert_recorded_once(enrolment, module, attempt)


def test_completing_the_last_two_modules_at_once_completes_the_course_once(setup):
    from lms.models import EnrolmentStatus

    _, enrolment, module, attempt = setup
    second = ModulePage.objects.get(slug="second")
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, module))  # passed, not yet read

    def confirm(target):
        return lambda: services.module_confirm_read(enrolment=enrolment, module=target)

    run_together(confirm(module), confirm(second))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at
    assert ModuleProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 2
