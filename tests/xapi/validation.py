"""Checks of a statement's shape against xAPI 1.0.3 (IEEE 9274.1.1), and that it carries no free text."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

from lms.xapi.statements import PLATFORM, VERBS

ISO_DURATION = re.compile(r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$")
CHOICE_CODE = re.compile(r"^[a-z][a-z_]{0,20}$")  # setting, outcome, follow-up, kind: fixed lists


def is_iri(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in {"http", "https"} and parts.netloc)


def is_uuid(value) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


def strings(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def check_activity(activity: dict) -> None:
    assert activity.get("objectType", "Activity") == "Activity"
    assert is_iri(activity["id"]), activity
    assert is_iri(activity["definition"]["type"]), activity


def assert_valid_statement(statement: dict, *, home_page: str) -> None:
    """Required properties, IFIs, IRIs, UUIDs, timestamps and score ranges; every string is an IRI,
    a UUID, a timestamp, a duration, a verb's display, the platform or a choice code: no free text."""
    assert is_uuid(statement["id"])
    actor = statement["actor"]
    assert actor.get("objectType", "Agent") == "Agent"
    ifis = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in actor]
    assert ifis == ["account"], "exactly one IFI: an account (never an email address)"
    assert set(actor["account"]) == {"homePage", "name"}
    assert actor["account"]["homePage"] == home_page and is_iri(home_page)
    assert is_uuid(actor["account"]["name"])
    assert "name" not in actor, "no person's name"
    verb = statement["verb"]
    assert verb["id"] in VERBS.values() and is_iri(verb["id"])
    assert all(re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", tag) for tag in verb["display"])
    check_activity(statement["object"])
    context = statement["context"]
    assert is_uuid(context["registration"])
    for activities in context.get("contextActivities", {}).values():
        for activity in activities:
            check_activity(activity)
    stamp = dt.datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
    assert stamp.tzinfo is not None
    result = statement.get("result")
    if result is not None:
        score = result.get("score")
        if score is not None:
            assert -1 <= score["scaled"] <= 1
            assert score["min"] <= score["raw"] <= score["max"]
        if "success" in result:
            assert isinstance(result["success"], bool)
        if "duration" in result:
            assert ISO_DURATION.match(result["duration"])
        for key in result.get("extensions", {}):
            assert is_iri(key)
    for path, value in strings(statement):
        if path.startswith(".verb.display."):
            assert value in VERBS, (path, value)
        elif path in {".context.platform"}:
            assert value == PLATFORM
        elif path in {".timestamp", ".stored"} or path == ".version" or path.startswith(".authority"):
            continue
        else:
            assert (
                is_iri(value)
                or is_uuid(value)
                or ISO_DURATION.match(value)
                or CHOICE_CODE.match(value)
                or (value in {"Agent", "Activity"})
            ), f"free text at {path}: {value!r}"
