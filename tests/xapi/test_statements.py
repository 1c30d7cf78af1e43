"""Statement builders: pure functions from outbox events to xAPI 1.0.3 statements."""

import datetime as dt
import json
import uuid

import pytest

from lms.xapi import statements
from lms.xapi.statements import NotAStatement, build, statement_id

from .validation import assert_valid_statement

BASE = "https://lms.example.org"
WHEN = dt.datetime(2026, 3, 4, 9, 30, 15, 123456, tzinfo=dt.UTC)
ENROLMENT, PERSON, COURSE, MODULE, CHALLENGE = (str(uuid.uuid4()) for _ in range(5))
LEARNING = {"enrolment": ENROLMENT, "participant": PERSON, "course": COURSE}
ENROLMENT_DATA = {"id": ENROLMENT, "participant": PERSON, "course": COURSE, "cohort": str(uuid.uuid4())}

CASES = {
    "registered": ("enrolment.created", ENROLMENT_DATA | {"status": "active"}),
    "course completed": ("enrolment.completed", ENROLMENT_DATA | {"status": "completed"}),
    "module": ("module.completed", LEARNING | {"module": MODULE}),
    "quiz passed": (
        "quiz.submitted",
        LEARNING | {"module": MODULE, "attempt": 2, "score": 80, "pass_mark": 70, "passed": True},
    ),
    "quiz failed": (
        "quiz.submitted",
        LEARNING | {"module": MODULE, "attempt": 1, "score": 0, "pass_mark": 70, "passed": False},
    ),
    "conversation": (
        "challenge.logged",
        LEARNING
        | {"challenge": CHALLENGE, "kind": "networking", "setting": "canteen", "outcome": "meeting"}
        | {"follow_up": "planned", "log": str(uuid.uuid4())},
    ),
    "practice": (
        "challenge.logged",
        LEARNING
        | {"challenge": CHALLENGE, "kind": "practice", "minutes": 12, "calm_before": 3, "calm_after": 8}
        | {"log": str(uuid.uuid4())},
    ),
}
EXPECTED = {  # verb, object path, activity type
    "registered": ("registered", f"course/{COURSE}", "course"),
    "course completed": ("completed", f"course/{COURSE}", "course"),
    "module": ("experienced", f"module/{MODULE}", "module"),
    "quiz passed": ("passed", f"module/{MODULE}/quiz", "assessment"),
    "quiz failed": ("failed", f"module/{MODULE}/quiz", "assessment"),
    "conversation": ("completed", f"challenge/{CHALLENGE}", "interaction"),
    "practice": ("completed", f"challenge/{CHALLENGE}", "interaction"),
}


def make(case, event_uuid=None, base=BASE):
    event_type, data = CASES[case]
    return build(
        event_uuid=event_uuid or uuid.uuid4(), event_type=event_type, occurred_at=WHEN, data=data, base_url=base
    )


@pytest.mark.parametrize("case", CASES)
def test_each_event_gives_its_verb_object_actor_registration_and_timestamp(case):
    statement = make(case)
    verb, path, activity_type = EXPECTED[case]
    assert statement["verb"] == {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}}
    assert statement["object"]["id"] == f"{BASE}/xapi/activities/{path}"
    assert statement["object"]["definition"]["type"] == f"http://adlnet.gov/expapi/activities/{activity_type}"
    assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": BASE, "name": PERSON}}
    assert statement["context"]["registration"] == ENROLMENT
    assert statement["timestamp"] == "2026-03-04T09:30:15.123Z"
    assert_valid_statement(statement, home_page=BASE)


def test_quiz_results_carry_a_scaled_score_success_and_the_attempt():
    passed, failed = make("quiz passed"), make("quiz failed")
    assert passed["result"]["score"] == {"scaled": 0.8, "raw": 80, "min": 0, "max": 100}
    assert passed["result"]["success"] is True and failed["result"]["success"] is False
    assert failed["result"]["score"] == {"scaled": 0.0, "raw": 0, "min": 0, "max": 100}
    assert passed["result"]["extensions"] == {
        f"{BASE}/xapi/extensions/attempt": 2,
        f"{BASE}/xapi/extensions/pass-mark": 70,
    }
    assert passed["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/xapi/activities/module/{MODULE}"
    assert passed["context"]["contextActivities"]["grouping"][0]["id"] == f"{BASE}/xapi/activities/course/{COURSE}"


def test_practice_and_conversations_send_counts_and_codes_only():
    practice, conversation = make("practice"), make("conversation")
    assert practice["result"]["duration"] == "PT12M"
    assert practice["result"]["extensions"] == {
        f"{BASE}/xapi/extensions/challenge-kind": "practice",
        f"{BASE}/xapi/extensions/calm-before": 3,
        f"{BASE}/xapi/extensions/calm-after": 8,
    }
    assert conversation["result"]["extensions"] == {
        f"{BASE}/xapi/extensions/challenge-kind": "networking",
        f"{BASE}/xapi/extensions/setting": "canteen",
        f"{BASE}/xapi/extensions/outcome": "meeting",
        f"{BASE}/xapi/extensions/follow-up": "planned",
    }


def test_statement_ids_are_deterministic_per_event_and_kind():
    event = uuid.uuid4()
    first, again = make("quiz passed", event), make("quiz passed", event)
    assert first["id"] == again["id"] == statement_id(event, "passed")
    assert first == again
    assert make("quiz passed")["id"] != first["id"]  # another event
    assert statement_id(event, "failed") != first["id"]  # another kind
    assert str(uuid.UUID(first["id"])) == first["id"] and uuid.UUID(first["id"]).version == 5
    # Fixed namespace: the id of a given event never changes between releases.
    assert statement_id("00000000-0000-0000-0000-000000000001", "registered") == str(
        uuid.uuid5(statements.NAMESPACE, "00000000-0000-0000-0000-000000000001:registered")
    )


def test_free_text_in_an_event_never_reaches_a_statement():
    secrets = {
        "who": "Jane Doe from Payroll",
        "opener": "Nice weather",
        "learned": "She runs the fair",
        "notes": "private thoughts",
        "email": "jane@example.com",
        "name": "Jane Doe",
        "first_name": "Jane",
    }
    for case, (event_type, data) in CASES.items():
        statement = build(
            event_uuid=uuid.uuid4(), event_type=event_type, occurred_at=WHEN, data=data | secrets, base_url=BASE
        )
        text = json.dumps(statement)
        assert not any(secret in text for secret in secrets.values()), case
        assert_valid_statement(statement, home_page=BASE)


def test_the_base_url_is_the_accounts_home_page_and_the_activities_root():
    statement = make("module", base="https://learn.acme.test/")
    assert statement["actor"]["account"]["homePage"] == "https://learn.acme.test"
    assert statement["object"]["id"].startswith("https://learn.acme.test/xapi/activities/module/")


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("enrolment.created", ENROLMENT_DATA | {"participant": None}),  # no membership: nobody to attribute it to
        ("certificate.issued", {"id": str(uuid.uuid4()), "participant": PERSON, "course": COURSE}),
        ("participant.erased", {"id": PERSON, "participant": PERSON, "course": COURSE}),
    ],
)
def test_events_without_a_statement(event_type, data):
    with pytest.raises(NotAStatement):
        build(event_uuid=uuid.uuid4(), event_type=event_type, occurred_at=WHEN, data=data, base_url=BASE)
