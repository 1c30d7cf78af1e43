"""Regression tests for bugs fixed in the learning-record services (one test per fix)."""

import pytest

from courses.models import ModulePage
from lms import grading, services
from lms.models import EnrolmentStatus, ModuleProgress, QuizAttempt
from tests.factories import UserFactory
from tests.factories_learning import add_quiz_module, right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def modules(mini_programme):
    return ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")


def complete(enrolment, first, second):
    services.module_confirm_read(enrolment=enrolment, module=second)
    services.module_confirm_read(enrolment=enrolment, module=first)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_completed_enrolment_records_nothing_for_a_module_added_later(mini_programme, modules):
    """Fix: module_open / module_confirm_read wrote records on completed (read-only) enrolments."""
    first, second = modules
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    complete(enrolment, first, second)
    third = add_quiz_module(mini_programme, slug="third", n_questions=1)
    assert services.module_open(enrolment=enrolment, module=third) is None
    assert services.module_confirm_read(enrolment=enrolment, module=third) is None
    assert not ModuleProgress.objects.filter(module=third).exists()
    assert services.module_open(enrolment=enrolment, module=first).completed_at is not None


def test_an_open_attempt_of_an_edited_quiz_is_replaced_not_stuck(mini_programme, modules):
    """Fix: a quiz edited after an attempt started left that attempt unsubmittable forever."""
    first, _ = modules
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    stale = services.quiz_attempt_start(enrolment=enrolment, module=first)
    first.quiz = first.quiz.raw_data[1:]
    first.save_revision().publish()
    first = ModulePage.objects.get(pk=first.pk)
    fresh = services.quiz_attempt_start(enrolment=enrolment, module=first)
    assert fresh.pk != stale.pk and fresh.number == 1
    graded, recorded = services.quiz_attempt_submit(attempt=fresh, answers=right_answers(fresh, first))
    assert recorded and graded.passed
    assert QuizAttempt.objects.filter(enrolment=enrolment).count() == 1


def test_an_unchanged_open_attempt_is_still_reused(mini_programme, modules):
    first, _ = modules
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    a = services.quiz_attempt_start(enrolment=enrolment, module=first)
    first.quiz_pass_mark = 60  # a settings edit keeps the questions
    first.save_revision().publish()
    assert services.quiz_attempt_start(enrolment=enrolment, module=ModulePage.objects.get(pk=first.pk)).pk == a.pk


def test_submitting_against_another_module_is_refused(mini_programme, modules):
    """Fix: quiz_attempt_submit graded an attempt against whatever module the caller passed."""
    first, _ = modules
    other = add_quiz_module(mini_programme, slug="other", n_questions=2)
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    with pytest.raises(services.QuizError, match="another quiz"):
        services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first), module=other)


@pytest.mark.parametrize("answers", [{"a": "ao0"}, {"a": [1]}, ["ao0"], {"a": None}])
def test_malformed_answers_are_an_answer_error(answers):
    """Fix: a string answer was split into characters instead of being rejected."""
    question = grading.Question("a", "single", (grading.Option("ao0", True), grading.Option("ao1", False)))
    served = grading.serve([question], shuffle=False)
    with pytest.raises(grading.AnswerError, match="malformed"):
        grading.grade(served, {"a": question}, answers, 50)


def test_completion_locks_the_enrolment_row(mini_programme, modules, django_assert_max_num_queries):
    """Fix: two modules completed at once could each miss the other's completion (see docs).

    The race itself needs two connections; here we check the lock is taken (FOR UPDATE is
    compiled on PostgreSQL, ignored by SQLite) and the course still completes exactly once.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = modules
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    services.module_confirm_read(enrolment=enrolment, module=first)
    with CaptureQueriesContext(connection) as ctx:
        services.module_confirm_read(enrolment=enrolment, module=second)
    if connection.vendor == "postgresql":
        assert any('FOR UPDATE OF "lms_enrolment"' in q["sql"] for q in ctx.captured_queries)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
