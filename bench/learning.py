"""Benchmark: the module page (with its quiz) and /learn/ stay flat as a participant's data grows.

Run standalone: ``.venv/bin/python bench/learning.py`` (or ``make bench``). Uses a throwaway
SQLite database unless DATABASE_URL is set. Compares, for one logged-in participant:

* the module page of a 2-question quiz with 1 past attempt vs a 10-question, 10-option quiz with
  25 past attempts;
* /learn/ with 1 enrolment vs 8 enrolments (one of them completed).

Prints the query count and the median time of each; query counts must be equal.
"""

from __future__ import annotations

import sys

from _harness import ROOT, RUNS, measure, setup

THROWAWAY = setup("learning")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from courses.loader import ProgrammeLoader  # noqa: E402
from courses.models import CourseIndexPage, CoursePage  # noqa: E402
from lms import services  # noqa: E402
from tests.factories_learning import add_quiz_module, wrong_answers  # noqa: E402


def course_with_quiz(index, slug, n_questions, n_options):
    course = CoursePage(title=f"Bench {slug}", slug=slug, summary="Benchmark course.")
    index.add_child(instance=course)
    course.save_revision().publish()
    module = add_quiz_module(course, slug=f"{slug}-quiz", n_questions=n_questions, n_options=n_options)
    return CoursePage.objects.get(pk=course.pk), module


def participant(username, course, module, attempts):
    user, _ = get_user_model().objects.get_or_create(username=username)
    enrolment = services.enrolment_create(user=user, course=course)
    for _ in range(attempts):
        attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
        services.quiz_attempt_submit(attempt=attempt, answers=wrong_answers(attempt, module))
    return user


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    ProgrammeLoader(ROOT / "fixtures" / "demo_programme.json").load()
    index = CourseIndexPage.objects.get()
    small_course, small_module = course_with_quiz(index, "small", 2, 3)
    large_course, large_module = course_with_quiz(index, "large", 10, 10)
    small = participant("bench-small", small_course, small_module, 1)
    large = participant("bench-large", large_course, large_module, 25)
    for i in range(6):  # more enrolments for the large participant
        course, _ = course_with_quiz(index, f"extra-{i}", 3, 4)
        services.enrolment_create(user=large, course=course)

    results = {}
    for label, user, module in (("small", small, small_module), ("large", large, large_module)):
        client = Client()
        client.force_login(user)
        results[("module page", label)] = measure(client, module.url)
        results[("/learn/", label)] = measure(client, "/learn/")

    print(f"Learning records benchmark ({connection.vendor}, median of {RUNS} requests)")
    print("small: 2-question quiz, 1 attempt, 1 enrolment | large: 10x10 quiz, 25 attempts, 7 enrolments")
    print(f"{'page':<14} {'queries S':>10} {'queries L':>10} {'ms S':>8} {'ms L':>8} {'time ratio':>11}")
    constant = True
    for page in ("module page", "/learn/"):
        (qs, ts), (ql, tl) = results[(page, "small")], results[(page, "large")]
        constant &= qs == ql
        print(f"{page:<14} {qs:>10} {ql:>10} {ts:>8.1f} {tl:>8.1f} {tl / ts:>11.2f}")
    print("query counts constant:", "yes" if constant else "NO")
    if THROWAWAY is not None:
        THROWAWAY.unlink(missing_ok=True)
    if not constant:
        sys.exit(1)


if __name__ == "__main__":
    main()
