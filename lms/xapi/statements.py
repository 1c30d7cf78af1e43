"""xAPI 1.0.3 statements (IEEE 9274.1.1) built from outbox events: pure functions, no database.

One event gives at most one statement:

- ``enrolment.created`` → ADL ``registered`` the course (activity type ``…/course``);
- ``module.completed`` → ADL ``experienced`` the module (``…/module``);
- ``quiz.submitted`` → ADL ``passed`` or ``failed`` the module's quiz (``…/assessment``), with a score;
- ``enrolment.completed`` → ADL ``completed`` the course;
- ``challenge.logged`` → ADL ``completed`` the challenge (``…/interaction``): counts and choice codes only.

The actor is an ``account`` (homePage = the site's base URL, name = the person's organisation
membership uuid): pseudonymous, stable for the organisation, the id its HR API already uses, and
never an email address (docs/xapi.md says why). ``context.registration`` is the enrolment's uuid.
Statement ids are ``uuid5(NAMESPACE, "<event uuid>:<verb>")``: a resent event gives the same id,
and the LRS keeps one copy.

Nothing a person typed is ever copied into a statement: the builders read only the keys listed
in ``ALLOWED_FACTS``; challenge entries carry minutes, calm ratings, a setting, an outcome and a
follow-up state (codes from fixed lists), never who, opener, learned or notes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

XAPI_VERSION = "1.0.3"
NAMESPACE = uuid.UUID("6f1a3c52-8d0e-5b7a-9c41-2e7d5a0b9f13")  # fixed: statement ids must never change

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
VERBS = {
    "registered": ADL_VERB + "registered",
    "experienced": ADL_VERB + "experienced",
    "passed": ADL_VERB + "passed",
    "failed": ADL_VERB + "failed",
    "completed": ADL_VERB + "completed",
}
ACTIVITY_TYPES = {
    "course": ADL_ACTIVITY + "course",
    "module": ADL_ACTIVITY + "module",
    "assessment": ADL_ACTIVITY + "assessment",
    "interaction": ADL_ACTIVITY + "interaction",
}
PLATFORM = "wagtail-microlearn"

# The event data keys a statement may read; anything else in an event is ignored.
ALLOWED_FACTS = {
    "enrolment",
    "participant",
    "course",
    "id",
    "module",
    "attempt",
    "score",
    "pass_mark",
    "passed",
    "challenge",
    "kind",
    "minutes",
    "calm_before",
    "calm_after",
    "setting",
    "outcome",
    "follow_up",
}


class NotAStatement(ValueError):
    """The event has no statement (another type, or no participant to attribute it to)."""


def statement_id(event_uuid, kind: str) -> str:
    """Deterministic: the same event and kind always give the same id."""
    return str(uuid.uuid5(NAMESPACE, f"{event_uuid}:{kind}"))


def activity_iri(base_url: str, *parts: str) -> str:
    return "/".join([base_url.rstrip("/"), "xapi", "activities", *parts])


def extension_iri(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/xapi/extensions/{name}"


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _activity(iri: str, activity_type: str) -> dict:
    return {"objectType": "Activity", "id": iri, "definition": {"type": ACTIVITY_TYPES[activity_type]}}


def build(*, event_uuid, event_type: str, occurred_at: dt.datetime, data: Mapping, base_url: str) -> dict:
    """The statement of one outbox event, else ``NotAStatement``."""
    facts = {key: value for key, value in data.items() if key in ALLOWED_FACTS}
    participant = facts.get("participant")
    if not participant:
        raise NotAStatement("no participant")
    registration = facts.get("enrolment") or facts.get("id")
    course = _activity(activity_iri(base_url, "course", str(facts["course"])), "course")
    context: dict = {"registration": str(registration), "platform": PLATFORM, "contextActivities": {}}
    result: dict | None = None

    if event_type == "enrolment.created":
        kind, target = "registered", course
    elif event_type == "enrolment.completed":
        kind, target, result = "completed", course, {"completion": True}
    elif event_type == "module.completed":
        kind = "experienced"
        target = _activity(activity_iri(base_url, "module", str(facts["module"])), "module")
        result = {"completion": True}
        context["contextActivities"] = {"parent": [course]}
    elif event_type == "quiz.submitted":
        score = int(facts["score"])
        kind = "passed" if facts["passed"] else "failed"
        module = _activity(activity_iri(base_url, "module", str(facts["module"])), "module")
        target = _activity(activity_iri(base_url, "module", str(facts["module"]), "quiz"), "assessment")
        result = {
            "score": {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100},
            "success": bool(facts["passed"]),
            "completion": True,
            "extensions": {
                extension_iri(base_url, "attempt"): int(facts["attempt"]),
                extension_iri(base_url, "pass-mark"): int(facts["pass_mark"]),
            },
        }
        context["contextActivities"] = {"parent": [module], "grouping": [course]}
    elif event_type == "challenge.logged":
        kind = "completed"
        target = _activity(activity_iri(base_url, "challenge", str(facts["challenge"])), "interaction")
        extensions: dict = {extension_iri(base_url, "challenge-kind"): str(facts["kind"])}
        result = {"completion": True, "extensions": extensions}
        if facts["kind"] == "practice":
            if facts.get("minutes"):
                result["duration"] = f"PT{int(facts['minutes'])}M"
            for name in ("calm_before", "calm_after"):
                if facts.get(name) is not None:
                    extensions[extension_iri(base_url, name.replace("_", "-"))] = int(facts[name])
        else:
            for name in ("setting", "outcome", "follow_up"):
                if facts.get(name):
                    extensions[extension_iri(base_url, name.replace("_", "-"))] = str(facts[name])
        context["contextActivities"] = {"parent": [course]}
    else:
        raise NotAStatement(event_type)

    if not context["contextActivities"]:
        del context["contextActivities"]
    statement = {
        "id": statement_id(event_uuid, kind),
        "actor": {"objectType": "Agent", "account": {"homePage": base_url.rstrip("/"), "name": str(participant)}},
        "verb": {"id": VERBS[kind], "display": {"en-US": kind}},
        "object": target,
        "context": context,
        "timestamp": _timestamp(occurred_at),
        "version": XAPI_VERSION,
    }
    if result is not None:
        statement["result"] = result
    return statement


STATEMENT_TYPES = ("enrolment.created", "enrolment.completed", "module.completed", "quiz.submitted", "challenge.logged")


def from_event(event, *, base_url: str) -> dict:
    """``build`` for an ``Event`` row."""
    return build(
        event_uuid=event.uuid, event_type=event.type, occurred_at=event.occurred_at, data=event.data, base_url=base_url
    )
