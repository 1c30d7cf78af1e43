"""The content lint finds quizzes that give their answers away; the demo programme passes it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from courses.content_lint import (
    Option,
    Question,
    answer_position,
    length_outliers,
    lint_programme,
    lint_quiz,
    longest_answer,
    missing_explanations,
    questions_from_data,
    true_false_balance,
)
from tests.conftest import DEMO_PROGRAMME


def single(texts: list[str], correct: int, text: str = "Which?") -> Question:
    return Question("single", text, tuple(Option(t, i == correct, "Why.") for i, t in enumerate(texts)))


def multiple(flags: list[bool], length: int = 30) -> Question:
    return Question("multiple", "Which ones?", tuple(Option(f"{i}" * length, f, "Why.") for i, f in enumerate(flags)))


def true_false(answer: bool) -> Question:
    return Question("true_false", "Is it?", (Option("True", answer, "Why."), Option("False", not answer, "Why.")))


EVEN = ["a" * 40, "b" * 42, "c" * 44, "d" * 46]  # similar lengths; the last is the longest


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


# --- the demo programme --------------------------------------------------------------------
def test_demo_programme_passes_the_lint():
    data = json.loads(DEMO_PROGRAMME.read_text(encoding="utf-8"))
    assert lint_programme(data) == {}


def test_demo_quizzes_shuffle_and_explain_every_option():
    data = json.loads(DEMO_PROGRAMME.read_text(encoding="utf-8"))
    quizzes = [m["quiz"] for c in data["courses"] for m in c["modules"]]
    assert all(quiz.get("shuffle", True) for quiz in quizzes)
    options = [o for quiz in quizzes for q in quiz["questions"] for o in q["options"]]
    assert options and all(o["feedback"].strip() for o in options)
    assert all(q["explanation"].strip() for quiz in quizzes for q in quiz["questions"])


def test_demo_programme_spreads_answers_and_balances_true_false():
    data = json.loads(DEMO_PROGRAMME.read_text(encoding="utf-8"))
    questions = questions_from_data(q for c in data["courses"] for m in c["modules"] for q in m["quiz"]["questions"])
    positions = [next(i for i, o in enumerate(q.options) if o.correct) for q in questions if q.kind == "single"]
    # Every position of a four-option question holds between a sixth and a third of the answers.
    assert {p: positions.count(p) for p in range(4)} == {0: 3, 1: 5, 2: 4, 3: 4}
    answers = [next(o.text for o in q.options if o.correct) for q in questions if q.kind == "true_false"]
    assert sorted(answers) == ["False", "False", "False", "True", "True", "True", "True"]


def test_the_old_demo_quiz_habits_are_flagged():
    """The habits the content review found, rebuilt in miniature: each is caught."""
    longest_first = [single(["the right answer, and a long one at that", "short", "brief", "terse"], 0)] * 4
    found = codes(lint_quiz([*longest_first, *[true_false(False)] * 3], shuffle=False))
    assert {"longest-answer", "answer-position", "true-false-balance", "length-outlier", "shuffle-off"} <= set(found)
    wrong_last = [multiple([True, True, True, False])] * 3
    assert codes(answer_position(wrong_last)) == ["answer-position"]
    assert "last" in answer_position(wrong_last)[0].message


def test_multiple_choice_with_every_option_correct_has_no_position_to_cluster():
    assert answer_position([multiple([True, True, True])] * 4) == []


# --- each rule -----------------------------------------------------------------------------
def test_longest_answer_flags_more_than_half_of_single_choice_questions():
    cued = single(EVEN, 3)
    fair = single(EVEN, 1)
    assert codes(longest_answer([cued, cued, fair])) == ["longest-answer"]
    assert longest_answer([cued, fair]) == []  # exactly half is not more than half
    tie = single(["x" * 40, "y" * 40, "z" * 20], 0)
    assert longest_answer([tie]) == []  # a shared longest length is no cue


def test_true_false_balance_allows_what_an_odd_count_forces():
    assert true_false_balance([true_false(True), true_false(False), true_false(True)]) == []
    assert codes(true_false_balance([true_false(False)] * 3)) == ["true-false-balance"]
    assert codes(true_false_balance([true_false(True)] * 4 + [true_false(False)])) == ["true-false-balance"]
    assert true_false_balance([true_false(True)] * 3 + [true_false(False)] * 2) == []
    assert true_false_balance([true_false(True)]) == []


def test_length_outliers_flag_much_longer_or_shorter_options():
    long = single(["a" * 40, "b" * 40, "c" * 40, "d" * 80], 0)
    short = single(["a" * 40, "b" * 40, "c" * 40, "d" * 10], 0)
    close = single(["a" * 40, "b" * 40, "c" * 40, "d" * 55], 0)
    tiny = single(["Yes", "No", "Maybe", "Not really"], 0)  # under 15 characters apart
    assert len(length_outliers([long, short])) == 2
    assert length_outliers([close, tiny]) == []


def test_missing_explanations_are_flagged():
    question = Question("single", "Which?", (Option("A", True, "Because."), Option("B", False, "  ")))
    assert codes(missing_explanations([question])) == ["missing-explanation"]


def test_a_fair_quiz_passes():
    quiz = [single(EVEN, 0), single(EVEN, 1), single(EVEN[::-1], 1), single(EVEN, 2)]
    quiz += [multiple([True, False, True, True]), multiple([False, True, True, True]), multiple([True, True, False])]
    quiz += [true_false(True), true_false(False)]
    assert lint_quiz(quiz) == []


def test_programme_lint_reports_per_module_and_per_course():
    def module(slug, questions, shuffle=True):
        return {"slug": slug, "quiz": {"shuffle": shuffle, "questions": questions}}

    def tf_json(answer):
        options = [{"text": "True", "correct": answer}, {"text": "False", "correct": not answer}]
        return {"type": "true_false", "text": "Is it?", "options": [{**o, "feedback": "Why."} for o in options]}

    modules = [module("m1", [tf_json(False)]), module("m2", [tf_json(False)], shuffle=False)]
    data = {"courses": [{"slug": "c", "modules": modules}]}
    found = lint_programme(data)
    assert codes(found["c/m2"]) == ["shuffle-off"]
    assert "c/m1" not in found  # one false answer alone is not unbalanced ...
    assert codes(found["c"]) == ["true-false-balance"]  # ... but two of two across the course are


# --- properties ----------------------------------------------------------------------------
lengths = st.lists(st.integers(min_value=1, max_value=120), min_size=2, max_size=6)


@given(st.lists(st.tuples(lengths, st.integers(min_value=0, max_value=5)), max_size=12), st.booleans())
def test_lint_never_fails_on_any_quiz(specs, shuffle):
    quiz = [single(["x" * n for n in sizes], correct % len(sizes)) for sizes, correct in specs]
    for warning in lint_quiz(quiz, shuffle=shuffle):
        assert warning.code and warning.message


@given(st.integers(min_value=3, max_value=20), st.integers(min_value=2, max_value=6))
def test_answers_in_one_position_are_always_flagged(count, size):
    options = ["x" * (30 + i) for i in range(size)]
    for position in range(size):
        quiz = [single(options, position)] * count
        assert "answer-position" in codes(answer_position(quiz))


@given(st.integers(min_value=1, max_value=8), st.integers(min_value=2, max_value=6))
def test_answers_spread_round_robin_are_never_flagged(rounds, size):
    options = ["x" * 40] * size  # equal lengths: no longest-answer or outlier cue either
    quiz = [single(options, i % size) for i in range(rounds * size)]
    assert "answer-position" not in codes(lint_quiz(quiz))


@given(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=12))
def test_true_false_rule_matches_its_definition(trues, falses):
    quiz = [true_false(True)] * trues + [true_false(False)] * falses
    top, rest = max(trues, falses), min(trues, falses)
    unbalanced = top + rest > 0 and top / (top + rest) > 0.6 and top - rest > 1
    assert bool(true_false_balance(quiz)) == unbalanced
