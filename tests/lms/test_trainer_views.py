"""Trainer pages: the permission matrix over every trainer URL, exports, nudges, /learn/."""

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import ModulePage
from lms.exports import safe_cell
from lms.models import FollowUp, NudgeLog, Setting
from lms.roles import trainer_permission
from lms.services import CohortError, cohort_add_participant, nudge_send
from tests.factories import CohortFactory, UserFactory
from tests.factories_cohorts import ChallengeFactory, cohort_for, entry, participant, progress, trainer_user

pytestmark = pytest.mark.django_db

TRAINER_URLS = [
    ("microlearn_lms:trainer-cohorts", False),
    ("microlearn_lms:trainer-cohort", True),
    ("microlearn_lms:trainer-participant", True),
    ("microlearn_lms:trainer-nudge", True),
    ("microlearn_lms:trainer-export-progress", True),
    ("microlearn_lms:trainer-export-entries", True),
]


@pytest.fixture
def world(mini_programme):
    trainer_a, trainer_b = trainer_user(username="trainer-a"), trainer_user(username="trainer-b")
    cohort_a = cohort_for(mini_programme, trainers=[trainer_a])
    cohort_b = cohort_for(mini_programme, trainers=[trainer_b])
    in_b = participant(cohort_b, last_activity=timezone.now() - dt.timedelta(days=10))
    in_a = participant(cohort_a)
    staff = UserFactory(username="staff", is_staff=True)
    return {
        "trainer_a": trainer_a,
        "trainer_b": trainer_b,
        "cohort_b": cohort_b,
        "in_b": in_b,
        "in_a": in_a,
        "participant": in_b.user,
        "staff": staff,
    }


def url_for(name, needs_cohort, world):
    if not needs_cohort:
        return reverse(name)
    args = [world["cohort_b"].pk]
    if name == "microlearn_lms:trainer-participant":
        args.append(world["in_b"].pk)
    url = reverse(name, args=args)
    return url + f"?participant={world['in_b'].pk}" if name == "microlearn_lms:trainer-nudge" else url


# Every URL is about cohort B: its own trainer and staff are allowed, everyone else is not.
EXPECTED = {"anonymous": 302, "participant": 403, "other_trainer": 404, "own_trainer": 200, "staff": 200}
OWN_TRAINER_SEES = {
    "microlearn_lms:trainer-cohorts": lambda cohort, member: cohort.name,
    "microlearn_lms:trainer-cohort": lambda cohort, member: cohort.name,
    "microlearn_lms:trainer-participant": lambda cohort, member: member.get_full_name() or member.username,
    "microlearn_lms:trainer-nudge": lambda cohort, member: member.get_full_name() or member.username,
    "microlearn_lms:trainer-export-progress": lambda cohort, member: member.email,
    "microlearn_lms:trainer-export-entries": lambda cohort, member: "name",  # the header row; B has no entries
}
USERS = {"participant": "participant", "other_trainer": "trainer_a", "own_trainer": "trainer_b", "staff": "staff"}


@pytest.mark.parametrize(("name", "needs_cohort"), TRAINER_URLS)
@pytest.mark.parametrize("who", list(EXPECTED))
def test_permission_matrix(client, world, name, needs_cohort, who):
    user = world[USERS[who]] if who in USERS else None
    if user:
        client.force_login(user)
    response = client.get(url_for(name, needs_cohort, world))
    expected = EXPECTED[who]
    if who == "other_trainer" and not needs_cohort:
        expected = 200  # their own list, without cohort B
    assert response.status_code == expected
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if who == "other_trainer" and not needs_cohort:
        assert world["cohort_b"].name not in response.content.decode()
    if who == "own_trainer":  # the page is about cohort B's own people, not an empty shell
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        member = world["in_b"].user
        assert OWN_TRAINER_SEES[name](world["cohort_b"], member) in body


# POST-only trainer actions, with their own permission matrix in the named test module.
POST_ONLY_TRAINER_URLS = {"microlearn_lms:trainer-grant-attempt": "tests/lms/test_attempt_grants.py"}


def test_every_trainer_url_is_in_the_matrix():
    from lms.urls import urlpatterns

    names = {f"microlearn_lms:{p.name}" for p in urlpatterns if p.name.startswith("trainer")}
    assert names == {name for name, _ in TRAINER_URLS} | set(POST_ONLY_TRAINER_URLS)


