import pytest
from django.db import IntegrityError, transaction

from courses.models import ModulePage
from lms import events, grading, services
from lms.models import AttemptStatus, Enrolment, EnrolmentSource, EnrolmentStatus, ModuleProgress, QuizAttempt
from tests.factories import CohortFactory, UserFactory
from tests.factories_learning import add_quiz_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def modules(mini_programme):
    return ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")


@pytest.fixture
def enrolment(mini_programme):
    return services.enrolment_create(user=UserFactory(), course=mini_programme)


def right_answers(attempt, module):
    questions = services.quiz.questions_of(module)
    return {e["q"]: sorted(questions[e["q"]].correct_ids) for e in attempt.served}


def wrong_answers(attempt, module):
    questions = services.quiz.questions_of(module)
    out = {}
    for e in attempt.served:
        wrong = [o for o in e["o"] if o not in questions[e["q"]].correct_ids]
        out[e["q"]] = wrong[:1]
    return out


class Recorder:
    def __init__(self, signal):
        self.calls = []
        signal.connect(self.receive)
        self.signal = signal

    def receive(self, sender, **kwargs):
        self.calls.append(kwargs)


def test_enrolment_is_idempotent_and_fires_created_once(mini_programme, django_capture_on_commit_callbacks):
    user = UserFactory()
    recorder = Recorder(events.enrolment_created)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.enrolment_create(user=user, course=mini_programme)
        second = services.enrolment_create(user=user, course=mini_programme)
    assert first.pk == second.pk
    assert len(recorder.calls) == 1
    assert recorder.calls[0]["enrolment_id"] == first.pk and recorder.calls[0]["source"] == "self"


