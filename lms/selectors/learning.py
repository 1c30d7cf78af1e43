"""Read-side queries. Every function scopes its queryset to what the requester may see.

The learning pages (module page, course page, ``/learn/``) fetch everything they show through
these functions in a fixed number of queries, whatever the number of modules, questions,
options, attempts or enrolments (tests assert the exact counts):

* ``current_enrolment``           1 query
* ``progress_by_module``          1 query (all of one enrolment's records)
* ``recent_attempts``             1 query (bounded)
* ``dashboard``                   3 queries (enrolments, their modules, their records)

``summarise`` and ``served_questions`` are pure: they shape already-fetched data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from courses.models import ModulePage, QuizReveal

from ..models import Enrolment, EnrolmentStatus, ModuleProgress, QuizAttempt

ATTEMPT_HISTORY_LIMIT = 10
DASHBOARD_LIMIT = 100


def enrolments_for_user(*, user) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .select_related("course", "cohort")
        .order_by("-enrolled_at")
    )


def current_enrolment(*, user, course) -> Enrolment | None:
    """The user's active or completed enrolment in ``course`` (None for anonymous users)."""
    if user is None or not user.is_authenticated:
        return None
    enrolment = Enrolment.objects.filter(user=user, course=course).exclude(status=EnrolmentStatus.WITHDRAWN).first()
    if enrolment is not None:
        enrolment.course = course  # saves a query in the services' course checks
    return enrolment


def progress_by_module(*, enrolment: Enrolment) -> dict[int, ModuleProgress]:
    return {p.module_id: p for p in ModuleProgress.objects.filter(enrolment=enrolment)}


def progress_for(*, enrolment: Enrolment, module) -> ModuleProgress | None:
    return ModuleProgress.objects.filter(enrolment=enrolment, module=module).first()


def recent_attempts(*, enrolment: Enrolment, module, limit: int = ATTEMPT_HISTORY_LIMIT) -> list[QuizAttempt]:
    """The latest attempts of one quiz, newest first (the open one, if any, comes first)."""
    return list(
        QuizAttempt.objects.filter(enrolment=enrolment, module=module)
        .defer("served", "answers", "results")
        .order_by("-number")[:limit]
    )


def attempts_for_user(*, user) -> QuerySet[QuizAttempt]:
    """Attempts the user may open: their own, on any of their enrolments (withdrawn included)."""
    return QuizAttempt.objects.filter(enrolment__user=user).select_related("enrolment", "module")


# --- Progress summaries ------------------------------------------------------------------

TODO, STARTED, DONE = "todo", "started", "done"
STATE_LABELS = {TODO: "Not started", STARTED: "In progress", DONE: "Completed"}


@dataclass
class ModuleStatus:
    module: ModulePage
    progress: ModuleProgress | None

    @property
    def state(self) -> str:
        if self.progress is None:
            return TODO
        return DONE if self.progress.completed_at else STARTED

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def best_score(self) -> int | None:
        return self.progress.best_score if self.progress else None


@dataclass
class CourseProgress:
    enrolment: Enrolment
    modules: list[ModuleStatus] = field(default_factory=list)

    @property
    def required(self) -> list[ModuleStatus]:
        return [m for m in self.modules if m.module.required]

    @property
    def required_total(self) -> int:
        return len(self.required)

    @property
    def required_done(self) -> int:
        return sum(1 for m in self.required if m.state == DONE)

    @property
    def percent(self) -> int:
        total = self.required_total
        return round(100 * self.required_done / total) if total else 0

    @property
    def minutes_left(self) -> int:
        """Estimated minutes still to spend: the required modules not completed yet."""
        return sum(m.module.estimated_minutes for m in self.required if m.state != DONE)

    @property
    def started(self) -> bool:
        """Any module opened: the button says "Continue where you left off" rather than "Start"."""
        return any(m.progress is not None for m in self.modules)

    @property
    def continue_module(self) -> ModulePage | None:
        """The first module not completed, in course order; else the one opened last."""
        for status in self.modules:
            if status.state != DONE:
                return status.module
        opened = [m for m in self.modules if m.progress is not None]
        if opened:
            return max(opened, key=lambda m: m.progress.started_at).module
        return self.modules[0].module if self.modules else None

    @property
    def quiz_scores(self) -> list[ModuleStatus]:
        return [m for m in self.modules if m.module.has_quiz and m.best_score is not None]


def summarise(*, enrolment: Enrolment, modules: list, progress: dict[int, ModuleProgress]) -> CourseProgress:
    return CourseProgress(enrolment=enrolment, modules=[ModuleStatus(m, progress.get(m.pk)) for m in modules])


@dataclass
class Dashboard:
    active: list[CourseProgress]
    completed: list[Enrolment]


