"""Completion as a moment (issue 16, item 4), the course hero and course cards (item 7)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from courses.models import CoursePage
from lms import services
from lms.models import Certificate, CertificateStatus, ModuleProgress
from lms.selectors.completion import PREPARING, READY, REVOKED, completion_panel
from lms.selectors.learning import progress_by_module, summarise
from lms.services import certificates as certificate_services
from tests.factories import UserFactory
from tests.factories_certificates import completed_enrolment, issued_certificate
from tests.factories_cohorts import ChallengeFactory

pytestmark = pytest.mark.django_db


def sibling_course(course, slug="next-course", title="The next course"):
    nxt = CoursePage(title=title, slug=slug, summary="Then this.")
    course.get_parent().add_child(instance=nxt)
    nxt.save_revision().publish()
    return nxt


def course_page(client, enrolment):
    client.force_login(enrolment.user)
    response = client.get(enrolment.course.url)
    assert response.status_code == 200
    return response.content.decode()


def test_no_panel_while_the_course_is_active(client, mini_programme):
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    assert completion_panel(enrolment=enrolment) is None
    assert "completion-panel" not in course_page(client, enrolment)


def test_certificate_not_created_yet_reads_as_being_prepared_with_a_refresh_link(client, mini_programme):
    enrolment = completed_enrolment(mini_programme)
    panel = completion_panel(enrolment=enrolment)
    assert (panel.certificate, panel.certificate_state) == (None, PREPARING)
    body = course_page(client, enrolment)
    assert f"You completed {mini_programme.title}" in body
    assert "Being prepared" in body
    assert f'href="{mini_programme.url}">Refresh this page</a>' in body
    assert "Download certificate (PDF)" not in body
    assert "<script" not in body.split("completion-panel")[1].split("</section>")[0]  # no JS while pending


def test_pending_certificate_reads_as_being_prepared(client, mini_programme):
    enrolment = completed_enrolment(mini_programme)
    certificate = certificate_services.certificate_issue(enrolment=enrolment)
    assert certificate.status == CertificateStatus.PENDING
    assert completion_panel(enrolment=enrolment).certificate_state == PREPARING
    assert "Being prepared" in course_page(client, enrolment)


def test_issued_certificate_offers_download_linkedin_and_the_verification_link(client, mini_programme):
    certificate = issued_certificate(mini_programme)
    enrolment = certificate.enrolment
    panel = completion_panel(enrolment=enrolment)
    assert panel.certificate_state == READY
    body = course_page(client, enrolment)
    assert reverse("microlearn_lms:certificate_download", kwargs={"uuid": certificate.uuid}) in body
    assert "Download certificate (PDF)" in body
    assert "https://www.linkedin.com/profile/add?" in body and "Add to LinkedIn" in body
    assert f'value="{panel.verify_url}"' in body and certificate.verification_code in panel.verify_url
    assert "microlearn_lms/js/certificates.js" in body  # copy-link enhancement, from a static file


def test_revoked_certificate_says_so(client, mini_programme):
    certificate = issued_certificate(mini_programme)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.REVOKED, revoked_reason="Issued in error", revoked_at=timezone.now()
    )
    assert completion_panel(enrolment=certificate.enrolment).certificate_state == REVOKED
    body = course_page(client, certificate.enrolment)
    assert "Revoked" in body and "Issued in error" in body and "Download certificate" not in body


def test_next_steps_name_the_next_course_and_the_practice(client, mini_programme):
    enrolment = completed_enrolment(mini_programme)
    panel = completion_panel(enrolment=enrolment)
    assert panel.next_course is None and panel.challenges_url == ""
    nxt = sibling_course(mini_programme)
    ChallengeFactory(course=mini_programme)
    panel = completion_panel(enrolment=enrolment)
    assert panel.next_course.pk == nxt.pk
    assert panel.challenges_url == reverse("microlearn_lms:challenges", args=[mini_programme.pk])
    body = course_page(client, enrolment)
    assert "Next course: The next course" in body
    assert "Keep practising with the weekly challenges" in body
    assert "Set an if-then plan" in body


def test_the_final_result_page_shows_the_panel(client, mini_programme):
    from tests.factories_certificates import complete_course

    user = UserFactory()
    enrolment = services.enrolment_create(user=user, course=mini_programme)
    complete_course(enrolment)
    attempt = enrolment.quiz_attempts.order_by("-submitted_at").first()
    client.force_login(user)
    body = client.get(reverse("microlearn_lms:attempt_result", args=[attempt.uuid])).content.decode()
    assert f"You completed {mini_programme.title}" in body and "What next?" in body


def test_minutes_left_sums_the_required_modules_not_completed(mini_programme):
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    modules = list(mini_programme.modules().specific())
    required = [m for m in modules if m.required]
    assert len(required) >= 2
    summary = summarise(enrolment=enrolment, modules=modules, progress={})
    assert summary.minutes_left == sum(m.estimated_minutes for m in required)
    services.module_open(enrolment=enrolment, module=required[0])
    ModuleProgress.objects.filter(enrolment=enrolment, module=required[0]).update(completed_at="2026-01-01T00:00Z")
    summary = summarise(enrolment=enrolment, modules=modules, progress=progress_by_module(enrolment=enrolment))
    assert summary.minutes_left == sum(m.estimated_minutes for m in required[1:])


def test_course_hero_shows_progress_and_time_left(client, mini_programme):
    enrolment = services.enrolment_create(user=UserFactory(), course=mini_programme)
    minutes = sum(m.estimated_minutes for m in mini_programme.modules().specific() if m.required)
    body = course_page(client, enrolment)
    hero = body.split('class="course-hero"')[1].split("</header>")[0]
    assert f"About {minutes} minutes left" in hero
    assert "(0%)" in hero and "<progress" in hero
    assert "Start the course" in hero


def test_cards_fall_back_to_the_shipped_illustration_or_use_the_course_image(client, mini_programme):
    index = mini_programme.get_parent()
    response = client.get(index.url)
    assert f"microlearn_courses/img/course-{mini_programme.pk % 4 + 1}.svg" in response.content.decode()
    image = Image.objects.create(title="Cover", file=get_test_image_file())
    mini_programme.image = image
    mini_programme.save_revision().publish()
    body = client.get(index.url).content.decode()
    assert "microlearn_courses/img/course-" not in body
    assert "images/" in body and 'class="card-image"' in body


# The course page of a completed participant: the page and its modules, the enrolment and its
# progress, then the completion panel's four (certificate, certificate settings, next course,
# challenges), whatever the course holds.
COURSE_PAGE_COMPLETED_QUERIES = 21


def test_course_page_queries_for_a_completed_participant_are_fixed(client, mini_programme, django_assert_num_queries):
    certificate = issued_certificate(mini_programme)
    sibling_course(mini_programme)
    ChallengeFactory(course=mini_programme)
    client.force_login(certificate.enrolment.user)
    client.get(mini_programme.url)  # warm-up: Wagtail caches the site root paths
    with django_assert_num_queries(COURSE_PAGE_COMPLETED_QUERIES):
        response = client.get(mini_programme.url)
    assert "Download certificate (PDF)" in response.content.decode()
