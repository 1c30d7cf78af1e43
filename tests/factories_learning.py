"""Builders for learning-record tests: quiz modules of any size, answers, attempts."""

import uuid

from courses.models import ModulePage
from lms import services


def quiz_blocks(n_questions: int, n_options: int = 4, *, seed: str = "q") -> list[dict]:
    """``n_questions`` single-choice questions whose first option is correct."""
    return [
        {
            "type": "question",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}/{i}")),
            "value": {
                "kind": "single",
                "text": f"Question {i}?",
                "partial_credit": False,
                "explanation": f"EXPLANATION-{i}",
                "options": [
                    {
                        "type": "item",
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}/{i}/{j}")),
                        "value": {"text": f"Option {i}.{j}", "correct": j == 0, "feedback": f"FEEDBACK-{i}-{j}"},
                    }
                    for j in range(n_options)
                ],
            },
        }
        for i in range(n_questions)
    ]


def add_quiz_module(course, *, slug: str, n_questions: int = 10, n_options: int = 4, **fields) -> ModulePage:
    title = fields.pop("title", slug.title())
    module = ModulePage(title=title, slug=slug, quiz=quiz_blocks(n_questions, n_options, seed=slug), **fields)
    course.add_child(instance=module)
    module.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk)


def right_answers(attempt, module) -> dict[str, list[str]]:
    questions = services.quiz.questions_of(module)
    return {e["q"]: sorted(questions[e["q"]].correct_ids) for e in attempt.served}


def wrong_answers(attempt, module) -> dict[str, list[str]]:
    questions = services.quiz.questions_of(module)
    return {e["q"]: [next(o for o in e["o"] if o not in questions[e["q"]].correct_ids)] for e in attempt.served}


def as_post(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"q-{qid}": options for qid, options in answers.items()}
