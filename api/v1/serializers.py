"""Input validation and the documented output shapes of the HR API.

Output is built by the small ``*_json`` functions (plain dicts, UTC ``Z`` timestamps, UUID ids),
which hot list endpoints feed straight from ``.values()`` rows. The ``*Out`` serializers
describe the same shapes for the OpenAPI schema; the schemathesis test checks they agree.
"""

import datetime as dt

from rest_framework import serializers

from api.models import WebhookEvent
from lms.models import EnrolmentSource, EnrolmentStatus, Outcome
from lms.selectors.organisation import parse_quiz_scores
from lms.validators import validate_date_in_range

MAX_BULK_ITEMS = 500


def ts(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Output: plain functions --------------------------------------------------------------


def participant_json(member) -> dict:
    user = member.user
    return {
        "id": str(member.uuid),
        "external_id": member.external_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "active": member.deactivated_at is None,
        "deactivated_at": ts(member.deactivated_at),
        "created_at": ts(member.created_at),
        "updated_at": ts(member.updated_at),
    }


def module_json(module) -> dict:
    return {
        "id": str(module.translation_key),
        "title": module.title,
        "estimated_minutes": module.estimated_minutes,
        "required": module.required,
        "has_quiz": module.has_quiz,
    }


def course_json(course, modules) -> dict:
    return {
        "id": str(course.translation_key),
        "title": course.title,
        "summary": course.summary,
        "estimated_minutes": course.estimated_minutes,
        "modules": [module_json(module) for module in modules],
    }


def cohort_json(cohort) -> dict:
    return {
        "id": str(cohort.uuid),
        "name": cohort.name,
        "course": str(cohort.course.translation_key),
        "start_date": day(cohort.start_date),
        "end_date": day(cohort.end_date),
        "created_at": ts(cohort.created_at),
    }


# Columns read for enrolment rows (``.values()``), shared by the list, retrieve and the feed.
ENROLMENT_COLUMNS = (
    "id",
    "uuid",
    "participant_uuid",
    "cohort__uuid",
    "course_id",
    "course_key",
    "status",
    "source",
    "enrolled_at",
    "completed_at",
    "withdrawn_at",
    "updated_at",
)


def completion_json(row: dict) -> dict:
    """Hot path: UUIDs and (UTC) datetimes are left to the JSON renderer, which writes them as
    strings with a ``Z``, like ``ts()``."""
    return {
        "id": row["uuid"],
        "participant": row["participant_uuid"],
        "cohort": row["cohort__uuid"],
        "course": row["course_key"],
        "status": row["status"],
        "enrolled_at": row["enrolled_at"],
        "completed_at": row["completed_at"],
        "withdrawn_at": row["withdrawn_at"],
        "updated_at": row["updated_at"],
    }


# Enrolment rows add the progress annotations of ``enrolments_with_progress``.
ENROLMENT_PROGRESS_COLUMNS = (*ENROLMENT_COLUMNS, "modules_done", "modules_total", "quiz_scores")


def enrolment_json(row: dict) -> dict:
    out = completion_json(row)
    out["source"] = row["source"]
    out["progress"] = {
        "modules_done": row["modules_done"],
        "modules_total": row["modules_total"],
        "best_quiz_scores": parse_quiz_scores(row["quiz_scores"]),
    }
    return out


def certificate_json(certificate) -> dict:
    from lms.certificates.links import verification_url

    return {
        "id": str(certificate.uuid),
        "serial": certificate.serial,
        "status": certificate.status,
        "verify_url": verification_url(certificate),
        "enrolment": str(certificate.enrolment.uuid),
        "participant": str(certificate.participant_uuid) if certificate.participant_uuid else None,
        "issued_at": ts(certificate.rendered_at or certificate.created_at),
        "expires_at": day(certificate.expires_on),
        "revoked_at": ts(certificate.revoked_at),
    }


def delivery_json(delivery) -> dict:
    return {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": ts(delivery.next_attempt_at),
        "created_at": ts(delivery.created_at),
        "delivered_at": ts(delivery.delivered_at),
        "payload": delivery.payload,
    }


def webhook_json(endpoint, *, with_secret: bool = False) -> dict:
    out = {
        "id": str(endpoint.uuid),
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
        "created_at": ts(endpoint.created_at),
    }
    if with_secret:
        out["secret"] = endpoint.secret
    return out


# --- Input --------------------------------------------------------------------------------


class ParticipantCreateIn(serializers.Serializer):
    email = serializers.EmailField(max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="The HR system's employee number."
    )
    send_welcome_email = serializers.BooleanField(
        required=False, default=False, help_text="Email the person a one-time link to choose their password."
    )


class ParticipantUpdateIn(serializers.Serializer):
    email = serializers.EmailField(max_length=150, required=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CohortCreateIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    course = serializers.UUIDField(help_text="A course id from /courses/.")
    start_date = serializers.DateField(validators=[validate_date_in_range])
    end_date = serializers.DateField(required=False, allow_null=True, default=None, validators=[validate_date_in_range])

    def validate(self, attrs):
        if attrs.get("end_date") and attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "The end date must not be before the start date."})
        return attrs