def dashboard(*, user, limit: int = DASHBOARD_LIMIT) -> Dashboard:
    """The user's current enrolments (bounded) with their progress, in three queries."""
    enrolments = list(
        enrolments_for_user(user=user)
        .select_related("course__image")  # the course cards' own images (renditions prefetched when any)
        .prefetch_related("course__image__renditions")[:limit]
    )
    active = [e for e in enrolments if e.status == EnrolmentStatus.ACTIVE]
    completed = sorted(
        (e for e in enrolments if e.status == EnrolmentStatus.COMPLETED), key=lambda e: e.completed_at, reverse=True
    )
    if not active:
        return Dashboard(active=[], completed=completed)
    courses = {e.course_id: e.course for e in active}
    in_courses = reduce(or_, (Q(path__startswith=c.path, depth=c.depth + 1) for c in courses.values()))
    modules_by_course: dict[int, list[ModulePage]] = {pk: [] for pk in courses}
    paths = {c.path: pk for pk, c in courses.items()}
    for module in ModulePage.objects.live().filter(in_courses).defer("body").order_by("path"):
        modules_by_course[paths[module.path[: -ModulePage.steplen]]].append(module)
    progress: dict[int, dict[int, ModuleProgress]] = {e.pk: {} for e in active}
    for record in ModuleProgress.objects.filter(enrolment__in=active):
        progress[record.enrolment_id][record.module_id] = record
    summaries = [
        summarise(enrolment=e, modules=modules_by_course[e.course_id], progress=progress[e.pk]) for e in active
    ]
    return Dashboard(active=summaries, completed=completed)


# --- Quiz attempts, as the participant sees them -----------------------------------------


@dataclass(frozen=True)
class ServedOption:
    id: str
    text: str


@dataclass(frozen=True)
class ServedQuestion:
    """A question as served to the participant: texts only, never correctness or feedback."""

    id: str
    number: int
    kind: str
    text: str
    options: tuple[ServedOption, ...]


def _blocks_by_id(module) -> dict[str, dict]:
    return {block.id: block.value for block in module.quiz}


def served_questions(*, attempt: QuizAttempt, module) -> list[ServedQuestion] | None:
    """The attempt's questions and options in served order; None if the quiz changed since."""
    blocks = _blocks_by_id(module)
    questions = []
    for number, entry in enumerate(attempt.served, start=1):
        value = blocks.get(entry["q"])
        if value is None:
            return None
        options = {child.id: child.value for child in value["options"].bound_blocks}
        if not set(entry["o"]) <= set(options):
            return None
        questions.append(
            ServedQuestion(
                id=entry["q"],
                number=number,
                kind=value["kind"],
                text=value["text"],
                options=tuple(ServedOption(id=oid, text=options[oid]["text"]) for oid in entry["o"]),
            )
        )
    return questions


def answers_revealed(*, module, progress: ModuleProgress | None) -> bool:
    """The quiz's reveal rule, applied to the participant's current record.

    * ``after_pass``: once the participant has passed this quiz;
    * ``after_last_attempt``: once passed, or once no attempt is left (limited quizzes only);
    * ``never``: never.
    """
    if module.quiz_reveal == QuizReveal.NEVER or progress is None:
        return False
    passed = progress.quiz_passed_at is not None
    if module.quiz_reveal == QuizReveal.AFTER_PASS:
        return passed
    out_of_attempts = (
        bool(module.quiz_max_attempts)
        and progress.attempts_used >= module.quiz_max_attempts + progress.attempts_granted
    )
    return passed or out_of_attempts


@dataclass(frozen=True)
class OptionResult:
    text: str
    selected: bool
    correct: bool | None  # None unless revealed
    feedback: str  # empty unless revealed


@dataclass(frozen=True)
class QuestionResult:
    number: int
    text: str
    score: float
    is_correct: bool
    options: tuple[OptionResult, ...]
    explanation: str  # empty unless revealed

    @property
    def mark(self) -> str:
        if self.is_correct:
            return "Correct"
        return "Partly correct" if self.score > 0 else "Incorrect"

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def attempt_feedback(*, attempt: QuizAttempt, module, revealed: bool) -> list[QuestionResult]:
    """Per-question feedback of a submitted attempt under the reveal rule.

    Always: the question, every served option with the participant's own choices marked, and
    whether the answer was correct, partly correct or incorrect. Only when ``revealed``: which
    options are correct, each option's feedback and the question's explanation.
    """
    blocks = _blocks_by_id(module)
    served_options = {entry["q"]: entry["o"] for entry in attempt.served}
    feedback = []
    for number, result in enumerate(attempt.results.get("questions", []), start=1):
        value = blocks.get(result["q"])
        if value is None:  # the question was removed from the quiz since
            continue
        options = {child.id: child.value for child in value["options"].bound_blocks}
        selected = set(result["selected"])
        feedback.append(
            QuestionResult(
                number=number,
                text=value["text"],
                score=result["score"],
                is_correct=result["correct"],
                options=tuple(
                    OptionResult(
                        text=options[oid]["text"],
                        selected=oid in selected,
                        correct=bool(options[oid]["correct"]) if revealed else None,
                        feedback=(options[oid]["feedback"] or "") if revealed else "",
                    )
                    for oid in served_options.get(result["q"], [])
                    if oid in options
                ),
                explanation=(value["explanation"] or "") if revealed else "",
            )
        )
    return feedback
