"""Content lint for quizzes: does a quiz give its answers away?

Pure functions over plain quiz data, so the same checks run on a programme file (the loader's
JSON), on a module page's quiz StreamField (the admin, on publish) and in the test suite.

A quiz is flagged when

* **longest answer**: the correct option is the strictly longest option in more than half of
  its single-choice questions (test-wise learners pick the longest);
* **answer position**: the answers sit in one position. A question's answer is its correct
  option (single choice) or its odd ones out (multiple choice: the wrong options when they are
  fewer than the right ones, else the right ones). Single- and multiple-choice questions are
  judged apart. Positions count from the start and from the end ("always last"); a position
  holding at least three quarters of the answers, among three or more such questions, is a
  cluster;
* **true/false balance**: more than 60 % of its true/false answers are the same, by more than
  the one question an odd count forces (so 2 of 3 passes, 3 of 3 and 4 of 5 do not);
* **length outlier**: one option is far longer or shorter than the others of its question
  (more than 1.6 times, or less than 0.6 times, the median of the others, and at least 15
  characters apart);
* **missing explanation**: an option has no feedback, so a learner who picks it learns nothing;
* **shuffling off**: learners see options in the authored order.

A programme is also checked course by course (``lint_programme``), for the longest-answer,
answer-position and true/false rules across all of a course's quizzes: habits that no single
short quiz shows.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"

LONGEST_SHARE = 0.5  # flagged above this share of single-choice questions
CLUSTER_SHARE = 0.75  # flagged at or above this share of answers in one position
CLUSTER_MIN_QUESTIONS = 3
TRUE_FALSE_SHARE = 0.6  # flagged above this share of one answer ...
TRUE_FALSE_SLACK = 1  # ... when the majority leads by more than this many questions
OUTLIER_LONG, OUTLIER_SHORT = 1.6, 0.6
OUTLIER_MIN_CHARS = 15


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Warning:
    """One finding. ``code`` is stable (tests and tools match on it); ``message`` is for authors."""

    code: str
    message: str


# --- adapters ------------------------------------------------------------------------------
def questions_from_data(questions: Iterable[Mapping]) -> list[Question]:
    """Questions from the programme file's format (``type``) or a quiz block value (``kind``)."""
    result = []
    for q in questions:
        options = tuple(
            Option(text=str(o.get("text", "")), correct=bool(o.get("correct")), feedback=str(o.get("feedback") or ""))
            for o in q.get("options", [])
        )
        kind = q.get("kind") or q.get("type") or SINGLE
        result.append(Question(kind=kind, text=str(q.get("text", "")), options=options))
    return result


def questions_from_stream(quiz) -> list[Question]:
    """Questions from a module page's ``quiz`` StreamField value."""
    return questions_from_data(block.value for block in quiz if block.block_type == "question")


# --- rules ---------------------------------------------------------------------------------
def _label(question: Question, limit: int = 60) -> str:
    text = " ".join(question.text.split())
    return f"“{text[: limit - 1]}…”" if len(text) > limit else f"“{text}”"


def _longest_is_correct(question: Question) -> bool:
    lengths = [len(o.text.strip()) for o in question.options]
    longest = max(lengths, default=0)
    holders = [o for o, n in zip(question.options, lengths, strict=True) if n == longest]
    return len(holders) == 1 and holders[0].correct


def longest_answer(questions: list[Question], *, scope: str = "quiz") -> list[Warning]:
    singles = [q for q in questions if q.kind == SINGLE and q.options]
    cued = sum(_longest_is_correct(q) for q in singles)
    if singles and cued / len(singles) > LONGEST_SHARE:
        return [
            Warning(
                "longest-answer",
                f"In {cued} of the {scope}'s {len(singles)} single-choice questions the correct option is the "
                "longest. Make a wrong option the longest in some of them, or even out the lengths.",
            )
        ]
    return []


def _answer_positions(question: Question) -> list[int]:
    correct = [i for i, o in enumerate(question.options) if o.correct]
    wrong = [i for i, o in enumerate(question.options) if not o.correct]
    if question.kind == SINGLE:
        return correct
    if question.kind == MULTIPLE and wrong and correct:  # all right (or all wrong): no odd one out
        return wrong if len(wrong) < len(correct) else correct
    return []