def test_participant_of_another_cohort_is_404_for_a_trainer(client, world):
    client.force_login(world["trainer_a"])
    cohort_a = world["in_a"].cohort
    url = reverse("microlearn_lms:trainer-participant", args=[cohort_a.pk, world["in_b"].pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("microlearn_lms:trainer-participant", args=[cohort_a.pk, world["in_a"].pk])).status_code
        == 200
    )


def test_nudge_post_to_another_cohort_is_404_and_sends_nothing(client, world):
    client.force_login(world["trainer_a"])
    response = client.post(
        reverse("microlearn_lms:trainer-nudge", args=[world["cohort_b"].pk]), {"participant": world["in_b"].pk}
    )
    assert response.status_code == 404 and not mail.outbox


def read_csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Zoë", "Zoë"),
        (7, 7),
        (None, ""),
        (True, "yes"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_exports_stream_utf8_with_bom_and_neutralise_formulas(client, world, mini_programme):
    staff = world["staff"]
    challenge = ChallengeFactory(course=mini_programme, week=1)
    evil = UserFactory(first_name='=HYPERLINK("http://x")', last_name="Zoë")
    e = participant(world["cohort_b"], user=evil)
    entry(e, challenge, who="@boss", notes="-rm", learned="+1", setting=Setting.CANTEEN)
    progress(e, ModulePage.objects.get(slug="first"), best=90, attempts=1, passed=True)
    client.force_login(staff)
    response = client.get(reverse("microlearn_lms:trainer-export-progress", args=[world["cohort_b"].pk]))
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    rows_progress_header = rows[0]
    assert rows[0][:4] == ["name", "email", "status", "progress %"]
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x") Zoë' in names
    response = client.get(reverse("microlearn_lms:trainer-export-entries", args=[world["cohort_b"].pk]))
    rows = read_csv(response)
    header, data = rows[0], rows[1]
    assert header[:2] == rows_progress_header[:2] == ["name", "email"]  # the same people columns in both files
    assert data[header.index("name")] == '\'=HYPERLINK("http://x") Zoë'
    assert data[header.index("who")] == "'@boss" and data[header.index("notes")] == "'-rm"
    assert data[header.index("learned")] == "'+1" and data[header.index("programme week")] == "3"
    # Coded values are written as their labels, as in the progress export.
    assert data[header.index("outcome")] == "None yet" and data[header.index("setting")] == "Canteen or coffee point"
    assert data[header.index("follow-up")] in {label for _, label in FollowUp.choices}


def test_nudge_sends_email_to_at_risk_only_logs_and_rate_limits(client, world, django_capture_on_commit_callbacks):
    cohort = world["cohort_b"]
    fine = participant(cohort)
    progress(fine, ModulePage.objects.get(slug="first"), done=True, passed=True)
    progress(fine, ModulePage.objects.get(slug="second"), done=True)
    client.force_login(world["staff"])
    url = reverse("microlearn_lms:trainer-nudge", args=[cohort.pk])
    page = client.get(url, {"participant": [world["in_b"].pk, fine.pk]})
    assert page.status_code == 200 and "not at risk" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            url, {"participant": [world["in_b"].pk, fine.pk], "note": "Coffee on Friday?"}, follow=True
        )
    assert len(callbacks) == 1  # the worker sends it: one task queued on commit, for the one at-risk person
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world["in_b"].user.email]
    assert "Coffee on Friday?" in mail.outbox[0].body
    log = NudgeLog.objects.get()
    assert log.enrolment_id == world["in_b"].pk and log.sent_by == world["staff"] and log.reasons
    assert log.emailed_at is not None and log.body == mail.outbox[0].body
    assert "not at risk" in response.content.decode()
    again = client.post(url, {"participant": [world["in_b"].pk]}, follow=True)
    assert len(mail.outbox) == 1 and "already nudged" in again.content.decode()
    drill = client.get(reverse("microlearn_lms:trainer-participant", args=[cohort.pk, world["in_b"].pk]))
    assert "Coffee on Friday?" in drill.content.decode()


