"""Constant query counts: the module page and /learn/ do not grow with the participant's data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail import hooks

from courses.models import CoursePage
from lms import dashboard, services
from tests.factories import UserFactory
from tests.factories_learning import add_quiz_module, right_answers, wrong_answers

pytestmark = pytest.mark.django_db

MODULE_PAGE_QUERIES = 18
LEARN_PAGE_QUERIES = 8


def take(enrolment, module, times, *, last_right=False):
    for i in range(times):
        attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
        answers = right_answers if last_right and i == times - 1 else wrong_answers
        services.quiz_attempt_submit(attempt=attempt, answers=answers(attempt, module))


def test_module_page_queries_do_not_depend_on_questions_options_or_attempts(
    client, mini_programme, django_assert_num_queries
):
    small = add_quiz_module(mini_programme, slug="small", n_questions=2, n_options=2)
    large = add_quiz_module(mini_programme, slug="large", n_questions=10, n_options=10)
    user = UserFactory()
    enrolment = services.enrolment_create(user=user, course=mini_programme)
    take(enrolment, small, 1)
    take(enrolment, large, 25, last_right=True)
    services.quiz_attempt_start(enrolment=enrolment, module=large)  # an open attempt too
    client.force_login(user)
    for module in (small, large):
        client.get(module.url)  # warm-up: the first visit records the start (a write)
    for module in (small, large):
        with django_assert_num_queries(MODULE_PAGE_QUERIES):
            response = client.get(module.url)
        assert response.status_code == 200
    assert "Attempt 25" in response.content.decode()


def make_courses(index, n):
    courses = []
    for i in range(n):
        course = CoursePage(title=f"Course {i}", slug=f"course-{i}", summary="S")
        index.add_child(instance=course)
        course.save_revision().publish()
        for j in range(3):
            add_quiz_module(course, slug=f"c{i}-m{j}", n_questions=3, required=j < 2)
        courses.append(course)
    return courses


def enrol_with_activity(user, courses):
    for course in courses:
        enrolment = services.enrolment_create(user=user, course=course)
        module = course.modules().first().specific
        services.module_confirm_read(enrolment=enrolment, module=module)
        take(enrolment, module, 2, last_right=True)


def count_learn_page(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("microlearn_lms:learn"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_learn_page_queries_do_not_depend_on_the_number_of_enrolments(
    client, mini_programme, django_assert_num_queries
):
    courses = make_courses(mini_programme.get_parent(), 8)
    few, many = UserFactory(), UserFactory()
    enrol_with_activity(few, courses[:1])
    enrol_with_activity(many, courses)
    completed = services.enrolment_create(user=many, course=mini_programme)
    for module in mini_programme.modules().specific():
        services.module_confirm_read(enrolment=completed, module=module)
        if module.has_quiz:
            take(completed, module, 1, last_right=True)

    # This section alone runs a fixed, exact number of queries...
    def only_courses(request, sections):
        sections[:] = [section for section in sections if section.name == "courses"]

    with hooks.register_temporarily(dashboard.CONSTRUCT_HOOK, only_courses):
        for user in (few, many):
            client.force_login(user)
            count_learn_page(client)  # warm-up: Wagtail caches the site root paths
            with django_assert_num_queries(LEARN_PAGE_QUERIES):
                response = client.get(reverse("microlearn_lms:learn"))
            assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<progress") == 8 and "Completed courses" in page

    # ...and the whole page (every registered section) is the same for few and many.
    client.force_login(few)
    count_learn_page(client)
    few_count, _ = count_learn_page(client)
    client.force_login(many)
    many_count, _ = count_learn_page(client)
    assert few_count == many_count
