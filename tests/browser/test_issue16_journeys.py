"""Issue 16's finished items as journeys at 1366 px and 390 px (docs/quality.md): the cohort import
(button, template CSV, preview, invitations), the certificate design preview, the quiz editor's two
options and partial credit, the trainers chooser, and the labelled challenge-entries export.
The HTML of every page they open goes through the Nu HTML Checker (tests/browser/conftest.py)."""

import csv
import io
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.factories_challenges import ChallengeFactory
from tests.factories_cohorts import cohort_for, entry, participant, trainer_user

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_import_participants_from_the_cohort_page(sized_page, mini_programme, tmp_path):
    page = sized_page
    cohort = cohort_for(mini_programme, name="Spring pilot")
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    UserFactory(username="known", email="known@example.com", first_name="Kim", last_name="Known")
    log_in(page, "boss")
    page.goto(reverse("cohorts:edit", args=[cohort.pk]))
    page.get_by_role("link", name="Import participants").first.click()
    page.get_by_role("heading", name="Import participants").first.wait_for()
    no_horizontal_scroll(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the template (CSV)").click()
    template = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert next(csv.reader(io.StringIO(template))) == ["email", "first name", "last name", "external id"]

    upload = tmp_path / "people.csv"
    upload.write_text(template.splitlines()[0] + "\nnew.one@example.com,Nia,New,E7\nknown@example.com,Kim,Known,E8\n")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="New users").wait_for()
    assert page.get_by_text("new.one@example.com").is_visible()
    no_horizontal_scroll(page)

    page.get_by_role("button", name="Import 2 good rows").click()
    expect(page.get_by_text("Imported.")).to_be_visible(timeout=30_000)
    assert cohort.enrolments.count() == 2
    invitations = [m for m in mail.outbox if "new.one@example.com" in m.to]
    assert len(invitations) == 1  # the new person is invited; the known one already has an account
    no_horizontal_scroll(page)


def test_certificate_design_preview_is_a_pdf(sized_page, live_server, mini_programme):
    page = sized_page
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    log_in(page, "boss")
    page.goto("/admin/settings/microlearn_lms/certificatesettings/")
    link = page.get_by_role("link", name="Preview certificate (PDF)")
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_quiz_editor_two_options_and_partial_credit(sized_page, mini_programme):
    page = sized_page
    UserFactory(username="author", is_staff=True, is_superuser=True)
    log_in(page, "author")
    page.goto(f"/admin/pages/add/microlearn_courses/modulepage/{mini_programme.pk}/")
    page.get_by_role("tab", name="Quiz").click()
    quiz = page.locator("#tab-quiz")
    quiz.locator("button[title='Insert a block']").first.click()
    question = quiz.locator(".ml-quiz-question").first
    expect(question).to_be_visible()
    expect(question.locator("[data-contentpath='options'] [data-contentpath='text'] input")).to_have_count(2)
    partial = question.locator("[data-contentpath='partial_credit']").first
    expect(partial).to_be_hidden()
    question.get_by_label("Multiple choice").check()
    expect(partial).to_be_visible()


def test_trainers_chooser_offers_trainers_by_name(sized_page, mini_programme):
    page = sized_page
    cohort = cohort_for(mini_programme)
    trainer_user(username="t1", first_name="Grace", last_name="Hopper")
    trainer_user(username="t2", first_name="Alan", last_name="Turing")
    UserFactory(username="boss", is_staff=True, is_superuser=True, first_name="Bo", last_name="Ss")
    UserFactory(username="learner", first_name="Lee", last_name="Learner")
    log_in(page, "boss")
    page.goto(reverse("cohorts:edit", args=[cohort.pk]))
    search = page.get_by_label("Search the list below by name or email")
    expect(page.get_by_text("Grace Hopper")).to_be_visible()
    expect(page.get_by_text("Lee Learner")).to_have_count(0)  # only trainers are offered
    search.fill("turing")
    expect(page.get_by_text("Grace Hopper")).to_be_hidden()
    expect(page.get_by_text("Alan Turing")).to_be_visible()


def test_trainer_downloads_entries_with_labels(sized_page, mini_programme):
    page = sized_page
    coach = trainer_user(username="coach", first_name="Tess", last_name="Rahman")
    cohort = cohort_for(mini_programme, trainers=[coach], name="Northwind Pilot")
    challenge = ChallengeFactory(course=mini_programme, week=1, target=2)
    kofi = participant(cohort, first_name="Kofi", last_name="Mensah", email="kofi@example.com")
    entry(kofi, challenge, outcome="meeting", setting="canteen", who="a colleague", notes="Coffee")
    log_in(page, "coach")
    page.goto(reverse("microlearn_lms:trainer-cohort", args=[cohort.pk]))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="challenge entries (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert list(row)[:2] == ["name", "email"]  # the same people columns as progress.csv
    assert (row["name"], row["email"]) == ("Kofi Mensah", "kofi@example.com")
    assert (row["setting"], row["outcome"]) == ("Canteen or coffee point", "A meeting")  # labels, not codes