def test_nudge_sender_hourly_limit(world, monkeypatch):
    from lms.services import cohorts as cohort_services

    monkeypatch.setattr(cohort_services, "NUDGE_SENDER_HOURLY_LIMIT", 1)
    cohort = world["cohort_b"]
    other = participant(cohort, last_activity=timezone.now() - dt.timedelta(days=8))
    result = nudge_send(cohort=cohort, sender=world["staff"], enrolment_ids=[world["in_b"].pk, other.pk])
    assert len(result.sent) == 1 and "nudges this hour" in result.skipped[0]
    with pytest.raises(CohortError):
        nudge_send(cohort=cohort, sender=world["staff"], enrolment_ids=[], note="x")


def test_one_running_cohort_per_course(mini_programme):
    user = UserFactory()
    running = cohort_for(mini_programme)
    other = cohort_for(mini_programme)
    cohort_add_participant(cohort=running, user=user)
    assert cohort_add_participant(cohort=running, user=user).cohort_id == running.pk  # idempotent
    with pytest.raises(CohortError, match="already in the running cohort"):
        cohort_add_participant(cohort=other, user=user)
    running.end_date = timezone.localdate() - dt.timedelta(days=1)
    running.start_date = running.end_date - dt.timedelta(days=30)
    running.save()
    assert cohort_add_participant(cohort=other, user=user).cohort_id == other.pk


def test_learn_page_shows_the_participants_cohort(client, world):
    cohort = world["cohort_b"]
    client.force_login(world["participant"])
    body = client.get(reverse("microlearn_lms:learn")).content.decode()
    assert cohort.name in body and "Cohort week 3" in body
    assert world["cohort_b"].trainers.get().get_full_name() in body
    assert "Cohorts you train" not in body


def test_trainer_pages_render_for_a_cohort_without_participants(client, mini_programme):
    trainer = trainer_user()
    cohort = CohortFactory(course=mini_programme, start_date=timezone.localdate() + dt.timedelta(days=5))
    cohort.trainers.add(trainer)
    client.force_login(trainer)
    assert client.get(reverse("microlearn_lms:trainer-cohorts")).status_code == 200
    response = client.get(reverse("microlearn_lms:trainer-cohort", args=[cohort.pk]), {"page": "99", "sort": "bogus"})
    assert response.status_code == 200 and "No participant matches" in response.content.decode()


def test_a_nudge_is_emailed_by_the_worker_once_and_shows_queued_until_then(client, world):
    from lms.services.cohorts import nudge_email_deliver

    cohort = world["cohort_b"]
    nudge_send(cohort=cohort, sender=world["staff"], enrolment_ids=[world["in_b"].pk], note="See you Monday")
    log = NudgeLog.objects.get()
    assert mail.outbox == [] and log.emailed_at is None  # on-commit callbacks did not run: still queued
    client.force_login(world["staff"])
    drill = reverse("microlearn_lms:trainer-participant", args=[cohort.pk, world["in_b"].pk])
    assert "queued for sending" in client.get(drill).content.decode()
    assert nudge_email_deliver(nudge_id=log.pk) is True
    assert nudge_email_deliver(nudge_id=log.pk) is False  # a re-run (worker retried) sends nothing more
    assert len(mail.outbox) == 1 and "See you Monday" in mail.outbox[0].body
    log.refresh_from_db()
    assert log.emailed_at is not None and "queued for sending" not in client.get(drill).content.decode()


# --- The cohort table: pages of 50, the at-risk link (issue 16, item 3) -------------------------
def test_the_table_shows_50_rows_a_page_with_filter_and_sort_kept(client, mini_programme):
    trainer = trainer_user()
    cohort = cohort_for(mini_programme, trainers=[trainer])
    stale = timezone.now() - dt.timedelta(days=9)
    people = [
        participant(cohort, first_name=f"P{i:02d}", last_name="Page", last_activity=stale if i % 4 == 0 else None)
        for i in range(53)
    ]
    client.force_login(trainer)
    url = reverse("microlearn_lms:trainer-cohort", args=[cohort.pk])
    first = client.get(url, {"sort": "name"})
    body = first.content.decode()
    assert body.count('<th scope="row" class="col-name">') == 50
    assert "P00 Page" in body and "P49 Page" in body and "P50 Page" not in body
    assert "showing 1\N{EN DASH}50 (page 1 of 2, 50 a page)" in body
    assert 'href="?sort=name&amp;page=2" rel="next"' in body  # the sort stays in the link
    second = client.get(url, {"sort": "name", "page": "2"}).content.decode()
    assert second.count('<th scope="row" class="col-name">') == 3 and "P52 Page" in second
    # every participant is two modules behind (week 3 of a two-module course): all at risk
    assert f"<strong>{len(people)}</strong> at risk</a>" in body
    by_name = client.get(url, {"q": "P1", "sort": "-name"}).content.decode()
    assert "10 participants match." in by_name
    assert by_name.index("P19 Page") < by_name.index("P10 Page")


