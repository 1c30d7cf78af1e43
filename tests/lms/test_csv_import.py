"""CSV bulk add: good, mixed and malformed files; preview, confirm, re-run; the admin views."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lms.models import CohortImport, Enrolment, ImportStatus, OrganisationMember
from lms.services import CsvImportError, csv_import_confirm, csv_import_preview
from lms.services.csv_import import MAX_ROWS, csv_import_run, parse_csv
from tests.factories import UserFactory
from tests.factories_api import MemberFactory
from tests.factories_cohorts import cohort_for, participant

pytestmark = pytest.mark.django_db
User = get_user_model()

GOOD = (
    "email,first name,last name,external id\n"
    "ann@example.com,Ann,Archer,E001\n"
    "BOB@example.com,Bob,Baker,E002\n"
    "zoe@example.com,Zoë,Żak,E003\n"
)


@pytest.fixture
def cohort(mini_programme):
    return cohort_for(mini_programme)


def run(cohort, text):
    return csv_import_preview(cohort=cohort, data=text.encode())


def confirm(job, capture):
    with capture(execute=True):
        csv_import_confirm(cohort_import=job)
    job.refresh_from_db()
    return job


def test_good_file_previews_then_imports_in_one_go_and_reruns_without_duplicates(
    cohort, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="bob@example.com", first_name="Robert")
    MemberFactory(organisation=cohort.organisation, user=existing, external_id="")  # already the organisation's
    outsider = UserFactory(email="zoe@example.com", is_staff=True)  # someone else's account: never attached
    job = run(cohort, GOOD)
    assert (job.created_users, job.reused_users, job.errors) == (2, 1, [])
    assert not Enrolment.objects.filter(cohort=cohort).exists()  # preview saves no participant
    job = confirm(job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.processed == 3
    assert Enrolment.objects.filter(cohort=cohort).count() == 3
    existing.refresh_from_db()
    assert existing.first_name == "Robert"  # an existing user's name is kept
    assert OrganisationMember.objects.get(user=existing).external_id == "E002"
    zoe = OrganisationMember.objects.get(organisation=cohort.organisation, email="zoe@example.com")
    assert zoe.owns_account and zoe.user != outsider
    assert zoe.user.last_name == "Żak" and not zoe.user.has_usable_password()
    assert not outsider.enrolments.exists() and not outsider.memberships.exists()
    again = confirm(run(cohort, GOOD), django_capture_on_commit_callbacks)
    assert (again.created_users, again.reused_users) == (0, 3)
    assert User.objects.count() == 4 and OrganisationMember.objects.count() == 3
    assert Enrolment.objects.filter(cohort=cohort).count() == 3
    assert csv_import_confirm(cohort_import=again).status == ImportStatus.DONE  # confirming twice is a no-op


def test_mixed_file_reports_each_error_on_its_own_line(cohort, mini_programme, django_capture_on_commit_callbacks):
    MemberFactory(organisation=cohort.organisation, user=UserFactory(email="taken@example.com"), external_id="E900")
    busy = UserFactory(email="busy@example.com")
    MemberFactory(organisation=cohort.organisation, user=busy, external_id="")
    participant(cohort_for(mini_programme, organisation=cohort.organisation), user=busy)
    text = (
        "Email;First Name;Last Name;External ID\n"
        "good@example.com;Good;Row;E100\n"
        "not-an-email;Bad;Email;E101\n"
        ";No;Email;E102\n"
        "good@example.com;Dup;Email;E103\n"
        "other@example.com;Dup;External;E100\n"
        "new@example.com;Steals;Id;E900\n"
        "busy@example.com;In;Other;E104\n"
        "wide@example.com;Too;Many;E105;extra\n"
        "\n"
        "fine@example.com;Fine;;\n"
    )
    job = run(cohort, text)
    assert job.message == "Semicolon-separated file."
    assert [r["email"] for r in job.rows] == ["good@example.com", "fine@example.com"]
    assert job.errors == [
        "Row 3: “not-an-email” is not a valid email address.",
        "Row 4: the email is missing.",
        "Row 5: the email good@example.com is already on row 2.",
        "Row 6: the external id E100 is already on row 2.",
        "Row 7: the external id E900 already belongs to taken@example.com.",
        f"Row 8: busy@example.com is already in the running cohort “{busy.enrolments.get().cohort.name}”.",
        "Row 9: 5 columns, but the header names 4.",
    ]
    job = confirm(job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and Enrolment.objects.filter(cohort=cohort).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"email,first name,last name,external id\n", "no participants"),
        ("\ufeffemail,first name,last name,external id\nann@example.com,Ann,A,1\n".encode(), None),
        ("email,first name,last name,external id\nzoe@example.com,Zoë,Z,1\n".encode("latin-1"), "not UTF-8"),
        ("email,first name\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04 rest of a zip", "spreadsheet file"),
        (b"ann@example.com,Ann,Archer,E1\n", "missing the column(s): email, first name, last name, external id"),
        (b"mail,first name,last name,external id\nx@example.com,a,b,c\n", "missing the column(s): email"),
        (b"email,first\x00name", "binary"),
    ],
)
def test_malformed_files_get_a_clear_message(cohort, data, message):
    if message is None:
        parsed = parse_csv(data)
        assert parsed.rows[0]["email"] == "ann@example.com" and not parsed.errors
        return
    with pytest.raises(CsvImportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        csv_import_preview(cohort=cohort, data=data)
    assert not CohortImport.objects.exists()


def test_row_limit(cohort):
    rows = "".join(f"p{i}@example.com,P,{i},{i}\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(CsvImportError, match="5,001 rows; the limit is 5,000"):
        csv_import_preview(cohort=cohort, data=("email,first name,last name,external id\n" + rows).encode())


def test_a_conflict_arising_after_the_preview_skips_only_that_row(cohort, django_capture_on_commit_callbacks):
    job = run(cohort, GOOD)
    MemberFactory(organisation=cohort.organisation, user=UserFactory(email="late@example.com"), external_id="E003")
    job = confirm(job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE
    assert job.errors == ["Row 4: the external id E003 already belongs to late@example.com."]
    assert Enrolment.objects.filter(cohort=cohort).count() == 2


def test_an_import_left_running_by_a_dead_worker_runs_again_from_the_start(cohort, django_capture_on_commit_callbacks):
    job = run(cohort, GOOD)
    CohortImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed=2)  # killed mid-import
    job = csv_import_run(import_id=job.pk)  # the task, given back by the reaper, runs again
    assert job.status == ImportStatus.DONE and job.processed == 3
    assert Enrolment.objects.filter(cohort=cohort).count() == 3
    assert csv_import_run(import_id=job.pk).status == ImportStatus.DONE  # a finished import is left alone
    assert Enrolment.objects.filter(cohort=cohort).count() == 3


def test_admin_upload_preview_confirm_and_progress(admin_client, cohort, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("microlearn_lms_cohort_import", args=[cohort.pk])
    assert admin_client.get(url).status_code == 200
    bad = admin_client.post(url, {"file": SimpleUploadedFile("people.csv", b"", content_type="text/csv")})
    assert bad.status_code == 200 and "empty" in bad.content.decode()
    latin = "email,first name,last name,external id\nzoe@example.com,Zoë,Z,1\n".encode("latin-1")
    bad = admin_client.post(url, {"file": SimpleUploadedFile("people.csv", latin)})
    assert bad.status_code == 200 and "not UTF-8" in bad.content.decode()
    response = admin_client.post(url, {"file": SimpleUploadedFile("people.csv", GOOD.encode())})
    assert response.status_code == 302
    job = CohortImport.objects.get()
    preview = admin_client.get(response["Location"])
    assert preview.status_code == 200 and "ann@example.com" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(response["Location"])
    progress = admin_client.get(done["Location"])
    assert "Imported." in progress.content.decode() and 'http-equiv="refresh"' not in progress.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_admin_progress_page_refreshes_while_running(admin_client, cohort):
    job = CohortImport.objects.create(cohort=cohort, status=ImportStatus.RUNNING, total=200, processed=50)
    page = admin_client.get(reverse("microlearn_lms_cohort_import_progress", args=[cohort.pk, job.pk]))
    body = page.content.decode()
    assert 'http-equiv="refresh"' in body and "50 of 200 rows (25%)" in body


def test_admin_import_needs_cohort_permission(client, cohort):
    user = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(reverse("microlearn_lms_cohort_import", args=[cohort.pk])).status_code in (302, 403)


def test_admin_viewsets_list_and_search(admin_client, cohort):
    assert admin_client.get("/admin/cohorts/", {"q": cohort.name}).status_code == 200
    assert admin_client.get("/admin/organisations/", {"q": cohort.organisation.name}).status_code == 200
    edit = admin_client.get(f"/admin/cohorts/edit/{cohort.pk}/")
    assert (
        edit.status_code == 200 and reverse("microlearn_lms_cohort_import", args=[cohort.pk]) in edit.content.decode()
    )
