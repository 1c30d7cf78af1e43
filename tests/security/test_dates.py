"""Sane ranges on every date: forms, the admin, the API and the programme loader refuse dates
outside MICROLEARN_DATE_MIN..MICROLEARN_DATE_MAX (2000-01-01..2100-12-31) with a clear error.

Found: an API cohort starting 9999-12-20 was accepted, and its participants then got a 500
(OverflowError in weeks.week_bounds) on the challenge and wins pages.
"""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.loader import ProgrammeLoader
from courses.models import Challenge
from lms.admin.cohorts import CohortViewSet
from lms.models import ChallengeLog, Cohort
from tests.conftest import MINI_PROGRAMME
from tests.factories import CohortFactory
from tests.factories_challenges import ChallengeFactory
from tests.factories_cohorts import participant

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = ["9999-12-20", "9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"]
MESSAGE = "Enter a date between 2000-01-01 and 2100-12-31."


@pytest.mark.parametrize("start", OUT_OF_RANGE)
def test_api_refuses_a_cohort_outside_the_range(token_client, mini_programme, start):
    body = {"name": "Far", "course": str(mini_programme.translation_key), "start_date": start}
    response = token_client.post("/api/v1/cohorts/", body, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["detail"], e["code"]) for e in response.json()["errors"]] == [
        ("start_date", MESSAGE, "date_out_of_range")
    ]
    assert not Cohort.objects.filter(name="Far").exists()


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [("2026-01-05", "9999-12-31", 400), ("2000-01-01", "2100-12-31", 201)],
    ids=["end-outside", "both-edges-inside"],
)
def test_api_end_dates_and_the_edges_of_the_range(token_client, mini_programme, start, end, status):
    body = {"name": "Cohort", "course": str(mini_programme.translation_key), "start_date": start, "end_date": end}
    response = token_client.post("/api/v1/cohorts/", body, format="json")
    assert response.status_code == status
    if status == 400:
        assert MESSAGE in response.content.decode() and not Cohort.objects.exists()


def test_the_range_is_a_setting(token_client, mini_programme, settings):
    settings.MICROLEARN_DATE_MIN = dt.date(2020, 1, 1)
    body = {"name": "Old", "course": str(mini_programme.translation_key), "start_date": "2019-06-01"}
    response = token_client.post("/api/v1/cohorts/", body, format="json")
    assert response.status_code == 400 and "2020-01-01" in response.content.decode()


def test_the_admin_cohort_form_refuses_dates_outside_the_range(mini_programme):
    form_class = CohortViewSet().get_form_class()
    cohort = CohortFactory(course=mini_programme)
    data = {
        "organisation": cohort.organisation_id,
        "course": mini_programme.pk,
        "name": "Far",
        "start_date": "9999-12-20",
    }
    form = form_class(data=data)
    assert not form.is_valid() and form.errors["start_date"] == [MESSAGE]


def test_models_refuse_dates_outside_the_range(mini_programme):
    cohort = CohortFactory.build(course=mini_programme, start_date=dt.date(9999, 12, 20))
    with pytest.raises(ValidationError) as error:
        cohort.full_clean(exclude=["organisation"])
    assert error.value.message_dict["start_date"] == [MESSAGE]


def test_pages_of_a_cohort_at_the_end_of_the_calendar_answer_not_500(client, mini_programme):
    """Rows stored before the validation existed must not break the pages."""
    ChallengeFactory(course=mini_programme, week=1)
    cohort = CohortFactory(course=mini_programme, start_date=dt.date(9999, 12, 20))
    Cohort.objects.filter(pk=cohort.pk).update(start_date=dt.date(9999, 12, 20))
    enrolment = participant(cohort)
    client.force_login(enrolment.user)
    for name in ("microlearn_lms:challenges", "microlearn_lms:challenge_wins"):
        assert client.get(reverse(name, args=[mini_programme.pk])).status_code == 200


def test_the_practice_log_form_refuses_dates_outside_the_range(client, mini_programme):
    challenge = ChallengeFactory(course=mini_programme, week=1)
    cohort = CohortFactory(course=mini_programme, start_date=dt.date(2026, 1, 5))
    enrolment = participant(cohort)
    client.force_login(enrolment.user)
    data = {
        "log-challenge": str(challenge.uuid),
        "log-occurred_on": "9999-12-31",
        "log-setting": "canteen",
        "log-follow_up": "planned",
        "log-follow_up_due": "9999-12-31",
        "log-outcome": "none_yet",
    }
    response = client.post(reverse("microlearn_lms:challenges", args=[mini_programme.pk]), data)
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert not ChallengeLog.objects.exists()


def test_the_programme_loader_refuses_a_week_outside_the_programme(tmp_path):
    data = json.loads(MINI_PROGRAMME.read_text())
    data["courses"][0].setdefault("challenges", []).append({"week": 9999, "title": "Far", "brief": "x"})
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError):
        ProgrammeLoader(path).load()
    assert not Challenge.objects.exists()  # nothing half-saved: the load is one transaction
