"""A participant downloads their data, then erases their account, from /learn/account/ (Chromium)."""

import io
import json
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model

from lms.models import OrganisationMember
from tests.factories import OrganisationFactory, UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_download_my_data_then_erase_my_account(page, mini_programme, assert_accessible):
    user = UserFactory(username="petra", email="petra@home.example", first_name="Petra", last_name="Privacy")
    organisation = OrganisationFactory(name="Acme")
    MemberFactory(organisation=organisation, user=user, external_id="HR-5")
    enrolment = EnrolmentFactory(user=user, course=mini_programme, cohort=cohort_for(organisation, mini_programme))
    ChallengeLogFactory(enrolment=enrolment, challenge=ChallengeFactory(course=mini_programme), notes="coffee with Rui")

    page.goto("/accounts/login/")
    page.fill("#id_username", "petra")
    page.fill("#id_password", "pw-for-tests")
    page.click("button:has-text('Log in')")
    page.wait_for_url(re.compile(r"^[^?]*/learn/"))
    page.goto("/learn/account/")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.click("#download-my-data")
    download = download_info.value
    assert download.suggested_filename.startswith("my-data-") and download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as downloaded:
        archive = zipfile.ZipFile(io.BytesIO(downloaded.read()))
    data = json.loads(archive.read("data.json"))
    assert data["account"][0]["email"] == "petra@home.example"
    assert data["organisation_records"][0]["external_id"] == "HR-5"
    assert data["challenge_logs"][0]["notes"] == "coffee with Rui"
    assert "enrolments.csv" in archive.namelist()

    page.click("#erase-my-account")
    page.wait_for_url(re.compile(r"^[^?]*/learn/account/erase/$"))
    assert_accessible(page)
    page.fill("#id_confirmation", "not my password")
    page.click("#confirm-erase")
    assert page.locator("text=That is not your password.").is_visible()
    page.fill("#id_confirmation", "pw-for-tests")
    page.click("#confirm-erase")
    page.wait_for_url(re.compile(r"^[^?]*/account-erased/$"))
    assert page.locator("#erased-confirmation").is_visible()

    account = get_user_model().objects.get(pk=user.pk)
    assert account.email == "" and not account.is_active
    assert not OrganisationMember.objects.filter(erased_at__isnull=True).exists()
    page.goto("/learn/account/")
    page.wait_for_url(re.compile(r"^[^?]*/accounts/login/"))  # logged out
