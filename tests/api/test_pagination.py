"""Keyset pagination and the completions feed: sizes, caps, no row missed or repeated while rows
change between pages, and a constant number of queries whatever the page size."""

import datetime as dt

import pytest
from django.utils import timezone

from lms import services
from lms.models import Enrolment
from tests.factories import UserFactory
from tests.factories_api import EnrolmentFactory, MemberFactory, cohort_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(organisation, mini_programme):
    return cohort_for(organisation, mini_programme)


def enrol_many(organisation, cohort, n):
    out = []
    for _ in range(n):
        member = MemberFactory(organisation=organisation, user=UserFactory())
        out.append(EnrolmentFactory(user=member.user, course=cohort.course, cohort=cohort))
    return out


def walk(client, url, params=None, *, between=None):
    rows, response = [], client.get(url, params or {})
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        rows += data["results"]
        pages += 1
        more = data.get("has_more", data["next"] is not None)
        if not more or not data["results"]:
            return rows, data
        if between:
            between(pages)
        response = client.get(data["next"])


def test_page_size_default_max_and_cap(token_client, organisation, settings):
    from tests.factories_api import MemberFactory

    MemberFactory.create_batch(205, organisation=organisation)
    assert len(token_client.get("/api/v1/participants/").json()["results"]) == 50
    assert len(token_client.get("/api/v1/participants/", {"page_size": 10}).json()["results"]) == 10
    capped = token_client.get("/api/v1/participants/", {"page_size": 1000}).json()
    assert len(capped["results"]) == 200 and capped["next"]
    assert token_client.get("/api/v1/participants/", {"page_size": 0}).status_code == 400


def test_list_neither_misses_nor_repeats_while_rows_change(token_client, organisation, cohort):
    originals = enrol_many(organisation, cohort, 23)
    deleted = set()

    def change(page):
        # Between pages: status changes, a new row, and a deletion of a row not yet reached.
        services.enrolment_withdraw(enrolment=originals[page])
        enrol_many(organisation, cohort, 1)
        victim = originals[-page]
        deleted.add(str(victim.uuid))
        victim.delete()

    rows, _ = walk(token_client, "/api/v1/enrolments/", {"page_size": 5}, between=change)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a row was repeated"
    expected = {str(e.uuid) for e in originals} - deleted
    assert expected <= set(ids), "a row was missed"


def test_feed_delivers_every_change_once_in_order(token_client, organisation, cohort):
    originals = enrol_many(organisation, cohort, 17)
    changed_later = []

    def change(page):
        # A row already seen changes again, and so does one not yet seen.
        for enrolment in (originals[page - 1], originals[-page]):
            if enrolment.pk not in changed_later and Enrolment.objects.get(pk=enrolment.pk).is_active:
                services.enrolment_withdraw(enrolment=enrolment)
                changed_later.append(enrolment.pk)

    rows, last = walk(token_client, "/api/v1/completions/", {"page_size": 4}, between=change)
    versions = [(row["id"], row["updated_at"]) for row in rows]
    assert len(versions) == len(set(versions)), "a change was delivered twice"
    stamps = [(row["updated_at"], row["id"]) for row in rows]
    assert [row["updated_at"] for row in rows] == sorted(row["updated_at"] for row in rows)
    final = {row["id"]: row["status"] for row in rows}  # the last version seen of each row
    for enrolment in Enrolment.objects.filter(cohort=cohort):
        assert final[str(enrolment.uuid)] == enrolment.status, "the latest change was missed"
    assert stamps
    # Polling the stored link later returns only newer changes.
    services.enrolment_withdraw(enrolment=Enrolment.objects.filter(status="active").first())
    again = token_client.get(last["next"]).json()
    assert len(again["results"]) == 1 and again["results"][0]["status"] == "withdrawn"


def test_feed_updated_since_and_status_filter(token_client, organisation, cohort):
    old = enrol_many(organisation, cohort, 3)
    Enrolment.objects.filter(pk__in=[e.pk for e in old]).update(updated_at=timezone.now() - dt.timedelta(days=2))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    fresh = enrol_many(organisation, cohort, 2)
    services.enrolment_withdraw(enrolment=fresh[0])
    rows = token_client.get("/api/v1/completions/", {"updated_since": since}).json()["results"]
    assert {r["id"] for r in rows} == {str(e.uuid) for e in fresh}
    rows = token_client.get("/api/v1/completions/", {"updated_since": since, "status": "withdrawn"}).json()["results"]
    assert [r["id"] for r in rows] == [str(fresh[0].uuid)]
    assert token_client.get("/api/v1/completions/", {"updated_since": "yesterday"}).status_code == 400


LISTS = ["participants", "cohorts", "enrolments", "completions", "webhooks", "courses"]


@pytest.mark.parametrize("resource", LISTS)
def test_lists_run_a_constant_number_of_queries(
    resource, token_client, organisation, cohort, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.models import ModulePage
    from lms.models import ModuleProgress
    from tests.factories_api import WebhookEndpointFactory

    def grow(n):
        for enrolment in enrol_many(organisation, cohort_for(organisation, cohort.course), n):
            ModuleProgress.objects.create(
                enrolment=enrolment,
                module=ModulePage.objects.get(slug="first"),
                started_at=enrolment.enrolled_at,
                best_score=50,
            )
            WebhookEndpointFactory(organisation=organisation)
        Enrolment.objects.update(updated_at=timezone.now() - dt.timedelta(seconds=1))

    url = f"/api/v1/{resource}/?page_size=200"
    token_client.get(url)  # warm up: last_used_at is written at most once a minute
    grow(2)
    with CaptureQueriesContext(connection) as small:
        few = len(token_client.get(url).json()["results"])
    grow(25)
    with django_assert_num_queries(len(small.captured_queries)):
        response = token_client.get(url)
    if resource not in ("courses", "cohorts"):
        assert len(response.json()["results"]) >= few + 25
    assert len(small.captured_queries) <= 6


def test_feeds_give_the_cursor_of_their_next_link(token_client, organisation, cohort):
    """Generated clients take a ``cursor``: ``next_cursor`` is the one inside ``next``."""
    from urllib.parse import parse_qs, urlsplit

    for enrolment in enrol_many(organisation, cohort, 5)[:3]:
        services.enrolment_withdraw(enrolment=enrolment)  # events for the events feed
    for url in ("/api/v1/completions/", "/api/v1/events/", "/api/v1/participants/"):
        page = token_client.get(url, {"page_size": 2}).json()
        assert page["next_cursor"] == parse_qs(urlsplit(page["next"]).query)["cursor"][0], url
        following = token_client.get(url, {"page_size": 2, "cursor": page["next_cursor"]}).json()
        assert following["results"] and following["results"][0] != page["results"][0], url