def answer_position(questions: list[Question], *, scope: str = "quiz") -> list[Warning]:
    """Single-choice and multiple-choice questions are judged apart: their answers differ in kind."""
    warnings = []
    for kind, name in ((SINGLE, "single-choice"), (MULTIPLE, "multiple-choice")):
        judged = [(q, _answer_positions(q)) for q in questions if q.kind == kind]
        judged = [(q, positions) for q, positions in judged if positions]
        if len(judged) < CLUSTER_MIN_QUESTIONS:
            continue
        from_start, from_end = Counter(), Counter()
        for question, positions in judged:
            for i in set(positions):
                from_start[i] += 1
            for i in {len(question.options) - 1 - p for p in positions}:
                from_end[i] += 1
        clusters = [
            (position, count, describe)
            for counter, describe in ((from_start, _ordinal_from_start), (from_end, _ordinal_from_end))
            for position, count in counter.most_common(1)
            if count / len(judged) >= CLUSTER_SHARE
        ]
        if clusters:
            # Name the plainer of the two descriptions: "first" or "last" before "third".
            position, count, describe = min(clusters, key=lambda cluster: cluster[0])
            what = "the correct option" if kind == SINGLE else "the odd one out"
            warnings.append(
                Warning(
                    "answer-position",
                    f"In {count} of the {scope}'s {len(judged)} {name} questions {what} is the "
                    f"{describe(position)} option. Spread the answers across positions "
                    "(shuffling hides the order only when it is on).",
                )
            )
    return warnings


def _ordinal_from_start(i: int) -> str:
    return ["first", "second", "third", "fourth", "fifth"][i] if i < 5 else f"{i + 1}th"


def _ordinal_from_end(i: int) -> str:
    return "last" if i == 0 else "second-to-last" if i == 1 else f"{i + 1}th from last"


def _true_false_answers(questions: list[Question]) -> Counter:
    answers = Counter()
    for q in questions:
        if q.kind != TRUE_FALSE:
            continue
        for o in q.options:
            if o.correct:
                answers[o.text.strip().lower()] += 1
    return answers


def true_false_balance(questions: list[Question], *, scope: str = "quiz") -> list[Warning]:
    answers = _true_false_answers(questions)
    total = sum(answers.values())
    if not total:
        return []
    top, count = answers.most_common(1)[0]
    rest = total - count
    if count / total > TRUE_FALSE_SHARE and count - rest > TRUE_FALSE_SLACK:
        return [
            Warning(
                "true-false-balance",
                f"{count} of the {scope}'s {total} true/false answers are “{top}”. "
                "Balance them: write some statements that are true.",
            )
        ]
    return []


def length_outliers(questions: list[Question]) -> list[Warning]:
    warnings = []
    for q in questions:
        if q.kind == TRUE_FALSE or len(q.options) < 3:
            continue
        lengths = [len(o.text.strip()) for o in q.options]
        for i, option in enumerate(q.options):
            others = statistics.median(lengths[:i] + lengths[i + 1 :])
            n = lengths[i]
            far = abs(n - others) >= OUTLIER_MIN_CHARS
            if far and (n > OUTLIER_LONG * others or n < OUTLIER_SHORT * others):
                size = "longer" if n > others else "shorter"
                warnings.append(
                    Warning(
                        "length-outlier",
                        f"In {_label(q)}, the option “{option.text.strip()[:40]}” is much {size} than the others "
                        f"({n} characters against a median of {others:g}).",
                    )
                )
    return warnings


def missing_explanations(questions: list[Question]) -> list[Warning]:
    missing = [q for q in questions if any(not o.feedback.strip() for o in q.options)]
    return [
        Warning("missing-explanation", f"In {_label(q)}, an option has no explanation of why it is right or wrong.")
        for q in missing
    ]


def lint_quiz(questions: list[Question], *, shuffle: bool = True) -> list[Warning]:
    """Every warning for one quiz; empty when it passes."""
    if not questions:
        return []
    warnings = [
        *longest_answer(questions),
        *answer_position(questions),
        *true_false_balance(questions),
        *length_outliers(questions),
        *missing_explanations(questions),
    ]
    if not shuffle:
        warnings.append(
            Warning("shuffle-off", "Shuffling is off, so every learner sees the options in the order you wrote them.")
        )
    return warnings


def lint_programme(data: Mapping) -> dict[str, list[Warning]]:
    """Warnings of a programme file (the loader's JSON), keyed ``course/module``; the key
    ``course`` holds the warnings for a course's quizzes taken together. Empty when it passes."""
    found: dict[str, list[Warning]] = {}
    for course in data.get("courses", []):
        everything: list[Question] = []
        for module in course.get("modules", []):
            quiz = module.get("quiz") or {}
            questions = questions_from_data(quiz.get("questions", []))
            everything += questions
            warnings = lint_quiz(questions, shuffle=quiz.get("shuffle", True))
            if warnings:
                found[f"{course['slug']}/{module['slug']}"] = warnings
        overall = [
            *longest_answer(everything, scope="course"),
            *answer_position(everything, scope="course"),
            *true_false_balance(everything, scope="course"),
        ]
        if overall:
            found[course["slug"]] = overall
    return found