def test_the_at_risk_count_links_to_the_at_risk_filter(client, mini_programme):
    trainer = trainer_user()
    cohort = cohort_for(mini_programme, trainers=[trainer])
    idle = participant(cohort, first_name="Idle", last_name="One", last_activity=timezone.now() - dt.timedelta(days=8))
    fine = participant(cohort, first_name="Fine", last_name="Two")
    for module in ModulePage.objects.child_of(mini_programme):
        progress(idle, module, done=True, passed=True)
        progress(fine, module, done=True, passed=True)
    client.force_login(trainer)
    url = reverse("microlearn_lms:trainer-cohort", args=[cohort.pk])
    body = client.get(url, {"sort": "-progress", "page": "1"}).content.decode()
    link = re.search(r'<a href="([^"]+)" class="at-risk-link"[^>]*><strong>(\d+)</strong> at risk</a>', body)
    assert link and link.group(2) == "1"
    href = html.unescape(link.group(1))
    assert href.startswith("?") and "at_risk=1" in href and "sort=-progress" in href and "page=" not in href
    filtered = client.get(url + href.split("#")[0]).content.decode()
    assert "Idle One" in filtered and "Fine Two" not in filtered
    assert "No activity for 8 days" in filtered  # the reasons, under the name
    assert 'id="at_risk" name="at_risk" value="1" checked' in filtered


def test_the_drill_down_pluralises_and_writes_valid_times(client, world, mini_programme):
    cohort = world["cohort_b"]
    challenge = ChallengeFactory(course=mini_programme, week=1)
    entry(world["in_b"], challenge, outcome="meeting")
    nudge_send(cohort=cohort, sender=world["staff"], enrolment_ids=[world["in_b"].pk])
    client.force_login(world["staff"])
    body = client.get(reverse("microlearn_lms:trainer-participant", args=[cohort.pk, world["in_b"].pk])).content
    body = body.decode()
    assert "<strong>1</strong> win</li>" in body and "1 wins" not in body
    assert "<strong>0</strong> overdue follow-ups</li>" in body
    stamps = re.findall(r'<time datetime="([^"]+)"', body)
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", s) for s in stamps)


# --- Where signing in leads ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "lands"),
    [("trainer", "/trainer/cohorts/"), ("participant", "/learn/"), ("staff", "/learn/"), ("superuser", "/learn/")],
)
def test_login_lands_trainers_on_their_cohorts(client, who, lands):
    if who == "trainer":
        user = trainer_user(username="t")
    else:
        user = UserFactory(username="u", is_staff=who in ("staff", "superuser"), is_superuser=who == "superuser")
        if who == "staff":
            user.user_permissions.add(trainer_permission())  # a staff trainer keeps the learner's home
    response = client.post(reverse("login"), {"username": user.username, "password": "pw-for-tests"})
    assert response.status_code == 302 and response["Location"] == lands
    assert client.get(reverse("microlearn_lms:start"))["Location"] == lands  # LOGIN_REDIRECT_URL's view
    assert client.get(lands).status_code == 200


def test_login_with_next_goes_there_even_for_a_trainer(client):
    trainer_user(username="t")
    response = client.post(reverse("login") + "?next=/learn/account/", {"username": "t", "password": "pw-for-tests"})
    assert response["Location"] == "/learn/account/"
    client.logout()
    evil = client.post(reverse("login") + "?next=https://evil.example/", {"username": "t", "password": "pw-for-tests"})
    assert evil["Location"] == "/trainer/cohorts/"  # an unsafe next is ignored


def test_login_redirect_setting_names_the_dispatching_view(settings):
    assert reverse(settings.LOGIN_REDIRECT_URL) == reverse("microlearn_lms:start") == "/start/"


def test_start_needs_a_login(client):
    response = client.get(reverse("microlearn_lms:start"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
