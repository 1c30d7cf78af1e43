"""Input validation and the output shapes of the HR API.

Each output shape is declared once, as a ``*Out`` serializer: drf-spectacular documents it and
the views render responses with it. They are ``FastOutSerializer`` subclasses (see
``output.py``), whose output is compiled once per class from the declared fields, so that the
hot lists, fed straight from ``.values()`` rows, stay close to the cost of a bare query.

Notes on ``*Out`` classes are comments: drf-spectacular would publish a docstring as the
shape's description.
"""

import uuid
from functools import cache

from rest_framework import serializers

from api.models import WebhookEvent
from lms.models import EnrolmentSource, EnrolmentStatus, Outcome
from lms.selectors.organisation import parse_quiz_scores
from lms.validators import validate_date_in_range

from .output import (
    FastOutSerializer,
    ts,  # noqa: F401  (re-exported: webhooks.py stamps payloads with it)
)

MAX_BULK_ITEMS = 500

# Columns read for enrolment rows (``.values()``), shared by the list, retrieve and the feed:
# the sources of ``CompletionOut`` plus what the keyset pages order by.
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

# Enrolment rows add the progress annotations of ``enrolments_with_progress``.
ENROLMENT_PROGRESS_COLUMNS = (*ENROLMENT_COLUMNS, "modules_done", "modules_total", "quiz_scores")


# --- Input --------------------------------------------------------------------------------


class StrictInput(serializers.Serializer):
    """Input that refuses fields it does not know (400 naming them), so a typo never passes silently."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ParticipantRecordIn(StrictInput):
    """The fields of the organisation's record of a person (shared by create and update)."""

    email = serializers.EmailField(max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Your HR system's id of the person."
    )
    user_name = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Your directory's user name; defaults to the email. Unique in your organisation.",
    )
    employee_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    manager = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="The participant id of the person's manager."
    )


class ParticipantCreateIn(ParticipantRecordIn):
    send_welcome_email = serializers.BooleanField(
        required=False, default=False, help_text="Email the person a one-time link to choose their password."
    )


class ParticipantUpdateIn(ParticipantRecordIn):
    active = serializers.BooleanField(
        required=False, help_text="false deactivates (a leaver); true reactivates (a rehire)."
    )


class ParticipantSearchIn(StrictInput):
    """Look a participant up without putting personal data in the URL (access logs keep URLs)."""

    email = serializers.CharField(max_length=254, required=False, help_text="Exact work email (case-insensitive).")
    external_id = serializers.CharField(max_length=100, required=False, help_text="Exact HR id.")
    user_name = serializers.CharField(max_length=255, required=False, help_text="Exact user name (case-insensitive).")

    def validate(self, attrs):
        attrs = {name: value.strip() for name, value in attrs.items() if value and value.strip()}
        if not attrs:
            raise serializers.ValidationError("Give at least one of email, external_id, user_name.")
        return attrs


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


def bulk_item(data: dict) -> dict:
    """A bulk item as ``EnrolmentCreateIn`` validates it: ``{participant, cohort}`` as UUIDs, or
    ``{"errors": ...}``. Well-formed items (two UUID strings) skip the serializer, which costs more
    than the whole database work of an item; any other goes through it for the exact errors."""
    participant, cohort = data.get("participant"), data.get("cohort")
    if type(participant) is str and type(cohort) is str:
        try:
            return {"participant": uuid.UUID(participant), "cohort": uuid.UUID(cohort)}
        except ValueError:
            pass
    item = EnrolmentCreateIn(data=data)
    return dict(item.validated_data) if item.is_valid() else {"errors": item.errors}


class EnrolmentBulkIn(serializers.Serializer):
    # Items are checked one by one (``bulk_item``), so that a bad one is refused on its own.
    items = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_BULK_ITEMS, help_text="Up to 500 enrolments."
    )


# One enrolment of a bulk request, as POST /enrolments/ takes it.
class EnrolmentBulkItemIn(EnrolmentCreateIn):
    pass


# The documented shape of ``EnrolmentBulkIn`` (schema only): typed items for generated clients.
class EnrolmentBulk(serializers.Serializer):
    items = serializers.ListField(
        child=EnrolmentBulkItemIn(), min_length=1, max_length=MAX_BULK_ITEMS, help_text="Up to 500 enrolments."
    )


