"""Journey: a new participant enrols in the demo's Micro-connections course, fails then passes a quiz, and
completes the course, every quiz included. Correct options are looked up in the database,
since the pages never reveal them before grading."""

import pytest

from courses.models import CoursePage, ModulePage
from lms.services.quiz import questions_of
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def answer(page, module, *, right: bool):
    """Tick the right (or a wrong) option of every served question, from its option ids."""
    questions = questions_of(module)
    for fieldset in page.locator(".quiz-question fieldset").all():
        values = [box.get_attribute("value") for box in fieldset.locator("input").all()]
        question = next(q for q in questions.values() if set(values) == {o.id for o in q.options})
        chosen = sorted(question.correct_ids) if right else [next(v for v in values if v not in question.correct_ids)]
        for value in chosen:
            fieldset.locator(f'input[value="{value}"]').check()
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/result/")


def confirm_and_pass(page, module):
    page.goto(module.url)
    page.get_by_role("button", name="I have read this module").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/learn/attempts/**")
    answer(page, module, right=True)
    assert page.locator(".result-verdict").inner_text() == "Passed"


def test_participant_takes_the_demo_course_from_enrolment_to_completion(page, demo_programme, assert_accessible):
    # The demo participant is already enrolled through the demo cohort; a newcomer enrols here.
    newcomer = UserFactory(username="newcomer")
    course = CoursePage.objects.get(slug="micro-connections")
    modules = [m.specific for m in course.modules()]
    assert modules and all(m.has_quiz for m in modules)

    # 1. Log in and enrol.
    login(page, newcomer.username, "pw-for-tests")
    assert "not enrolled in a course yet" in page.content()
    page.goto(course.url)
    page.get_by_role("button", name="Enrol in this course").click()
    assert page.get_by_text(f"You are enrolled in {course.title}").is_visible()
    assert page.get_by_text(f"0 of {len(modules)} required modules completed").is_visible()

    # 2. Read the first module and confirm it (nothing opened yet: the button says "Start").
    assert page.get_by_role("link", name="Continue where you left off").count() == 0
    page.get_by_role("link", name="Start the course").click()
    assert page.get_by_role("heading", level=1).inner_text() == modules[0].title
    page.get_by_role("button", name="I have read this module").click()
    assert page.get_by_text("You have confirmed reading this module").first.is_visible()
    assert_accessible(page)

    # 3. Fail the quiz and see the feedback (marks only: this quiz reveals answers after a pass).
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/learn/attempts/**")
    assert_accessible(page)
    answer(page, modules[0], right=False)
    assert page.locator(".result-verdict").inner_text() == "Not passed"
    assert page.locator(".mark-wrong").count() == len(modules[0].quiz)
    assert page.locator(".tag-correct, .explanation").count() == 0
    assert_accessible(page)

    # 4. Retry and pass; now the correct answers and explanations show.
    page.get_by_role("button", name="Try again").click()
    page.wait_for_url("**/learn/attempts/**")
    answer(page, modules[0], right=True)
    assert page.locator(".result-verdict").inner_text() == "Passed"
    assert page.locator(".tag-correct").count() >= len(modules[0].quiz)
    assert page.locator(".explanation").count() == len(modules[0].quiz)
    assert page.get_by_role("link", name="Attempt 1").is_visible()
    assert_accessible(page)

    # 5. The progress bar moved.
    page.goto("/learn/")
    assert page.get_by_text(f"1 of {len(modules)} required modules completed").is_visible()
    # The course's progress bar (the practice-badge section on /learn/ has <progress> bars of its own).
    my_courses = page.locator("section", has=page.get_by_role("heading", name="My courses"))
    assert my_courses.get_by_label(f"1 of {len(modules)} required modules completed").get_attribute("value") == "1"
    assert_accessible(page)
    page.get_by_role("link", name="Continue where you left off").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == modules[1].title

    # 6. Finish the course and see it as completed.
    for module in modules[1:]:
        confirm_and_pass(page, module)
    assert page.get_by_role("heading", name=f"You completed {course.title}").is_visible()
    page.goto("/learn/")
    completed = page.locator("section", has=page.get_by_role("heading", name="Completed courses"))
    assert completed.get_by_role("link", name=course.title).is_visible()
    # No course left in progress: "My courses" shows no progress bar, only that all are finished.
    my_courses = page.locator("section", has=page.get_by_role("heading", name="My courses"))
    assert my_courses.locator("progress").count() == 0
    assert my_courses.get_by_text("You have finished all your courses.").is_visible()
    page.goto(course.url)
    assert page.get_by_text("Completed on").first.is_visible()
    assert ModulePage.objects.live().child_of(course).count() == len(modules)
