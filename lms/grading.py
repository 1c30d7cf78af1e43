"""Pure quiz grading: no database, no Django models. Easy to test exhaustively.

Scoring per question (each question weighs the same):

* single choice and true/false: 1 if the one selected option is the correct one, else 0;
* multiple choice, all-or-nothing (the default): 1 if the selected set equals the correct set;
* multiple choice with partial credit: ``correct picked / correct total - wrong picked / wrong total``,
  floored at 0, so ticking every box earns nothing and each right tick earns its share.

The quiz score is the mean question score as a whole percent, rounded half up; a pass is
``score >= pass_mark``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"


@dataclass(frozen=True)
class Option:
    id: str
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    options: tuple[Option, ...]
    partial_credit: bool = False

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)


class AnswerError(ValueError):
    """The submitted answers do not fit the attempt (tampered or incomplete)."""


def question_score(question: Question, selected: frozenset[str]) -> Fraction:
    correct = question.correct_ids
    if question.kind in (SINGLE, TRUE_FALSE) or not question.partial_credit:
        return Fraction(1) if selected == correct else Fraction(0)
    wrong_total = len(question.options) - len(correct)
    right_picked = len(selected & correct)
    wrong_picked = len(selected - correct)
    score = Fraction(right_picked, len(correct))
    if wrong_total:
        score -= Fraction(wrong_picked, wrong_total)
    return max(Fraction(0), score)


def percent(fraction: Fraction) -> int:
    """A fraction in [0, 1] as a whole percent, rounded half up."""
    return int(fraction * 100 + Fraction(1, 2))


def validate_answers(served: list[dict], questions: dict[str, Question], answers: dict[str, list[str]]) -> None:
    """Raise AnswerError unless ``answers`` answers exactly the served questions with served options."""
    if not isinstance(answers, dict) or not all(
        isinstance(chosen, list) and all(isinstance(option, str) for option in chosen) for chosen in answers.values()
    ):
        raise AnswerError("The answers are malformed.")
    served_ids = [entry["q"] for entry in served]
    unknown = set(answers) - set(served_ids)
    if unknown:
        raise AnswerError("The answers name a question that is not part of this attempt.")
    for entry in served:
        qid = entry["q"]
        question = questions.get(qid)
        if question is None:
            raise AnswerError("A question of this attempt no longer exists; start a new attempt.")
        chosen = answers.get(qid) or []
        if not chosen:
            raise AnswerError("Answer every question before submitting.")
        if len(set(chosen)) != len(chosen):
            raise AnswerError("An option was submitted twice.")
        if not set(chosen) <= set(entry["o"]):
            raise AnswerError("An answer names an option that does not belong to its question.")
        if question.kind in (SINGLE, TRUE_FALSE) and len(chosen) != 1:
            raise AnswerError("Choose exactly one option for single-choice and true/false questions.")


def grade(served: list[dict], questions: dict[str, Question], answers: dict[str, list[str]], pass_mark: int):
    """Validate and grade. Returns (score_percent, passed, per-question results)."""
    validate_answers(served, questions, answers)
    total = Fraction(0)
    results = []
    for entry in served:
        question = questions[entry["q"]]
        selected = frozenset(answers[entry["q"]])
        score = question_score(question, selected)
        total += score
        results.append({"q": question.id, "selected": sorted(selected), "score": float(score), "correct": score == 1})
    score_percent = percent(total / len(served)) if served else 100
    return score_percent, score_percent >= pass_mark, results


def serve(questions: list[Question], *, shuffle: bool, rng: random.Random | None = None) -> list[dict]:
    """The order in which an attempt shows questions and options: [{"q": id, "o": [ids]}]."""
    rng = rng or random.SystemRandom()
    order = list(questions)
    if shuffle:
        rng.shuffle(order)
    served = []
    for question in order:
        option_ids = [o.id for o in question.options]
        if shuffle and question.kind != TRUE_FALSE:
            rng.shuffle(option_ids)
        served.append({"q": question.id, "o": option_ids})
    return served