class WebhookCreateIn(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="HTTPS only; private and loopback addresses are refused.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=len(WebhookEvent)
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- Output shapes ---------------------------------------------------------------------------


class ParticipantOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    external_id = serializers.CharField()
    user_name = serializers.CharField()
    email = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    employee_number = serializers.CharField()
    department = serializers.CharField()
    manager = serializers.UUIDField(source="manager.uuid", allow_null=True)
    active = serializers.BooleanField()
    deactivated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_active(self, member) -> bool:
        return member.deactivated_at is None


class ModuleOut(FastOutSerializer):
    id = serializers.UUIDField(source="translation_key")
    title = serializers.CharField()
    estimated_minutes = serializers.IntegerField()
    required = serializers.BooleanField()
    has_quiz = serializers.BooleanField()


# A course with its live modules, given as ``context["modules"]``: {course pk: modules}.
class CourseOut(FastOutSerializer):
    id = serializers.UUIDField(source="translation_key", help_text="Stable id (the page's translation key).")
    title = serializers.CharField()
    summary = serializers.CharField()
    estimated_minutes = serializers.IntegerField(help_text="Estimated duration in minutes.")
    modules = ModuleOut(many=True)

    def get_modules(self, course) -> list:
        return self.context["modules"][course.pk]


class CohortOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    course = serializers.UUIDField(source="course.translation_key")
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


# An enrolment row (``ENROLMENT_COLUMNS``) in the change feed.
class CompletionOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    participant = serializers.UUIDField(source="participant_uuid", allow_null=True)
    cohort = serializers.UUIDField(source="cohort__uuid", allow_null=True)
    course = serializers.UUIDField(source="course_key")
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class QuizScoreOut(FastOutSerializer):
    module = serializers.UUIDField()
    best_score = serializers.IntegerField(help_text="Best quiz score in percent.")


# The progress columns of an enrolment row (``ENROLMENT_PROGRESS_COLUMNS``).
class ProgressOut(FastOutSerializer):
    modules_done = serializers.IntegerField()
    modules_total = serializers.IntegerField()
    best_quiz_scores = QuizScoreOut(many=True)

    def get_best_quiz_scores(self, row) -> list[dict]:
        return parse_quiz_scores(row["quiz_scores"])


# An enrolment row with progress (``ENROLMENT_PROGRESS_COLUMNS``).
class EnrolmentOut(CompletionOut):
    source = serializers.ChoiceField(choices=EnrolmentSource.choices)
    progress = ProgressOut(source="*")


# One field error of a problem or of a bulk item: a dotted ``field`` path, message and code.
class FieldErrorOut(FastOutSerializer):
    field = serializers.CharField()
    detail = serializers.CharField()
    code = serializers.CharField()


class BulkResultOut(FastOutSerializer):
    index = serializers.IntegerField()
    enrolment = EnrolmentOut(allow_null=True)
    outcome = serializers.ChoiceField(choices=["created", "existing", "error"])
    status = serializers.IntegerField(help_text="The HTTP status this item would have had on its own.")
    errors = FieldErrorOut(many=True, required=False, help_text="Why the item was refused (outcome `error`).")


class BulkOut(FastOutSerializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkResultOut(many=True)


OutcomesOut = type(
    "OutcomesOut",
    (FastOutSerializer,),
    {"__module__": __name__, **{kind: serializers.IntegerField() for kind in Outcome.values}},
)


class WeekStatsOut(FastOutSerializer):
    week = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    entries = serializers.IntegerField()
    follow_ups_done = serializers.IntegerField()
    outcomes = OutcomesOut()
    active_participants = serializers.IntegerField()


class ModuleRetentionOut(FastOutSerializer):
    module = serializers.UUIDField(help_text="The module's stable id (as in enrolments' quiz scores).")
    participants = serializers.IntegerField(help_text="Participants with booster questions from this module.")
    questions_in_boosters = serializers.IntegerField()
    questions_retained = serializers.IntegerField(help_text="Answered right twice in a row.")


class PracticeStatsOut(FastOutSerializer):
    plans_made = serializers.IntegerField(help_text="If-then plans written ('When…, I will…'); counts only.")
    plans_kept = serializers.IntegerField(help_text="Plans a log entry kept, or whose reminder was answered yes.")
    plan_kept_rate = serializers.IntegerField(allow_null=True, help_text="Percent; null before any plan.")
    checkins_sent = serializers.IntegerField(help_text="'Did this lead anywhere?' check-ins sent (30/60/90 days).")
    checkins_answered = serializers.IntegerField()
    checkin_response_rate = serializers.IntegerField(allow_null=True, help_text="Percent; null before any is sent.")
    questions_in_boosters = serializers.IntegerField()
    questions_retained = serializers.IntegerField()
    retention = serializers.IntegerField(allow_null=True, help_text="Percent of booster questions retained.")
    retention_by_module = ModuleRetentionOut(many=True)
    median_days_to_first_win = serializers.FloatField(
        allow_null=True, help_text="Median days from the cohort's start to each participant's first win."
    )


class ChallengeStatsOut(FastOutSerializer):
    cohort = serializers.UUIDField()
    weeks = WeekStatsOut(many=True)
    practice = PracticeStatsOut()


class WebhookOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    url = serializers.URLField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOut(WebhookOut):
    secret = serializers.CharField(help_text="Shown only in this response: keep it to verify signatures.")


class DeliveryOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid", help_text="Also sent as the webhook-id header.")
    event = serializers.ChoiceField(choices=WebhookEvent.choices)
    status = serializers.ChoiceField(choices=["pending", "succeeded", "failed"])
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField()


# A certificate of ``certificates_for_organisation`` (annotated with ``participant_uuid``).
class CertificateOut(FastOutSerializer):
    id = serializers.UUIDField(source="uuid")
    serial = serializers.CharField()
    status = serializers.ChoiceField(choices=["issued", "revoked", "superseded"])
    verify_url = serializers.URLField(help_text="The public verification page.")
    enrolment = serializers.UUIDField(source="enrolment.uuid")
    participant = serializers.UUIDField(source="participant_uuid", allow_null=True)
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateField(
        source="expires_on", allow_null=True, help_text="Valid until the end of this date; null: no expiry."
    )
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_verify_url(self, certificate) -> str:
        from lms.certificates.links import verification_url

        return verification_url(certificate)

    def get_issued_at(self, certificate):
        return certificate.rendered_at or certificate.created_at


# The Open Badges credential of a certificate (``lms.models.IssuedCredential``), docs/credentials.md.
class CertificateCredentialOut(FastOutSerializer):
    id = serializers.CharField(source="urn", help_text="The credential's id, a urn:uuid.")
    certificate = serializers.UUIDField(source="object_id")
    status = serializers.ChoiceField(
        choices=["active", "revoked"], help_text="active, or revoked (its bit in the status list is set)."
    )
    issuer = serializers.CharField(help_text="The issuer's did:web.")
    status_list_index = serializers.IntegerField(source="status_index")
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    jwt = serializers.CharField(help_text="The OpenBadgeCredential as a VC-JWT (compact JWS, EdDSA): the proof.")
    credential = serializers.DictField(help_text="The decoded OpenBadgeCredential (the JWT's payload).")

    def get_status(self, credential) -> str:
        return "revoked" if credential.revoked_at else "active"

    def _payload(self, credential) -> dict:
        from lms.credentials import jws

        return jws.parse(credential.jwt)[1]

    def get_issuer(self, credential) -> str:
        return self._payload(credential)["iss"]

    def get_credential(self, credential) -> dict:
        from lms.credentials import documents

        return documents.credential_from_payload(self._payload(credential))


# The problem body that ``problems.problem`` builds (schema only).
class ProblemOut(serializers.Serializer):
    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = FieldErrorOut(many=True, required=False)
    retry_after = serializers.IntegerField(required=False)


def page_of(serializer_class, *, feed: bool = False):
    """The list envelope of ``serializer_class``: ``{next, next_cursor, results}``, or ``{next,
    next_cursor, has_more, results}`` for a feed.

    One class per shape and kind (cached), used for the schema and for the response.
    """
    return _envelope(serializer_class, feed)


@cache
def _envelope(serializer_class, feed: bool):
    fields = {
        "__module__": __name__,
        "next": serializers.URLField(
            allow_null=not feed,
            help_text="Poll this link next time (always present)." if feed else "The next page, or null at the end.",
        ),
    }
    fields["next_cursor"] = serializers.CharField(
        allow_null=True,
        help_text="The `cursor` parameter of `next` (null before a feed's first change)."
        if feed
        else "The `cursor` parameter of the next page (the one in `next`), or null at the end.",
    )
    if feed:
        fields["has_more"] = serializers.BooleanField(help_text="True when more changes are waiting now.")
    fields["results"] = serializer_class(many=True)
    name = f"{serializer_class.__name__.removesuffix('Out')}{'Feed' if feed else 'Page'}"
    return type(name, (FastOutSerializer,), fields)
