import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms import grading
from lms.grading import AnswerError, Option, Question


def q(qid, kind, correct_flags, partial=False):
    return Question(qid, kind, tuple(Option(f"{qid}o{i}", c) for i, c in enumerate(correct_flags)), partial)


SINGLE = q("a", "single", [True, False, False])
TF = q("b", "true_false", [False, True])
MULTI = q("c", "multiple", [True, True, False, False])
PARTIAL = q("d", "multiple", [True, True, False, False], partial=True)
QUESTIONS = {x.id: x for x in (SINGLE, TF, MULTI, PARTIAL)}
SERVED = grading.serve(list(QUESTIONS.values()), shuffle=False)


def test_all_correct_scores_100_and_passes():
    answers = {"a": ["ao0"], "b": ["bo1"], "c": ["co0", "co1"], "d": ["do0", "do1"]}
    assert grading.grade(SERVED, QUESTIONS, answers, 70)[:2] == (100, True)


def test_all_or_nothing_multiple_needs_every_correct_option():
    assert grading.question_score(MULTI, frozenset({"co0"})) == 0
    assert grading.question_score(MULTI, frozenset({"co0", "co1", "co2"})) == 0
    assert grading.question_score(MULTI, frozenset({"co0", "co1"})) == 1


def test_partial_credit_shares_and_penalises_wrong_ticks():
    assert grading.question_score(PARTIAL, frozenset({"do0"})) == Fraction(1, 2)
    assert grading.question_score(PARTIAL, frozenset({"do0", "do2"})) == 0
    assert grading.question_score(PARTIAL, frozenset({"do0", "do1", "do2"})) == Fraction(1, 2)
    assert grading.question_score(PARTIAL, frozenset({"do0", "do1", "do2", "do3"})) == 0


def test_score_rounds_half_up_and_pass_mark_is_inclusive():
    answers = {"a": ["ao0"], "b": ["bo0"], "c": ["co0"], "d": ["do0"]}  # 1 + 0 + 0 + 1/2 = 37.5%
    score, passed, results = grading.grade(SERVED, QUESTIONS, answers, 38)
    assert score == 38 and passed
    assert [r["correct"] for r in results] == [True, False, False, False]
    assert grading.grade(SERVED, QUESTIONS, answers, 39)[1] is False


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"a": ["ao0"], "b": ["bo1"], "c": ["co0"]}, "Answer every question"),
        ({"a": ["ao0"], "b": ["bo1"], "c": ["co0"], "d": ["do0"], "zz": ["x"]}, "not part of this attempt"),
        ({"a": ["bo1"], "b": ["bo1"], "c": ["co0"], "d": ["do0"]}, "does not belong"),
        ({"a": ["ao0", "ao1"], "b": ["bo1"], "c": ["co0"], "d": ["do0"]}, "exactly one"),
        ({"a": ["nope"], "b": ["bo1"], "c": ["co0"], "d": ["do0"]}, "does not belong"),
        ({"a": ["ao0"], "b": ["bo1"], "c": ["co0", "co0"], "d": ["do0"]}, "twice"),
    ],
)
def test_tampered_answers_are_rejected(answers, message):
    with pytest.raises(AnswerError, match=message):
        grading.grade(SERVED, QUESTIONS, answers, 50)


@st.composite
def multiple_question_and_selection(draw):
    flags = draw(st.lists(st.booleans(), min_size=3, max_size=8).filter(lambda f: any(f)))
    question = q("m", "multiple", flags, partial=draw(st.booleans()))
    selected = draw(st.sets(st.sampled_from([o.id for o in question.options]), min_size=1))
    return question, frozenset(selected)


@given(multiple_question_and_selection())
def test_question_score_is_between_0_and_1_and_full_only_for_the_exact_set(case):
    question, selected = case
    score = grading.question_score(question, selected)
    assert 0 <= score <= 1
    assert (score == 1) == (selected == question.correct_ids)


@given(multiple_question_and_selection())
def test_partial_credit_never_scores_below_all_or_nothing(case):
    question, selected = case
    strict = Question(question.id, "multiple", question.options, False)
    partial = Question(question.id, "multiple", question.options, True)
    assert grading.question_score(partial, selected) >= grading.question_score(strict, selected)


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=12))
def test_shuffle_is_a_permutation_and_keeps_true_false_order(seed, n):
    questions = [q(f"q{i}", "single" if i % 2 else "true_false", [True, False, False][: 2 + i % 2]) for i in range(n)]
    served = grading.serve(questions, shuffle=True, rng=random.Random(seed))
    assert sorted(e["q"] for e in served) == sorted(x.id for x in questions)
    by_id = {x.id: x for x in questions}
    for entry in served:
        expected = [o.id for o in by_id[entry["q"]].options]
        assert sorted(entry["o"]) == sorted(expected)
        if by_id[entry["q"]].kind == "true_false":
            assert entry["o"] == expected


def test_shuffle_changes_order_for_some_seed():
    questions = [q(f"q{i}", "single", [True, False, False, False]) for i in range(6)]
    orders = {tuple(e["q"] for e in grading.serve(questions, shuffle=True, rng=random.Random(s))) for s in range(10)}
    assert len(orders) > 1
    assert grading.serve(questions, shuffle=False) == grading.serve(questions, shuffle=False)


@given(st.fractions(min_value=0, max_value=1))
def test_percent_is_whole_and_bounded(f):
    assert 0 <= grading.percent(f) <= 100


@pytest.mark.parametrize("answers", [{"a": "ao0"}, {"a": [1]}, ["ao0"], {"a": None}])
def test_malformed_answers_are_an_answer_error(answers):
    """Fix: a string answer was split into characters instead of being rejected."""
    question = grading.Question("a", "single", (grading.Option("ao0", True), grading.Option("ao1", False)))
    served = grading.serve([question], shuffle=False)
    with pytest.raises(grading.AnswerError, match="malformed"):
        grading.grade(served, {"a": question}, answers, 50)