class EnrolmentCreateIn(serializers.Serializer):
    participant = serializers.UUIDField(help_text="A participant id of your organisation.")
    cohort = serializers.UUIDField(help_text="A cohort id of your organisation; the course is the cohort's.")


class EnrolmentBulkIn(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_BULK_ITEMS, help_text="Up to 500 enrolments."
    )


class WebhookCreateIn(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="HTTPS only; private and loopback addresses are refused.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=len(WebhookEvent)
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- Output shapes, for the schema ----------------------------------------------------------


class ParticipantOut(serializers.Serializer):
    id = serializers.UUIDField()
    external_id = serializers.CharField()
    email = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    active = serializers.BooleanField()
    deactivated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ModuleOut(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    estimated_minutes = serializers.IntegerField()
    required = serializers.BooleanField()
    has_quiz = serializers.BooleanField()


class CourseOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="Stable id (the page's translation key).")
    title = serializers.CharField()
    summary = serializers.CharField()
    estimated_minutes = serializers.IntegerField(help_text="Estimated duration in minutes.")
    modules = ModuleOut(many=True)


class CohortOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    course = serializers.UUIDField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class CompletionOut(serializers.Serializer):
    id = serializers.UUIDField()
    participant = serializers.UUIDField(allow_null=True)
    cohort = serializers.UUIDField(allow_null=True)
    course = serializers.UUIDField()
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class QuizScoreOut(serializers.Serializer):
    module = serializers.UUIDField()
    best_score = serializers.IntegerField(help_text="Best quiz score in percent.")


class ProgressOut(serializers.Serializer):
    modules_done = serializers.IntegerField()
    modules_total = serializers.IntegerField()
    best_quiz_scores = QuizScoreOut(many=True)


class EnrolmentOut(CompletionOut):
    source = serializers.ChoiceField(choices=EnrolmentSource.choices)
    progress = ProgressOut()


class BulkResultOut(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["created", "existing", "error"])
    status = serializers.IntegerField(help_text="The HTTP status this item would have had on its own.")
    enrolment = EnrolmentOut(allow_null=True)
    errors = serializers.ListField(child=serializers.DictField(), required=False)


class BulkOut(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkResultOut(many=True)


class OutcomesOut(serializers.Serializer):
    def get_fields(self):
        return {kind: serializers.IntegerField() for kind in Outcome.values}


class WeekStatsOut(serializers.Serializer):
    week = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    active_participants = serializers.IntegerField()
    entries = serializers.IntegerField()
    follow_ups_done = serializers.IntegerField()
    outcomes = OutcomesOut()


class ChallengeStatsOut(serializers.Serializer):
    cohort = serializers.UUIDField()
    weeks = WeekStatsOut(many=True)


class WebhookOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOut(WebhookOut):
    secret = serializers.CharField(help_text="Shown only in this response: keep it to verify signatures.")


class DeliveryOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="Also sent as the webhook-id header.")
    event = serializers.ChoiceField(choices=WebhookEvent.choices)
    status = serializers.ChoiceField(choices=["pending", "succeeded", "failed"])
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField()


class CertificateOut(serializers.Serializer):
    id = serializers.UUIDField()
    serial = serializers.CharField()
    status = serializers.ChoiceField(choices=["issued", "revoked", "superseded"])
    verify_url = serializers.URLField(help_text="The public verification page.")
    enrolment = serializers.UUIDField()
    participant = serializers.UUIDField(allow_null=True)
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateField(allow_null=True, help_text="Valid until the end of this date; null: no expiry.")
    revoked_at = serializers.DateTimeField(allow_null=True)


class FieldErrorOut(serializers.Serializer):
    field = serializers.CharField()
    detail = serializers.CharField()
    code = serializers.CharField()


class ProblemOut(serializers.Serializer):
    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = FieldErrorOut(many=True, required=False)
    retry_after = serializers.IntegerField(required=False)


def page_of(serializer_class, *, feed: bool = False):
    """The list envelope of ``serializer_class`` for the schema."""
    fields = {
        "next": serializers.URLField(
            allow_null=not feed,
            help_text="Poll this link next time (always present)." if feed else "The next page, or null at the end.",
        ),
        "results": serializer_class(many=True),
    }
    if feed:
        fields["has_more"] = serializers.BooleanField(help_text="True when more changes are waiting now.")
    name = f"{serializer_class.__name__.removesuffix('Out')}{'Feed' if feed else 'Page'}"
    return type(name, (serializers.Serializer,), fields)