def test_database_allows_one_current_enrolment_per_course(enrolment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(user=enrolment.user, course=enrolment.course, enrolled_at=enrolment.enrolled_at)


def test_invitation_only_course_refuses_self_enrolment_but_staff_can_enrol(mini_programme):
    mini_programme.self_enrol = False
    mini_programme.save()
    user = UserFactory()
    with pytest.raises(services.EnrolmentError, match="invitation"):
        services.enrolment_create(user=user, course=mini_programme)
    enrolment = services.enrolment_create(user=user, course=mini_programme, source=EnrolmentSource.STAFF)
    assert enrolment.source == "staff"


def test_cohort_must_follow_the_same_course(mini_programme):
    other_course_cohort = CohortFactory.build(course_id=mini_programme.pk + 999)
    with pytest.raises(services.EnrolmentError, match="different course"):
        services.enrolment_create(user=UserFactory(), course=mini_programme, cohort=other_course_cohort)


def test_withdraw_then_re_enrol_creates_a_new_enrolment(enrolment):
    services.enrolment_withdraw(enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN and enrolment.withdrawn_at
    with pytest.raises(services.EnrolmentError, match="Only an active"):
        services.enrolment_withdraw(enrolment=enrolment)
    again = services.enrolment_create(user=enrolment.user, course=enrolment.course)
    assert again.pk != enrolment.pk and again.status == EnrolmentStatus.ACTIVE


def test_opening_a_module_marks_it_started_once(enrolment, modules):
    first, _ = modules
    p1 = services.module_open(enrolment=enrolment, module=first)
    p2 = services.module_open(enrolment=enrolment, module=first)
    assert p1.pk == p2.pk and p1.started_at == p2.started_at
    assert ModuleProgress.objects.count() == 1


def test_module_needs_read_confirmation_and_a_passed_quiz(enrolment, modules):
    first, _ = modules
    progress = services.module_confirm_read(enrolment=enrolment, module=first)
    assert progress.read_confirmed_at and progress.completed_at is None  # quiz not passed yet
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    attempt, recorded = services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    assert recorded and attempt.passed and attempt.score == 100
    progress.refresh_from_db()
    assert progress.completed_at and progress.best_score == 100 and progress.attempts_used == 1


def test_module_without_quiz_completes_on_confirmation(enrolment, modules):
    _, second = modules
    progress = services.module_confirm_read(enrolment=enrolment, module=second)
    assert progress.completed_at is not None


def test_course_completes_once_with_one_event(enrolment, modules, django_capture_on_commit_callbacks):
    first, second = modules
    recorder = Recorder(events.enrolment_completed)
    with django_capture_on_commit_callbacks(execute=True):
        services.module_confirm_read(enrolment=enrolment, module=second)
        services.module_confirm_read(enrolment=enrolment, module=first)
        attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
        services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
        # Completed enrolments are read-only: no retakes, so completion cannot fire twice.
        enrolment.refresh_from_db()
        with pytest.raises(services.QuizError, match="active enrolment"):
            services.quiz_attempt_start(enrolment=enrolment, module=first)
        services.module_confirm_read(enrolment=enrolment, module=second)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at
    assert len(recorder.calls) == 1
    assert recorder.calls[0]["enrolment_id"] == enrolment.pk


def test_failed_attempt_records_score_but_not_pass(enrolment, modules):
    first, _ = modules
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    attempt, _ = services.quiz_attempt_submit(attempt=attempt, answers=wrong_answers(attempt, first))
    assert attempt.score == 0 and attempt.passed is False
    progress = ModuleProgress.objects.get(enrolment=enrolment, module=first)
    assert progress.quiz_passed_at is None and progress.best_score == 0


def test_second_submission_records_nothing_and_returns_first_result(enrolment, modules):
    first, _ = modules
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    first_result, recorded = services.quiz_attempt_submit(attempt=attempt, answers=wrong_answers(attempt, first))
    again, recorded_again = services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    assert recorded and not recorded_again
    assert again.score == first_result.score == 0
    assert QuizAttempt.objects.filter(status=AttemptStatus.SUBMITTED).count() == 1


def test_reload_reuses_the_open_attempt(enrolment, modules):
    first, _ = modules
    a = services.quiz_attempt_start(enrolment=enrolment, module=first)
    b = services.quiz_attempt_start(enrolment=enrolment, module=first)
    assert a.pk == b.pk


def test_attempt_limit_is_enforced(enrolment, modules):
    first, _ = modules  # max_attempts = 3 in the mini programme
    for _ in range(3):
        attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
        services.quiz_attempt_submit(attempt=attempt, answers=wrong_answers(attempt, first))
    with pytest.raises(services.QuizError, match="used all your attempts"):
        services.quiz_attempt_start(enrolment=enrolment, module=first)
    assert QuizAttempt.objects.count() == 3


def test_tampered_submission_records_nothing(enrolment, modules):
    first, _ = modules
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    answers = right_answers(attempt, first)
    answers[next(iter(answers))] = ["not-an-option"]
    with pytest.raises(grading.AnswerError):
        services.quiz_attempt_submit(attempt=attempt, answers=answers)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED and attempt.score is None


def test_withdrawn_enrolment_records_nothing(enrolment, modules):
    first, _ = modules
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    services.enrolment_withdraw(enrolment=enrolment)
    with pytest.raises(services.QuizError, match="active enrolment"):
        services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    enrolment.refresh_from_db()
    with pytest.raises(services.QuizError):
        services.quiz_attempt_start(enrolment=enrolment, module=first)
    with pytest.raises(services.ProgressError, match="withdrawn"):
        services.module_confirm_read(enrolment=enrolment, module=first)
    assert not ModuleProgress.objects.filter(read_confirmed_at__isnull=False).exists()


def test_module_of_another_course_is_refused(enrolment, demo_programme):
    foreign = ModulePage.objects.exclude(path__startswith=enrolment.course.path).first()
    with pytest.raises(services.ProgressError, match="not part of your course"):
        services.module_open(enrolment=enrolment, module=foreign)
    with pytest.raises(services.QuizError, match="not part of your course"):
        services.quiz_attempt_start(enrolment=enrolment, module=foreign)


def test_new_required_module_keeps_completed_enrolments_completed(enrolment, modules, mini_programme):
    first, second = modules
    services.module_confirm_read(enrolment=enrolment, module=second)
    services.module_confirm_read(enrolment=enrolment, module=first)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    other = services.enrolment_create(user=UserFactory(), course=mini_programme)
    services.module_confirm_read(enrolment=other, module=second)

    third = ModulePage(title="Third", slug="third", required=True)
    mini_programme.add_child(instance=third)
    third.save_revision().publish()

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED  # completion is a historical fact
    services.module_confirm_read(enrolment=other, module=first)
    attempt = services.quiz_attempt_start(enrolment=other, module=first)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    other.refresh_from_db()
    assert other.status == EnrolmentStatus.ACTIVE  # still needs the new module
    services.module_confirm_read(enrolment=other, module=third)
    other.refresh_from_db()
    assert other.status == EnrolmentStatus.COMPLETED


def test_progress_survives_reordering(enrolment, modules):
    first, second = modules
    services.module_confirm_read(enrolment=enrolment, module=second)
    second.move(first, pos="left")
    assert ModuleProgress.objects.get(enrolment=enrolment, module=second).completed_at is not None


# --- Regressions: one test per fixed bug ---------------------------------------------------


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
        locked = f'FOR UPDATE OF "{Enrolment._meta.db_table}"'
        assert any(locked in q["sql"] for q in ctx.captured_queries)
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=first)
    services.quiz_attempt_submit(attempt=attempt, answers=right_answers(attempt, first))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
