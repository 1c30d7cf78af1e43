"""Cohort admin for non-developers: trainers chosen by name from trainers only, and the
participant import in plain sight with a template to fill in."""

import csv
import io

import pytest
from django.urls import reverse

from lms.admin.cohorts import TEMPLATE_CSV
from lms.services.csv_import import parse_csv
from tests.factories import UserFactory
from tests.factories_cohorts import cohort_for, trainer_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True, first_name="Bo", last_name="Ss"))
    return client


@pytest.fixture
def cohort(mini_programme):
    return cohort_for(mini_programme)


def test_trainers_field_offers_trainers_only_by_full_name(admin_client, cohort):
    trainer = trainer_user(username="t1", first_name="Grace", last_name="Hopper", email="grace@example.com")
    learner = UserFactory(username="learner42", first_name="Lee", last_name="Learner")
    inactive = trainer_user(username="gone", first_name="Old", last_name="Trainer", is_active=False)
    response = admin_client.get(reverse("cohorts:edit", args=[cohort.pk]))
    assert response.status_code == 200
    field = response.context["form"].fields["trainers"]
    offered = set(field.queryset)
    assert trainer in offered
    assert learner not in offered and inactive not in offered
    labels = {value.instance.pk: label for value, label in field.choices if value}
    assert labels[trainer.pk] == "Grace Hopper (grace@example.com)"
    html = response.content.decode()
    assert "Grace Hopper (grace@example.com)" in html
    assert "learner42" not in html and "Lee Learner" not in html
    assert "microlearn_lms/js/searchable-checkboxes.js" in html  # the search box script, a file


def test_saving_the_cohort_keeps_the_chosen_trainer(admin_client, cohort):
    trainer = trainer_user(username="t2", first_name="Alan", last_name="Turing")
    learner = UserFactory(username="learner43")
    url = reverse("cohorts:edit", args=[cohort.pk])
    data = {
        "organisation": cohort.organisation.pk,
        "course": cohort.course.pk,
        "name": cohort.name,
        "start_date": cohort.start_date.isoformat(),
        "end_date": "",
        "trainers": [trainer.pk],
    }
    assert admin_client.post(url, data).status_code == 302
    assert list(cohort.trainers.all()) == [trainer]
    response = admin_client.post(url, {**data, "trainers": [learner.pk]})
    assert response.status_code == 200  # a non-trainer is refused, not saved
    assert list(cohort.trainers.all()) == [trainer]


def test_import_button_is_on_the_cohort_page_and_in_the_list(admin_client, cohort):
    import_url = reverse("microlearn_lms_cohort_import", args=[cohort.pk])
    edit = admin_client.get(reverse("cohorts:edit", args=[cohort.pk]))
    header_labels = {b.label: b.url for b in edit.context["header_buttons"]}
    assert header_labels["Import participants"] == import_url
    assert import_url in edit.content.decode()
    listing = admin_client.get(reverse("cohorts:index"))
    assert import_url in listing.content.decode()


def test_import_page_links_the_template_and_back_to_the_cohort(admin_client, cohort):
    html = admin_client.get(reverse("microlearn_lms_cohort_import", args=[cohort.pk])).content.decode()
    assert reverse("microlearn_lms_cohort_import_template") in html
    assert reverse("cohorts:edit", args=[cohort.pk]) in html


def test_template_downloads_as_a_csv_the_import_accepts(admin_client):
    response = admin_client.get(reverse("microlearn_lms_cohort_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["email", "first name", "last name", "external id"],
        ["ada.lovelace@example.com", "Ada", "Lovelace", "E0001"],
    ]
    assert text == TEMPLATE_CSV
    parsed = parse_csv(response.content)
    assert parsed.errors == [] and len(parsed.rows) == 1
    assert parsed.rows[0]["email"] == "ada.lovelace@example.com"


def test_template_is_for_cohort_editors_only(client):
    client.force_login(UserFactory(username="plain", is_staff=True))
    response = client.get(reverse("microlearn_lms_cohort_import_template"))
    assert response.status_code in (302, 403)


def test_an_editor_with_the_change_cohort_permission_may_import(client, cohort):
    """The permission is checked by the app label, microlearn_lms (it read `lms.` before, which
    no one but a superuser ever had)."""
    from django.contrib.auth.models import Permission

    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="change_cohort", content_type__app_label="microlearn_lms"),
    )
    client.force_login(editor)
    assert client.get(reverse("microlearn_lms_cohort_import", args=[cohort.pk])).status_code == 200
    assert client.get(reverse("microlearn_lms_cohort_import_template")).status_code == 200
