"""Commit order on PostgreSQL: one connection holds a long bulk transaction open while others
commit and a reader pages through the events and completions feeds. Nothing is missed, nothing
repeated, nothing out of order (the order a reader saw is the feed's final order)."""

import threading
import time

import pytest
from django.db import connection, transaction

from lms.models import Enrolment, Event
from lms.services import enrolment as enrolment_services
from tests.api.conftest import make_client
from tests.factories import UserFactory
from tests.factories_api import MemberFactory, api_key_for, cohort_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite has one writer"),
    pytest.mark.django_db(transaction=True),
]


def members(organisation, n):
    return [MemberFactory(organisation=organisation, user=UserFactory()).user for _ in range(n)]


def enrol(user, cohort):
    return enrolment_services.enrolment_create(user=user, course=cohort.course, cohort=cohort, source="api")


class Poller:
    """Reads a feed page by page through its stored ``next`` link, as an HR system would."""

    def __init__(self, client, url, key):
        self.client, self.link, self.key, self.seen = client, url + "?page_size=3", key, []

    def poll(self):
        while True:
            data = self.client.get(self.link).json()
            self.seen += [self.key(row) for row in data["results"]]
            self.link = data["next"]
            if not data["has_more"]:
                return


@pytest.mark.parametrize(
    ("url", "key", "final"),
    [
        (
            "/api/v1/events/",
            lambda row: row["id"],
            lambda: [str(u) for u in Event.objects.values_list("uuid", flat=True)],
        ),
        (
            "/api/v1/completions/",
            lambda row: (row["id"], row["status"]),
            lambda: [
                (str(e.uuid), e.status)
                for e in Enrolment.objects.order_by("feed_txid", "feed_seq").filter(cohort__isnull=False)
            ],
        ),
    ],
    ids=["events", "completions"],
)
def test_a_long_transaction_never_slips_behind_a_reader(organisation, mini_programme, url, key, final):
    cohort = cohort_for(organisation, mini_programme)
    client = make_client(api_key_for(organisation)[1])
    bulk_users, other_users = members(organisation, 5), members(organisation, 6)
    enrol(other_users[0], cohort)  # something to read before the bulk starts
    poller = Poller(client, url, key)
    poller.poll()
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def bulk():
        try:
            with transaction.atomic():
                for user in bulk_users:
                    enrol(user, cohort)
                started.set()
                assert release.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            started.set()
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=bulk)
    thread.start()
    assert started.wait(30)
    # Others commit after the bulk began; the reader polls between every commit.
    for user in other_users[1:]:
        enrol(user, cohort)
        poller.poll()
    first = Enrolment.objects.filter(user=other_users[1]).get()
    enrolment_services.enrolment_withdraw(enrolment=first)  # a row changes again
    poller.poll()
    seen_before_release = list(poller.seen)
    release.set()
    thread.join(30)
    assert done.is_set() and not errors, errors
    expected = final()
    # Transaction ids are cluster-wide: an open transaction of another database on the same server
    # (another test process) also holds the feed back for a moment. Poll until caught up.
    deadline = time.monotonic() + 30
    while len(set(poller.seen)) < len(set(expected)) and time.monotonic() < deadline:
        poller.poll()
        time.sleep(0.05)
    # Nothing committed after the bulk began was shown while the bulk was open (at most the row
    # read before it started; none when another database's transaction held the feed back too).
    assert len(seen_before_release) <= 1, "rows committed after the bulk began must wait for it"
    assert seen_before_release == poller.seen[: len(seen_before_release)]
    assert len(poller.seen) == len(set(poller.seen)), "repeated"
    if url == "/api/v1/events/":
        assert poller.seen == expected, "missed or out of order"
    else:
        # A row changed again appears again at its new place: the last version of each row is current.
        last = dict(poller.seen)
        assert last == dict(expected)
        assert [row for row in poller.seen if row in expected] == expected
