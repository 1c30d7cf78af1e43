"""HR API v1 views: translate HTTP to lms selectors and services, and back.

Every view is scoped to the API key's organisation: querysets start from a selector taking the
organisation, so another organisation's object is simply "not found" (404).
"""

import datetime as dt
import hashlib
import json
from collections import Counter

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from api import selectors as api_selectors
from api import services as api_services
from api.models import WebhookEndpoint
from courses.models import CoursePage
from lms.conf import conf
from lms.models import Certificate, Cohort, Enrolment, OrganisationMember
from lms.selectors import credentials as credential_selectors
from lms.selectors import feeds
from lms.selectors import organisation as selectors
from lms.services import enrolment as enrolment_services
from lms.services import participants as participant_services

from . import filters, pagination, problems
from . import serializers as s
from .authentication import ApiKeyAuthentication
from .idempotency import idempotent
from .pagination import KeysetPage
from .permissions import HasApiKeyScope
from .protocol import ApiMetadata, SafeJSONParser, read_chunked_body
from .throttling import ApiKeyRateThrottle


class ApiView(GenericAPIView):
    """Base of every HR API view: key auth, scopes, per-key throttle, JSON, problem details."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKeyScope]
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [SafeJSONParser]
    metadata_class = ApiMetadata
    renderer_classes = [JSONRenderer]
    filter_backends = [DjangoFilterBackend]
    pagination_class = None
    is_list = False  # list endpoints: filters and cursor parameters in the schema
    model = None

    def get_exception_handler(self):
        return problems.exception_handler

    def get_throttles(self):
        # Kept, so the response can say where the key stands (``finalize_response``).
        if not hasattr(self, "_throttles"):
            self._throttles = super().get_throttles()
        return self._throttles

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for throttle in self.get_throttles():
            if isinstance(throttle, ApiKeyRateThrottle):
                for name, value in throttle.headers(request, self).items():
                    response[name] = value
        readable = request.method in ("GET", "HEAD") and response.status_code == 200
        if readable and isinstance(response, Response) and response.data is not None:
            response["ETag"] = etag_of(response.data)
        return response

    def check_if_match(self, current: dict) -> None:
        """``If-Match`` on a write: 412 unless it names the ETag of ``current`` (or is ``*``)."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        wanted = {tag.strip() for tag in header.split(",")}
        if "*" not in wanted and etag_of(current) not in wanted:
            raise problems.PreconditionFailed(
                "The resource has changed since you read it (If-Match does not match its ETag). "
                "Read it again and retry."
            )

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > conf.API_MAX_BODY_BYTES:
            raise problems.PayloadTooLarge(f"The request body is over {conf.API_MAX_BODY_BYTES // 1024} KiB.")
        read_chunked_body(request._request)
        super().initial(request, *args, **kwargs)

    @property
    def organisation(self):
        return self.request.user.organisation

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()

    def scoped_queryset(self):
        raise NotImplementedError

    def lookup(self, queryset=None, **filters):
        return get_object_or_404(queryset if queryset is not None else self.get_queryset(), **filters)

    def page_response(self, out, page: KeysetPage, **kwargs) -> Response:
        """``page``'s rows through the ``out`` serializer, in the list envelope."""
        envelope = {"next": page.next_link, "next_cursor": page.next_cursor, "results": page.rows}
        return Response(s.page_of(out)(envelope, **kwargs).data)

    def list_page(self, request, out, keyset=("created_at", "id")) -> Response:
        """A filtered keyset page of ``get_queryset()`` through the ``out`` serializer."""
        return self.page_response(out, KeysetPage(request, self.filter_queryset(self.get_queryset()), keyset))

    def validated(self, serializer_class, data=None, **kwargs):
        serializer = serializer_class(data=self.request.data if data is None else data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def etag_of(data) -> str:
    """A strong ETag of a representation: a hash of its canonical JSON."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def service_error(exc: participant_services.ParticipantError) -> exceptions.APIException:
    """A participant service error → 409 (conflict), 410 (erased) or 400 with the field it is about."""
    if isinstance(exc, participant_services.ParticipantGone):
        return problems.Gone(str(exc))
    if isinstance(exc, participant_services.ParticipantConflict):
        return problems.Conflict({exc.field: [str(exc)]})
    return exceptions.ValidationError({exc.field: [str(exc)]})


def enrolment_refusal(outcome: enrolment_services.MemberEnrolment) -> exceptions.APIException:
    """A refused member enrolment → 400 (no such participant or cohort) or 409, by field."""
    if outcome.outcome == enrolment_services.MemberEnrolmentOutcome.INVALID:
        return exceptions.ValidationError(outcome.errors)
    return problems.Conflict(outcome.errors)


def enrolled_status(outcome: enrolment_services.MemberEnrolment) -> int:
    """201 for a new enrolment, 200 for an existing one."""
    created = outcome.outcome == enrolment_services.MemberEnrolmentOutcome.CREATED
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


def created(request, data: dict, url_name: str) -> Response:
    """201 with ``Location``: the new resource's own URL, where a client reads it back."""
    location = request.build_absolute_uri(reverse(f"microlearn_api:{url_name}", kwargs={"id": data["id"]}))
    return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})


def list_schema(out, *, filterset=True, extra=(), description=""):
    return extend_schema(responses={200: s.page_of(out)}, parameters=list(extra), description=description)


# --- Participants -----------------------------------------------------------------------------


class ParticipantMixin:
    model = OrganisationMember

    def scoped_queryset(self):
        return selectors.participants_for_organisation(organisation=self.organisation)

    def participant(self, id):
        """The organisation's record ``id``: 404 when it is not theirs, 410 once it was erased."""
        member = self.lookup(uuid=id)
        if member.erased_at is not None:
            raise problems.Gone("This participant was erased.")
        return member

    def record_fields(self, data: dict) -> dict:
        """Validated input → service keyword arguments (``manager`` id → the manager's record)."""
        fields = dict(data)
        if fields.get("manager") is not None:
            manager = self.get_queryset().filter(uuid=fields["manager"], erased_at__isnull=True).first()
            if manager is None:
                raise exceptions.ValidationError({"manager": ["No such participant in your organisation."]})
            fields["manager"] = manager
        return fields


class ParticipantListCreate(ParticipantMixin, ApiView):
    is_list = True
    filterset_class = filters.ParticipantFilter

    @list_schema(s.ParticipantOut)
    def get(self, request):
        return self.list_page(request, s.ParticipantOut)

    @extend_schema(
        request=s.ParticipantCreateIn,
        responses={201: s.ParticipantOut},
        description="Provision an employee: creates your organisation's record of them and a new login account "
        "that your organisation owns (no password; `send_welcome_email` emails a one-time set-password link). "
        "Accounts of other organisations are never looked up, attached or revealed. A duplicate `external_id`, "
        "`user_name` or email among your own participants is 409.",
    )
    @idempotent
    def post(self, request):
        data = self.record_fields(self.validated(s.ParticipantCreateIn))
        send_welcome = data.pop("send_welcome_email")
        try:
            member = participant_services.participant_provision(
                organisation=self.organisation, send_welcome=send_welcome, **data
            )
        except participant_services.ParticipantError as exc:
            raise service_error(exc) from None
        return created(request, s.ParticipantOut(member).data, "participant-detail")


SEARCH_LIMIT = 50


class ParticipantSearch(ParticipantMixin, ApiView):
    read_only_post = True  # it changes nothing: read-only keys may search

    @extend_schema(
        request=s.ParticipantSearchIn,
        responses={200: s.page_of(s.ParticipantOut)},
        description="Find your participants by `email`, `external_id` or `user_name` (exact; email and user "
        "name case-insensitive; several fields must all match) without putting personal data in the URL, "
        "where access logs would keep it. At most 50 results, `next` is always null. Read-only keys may use it. "
        "The `GET /participants/?email=` filter still works, but its value is redacted from the site's logs.",
    )
    @idempotent
    def post(self, request):
        data = self.validated(s.ParticipantSearchIn)
        lookups = {"email": "email__iexact", "external_id": "external_id", "user_name": "user_name__iexact"}
        found = self.get_queryset().filter(**{lookups[name]: value for name, value in data.items()})
        rows = list(found.order_by("created_at", "id")[:SEARCH_LIMIT])
        return Response(s.page_of(s.ParticipantOut)({"next": None, "next_cursor": None, "results": rows}).data)


class ParticipantDetail(ParticipantMixin, ApiView):
    @extend_schema(responses={200: s.ParticipantOut})
    def get(self, request, id):
        return Response(s.ParticipantOut(self.participant(id)).data)

    @extend_schema(
        request=s.ParticipantUpdateIn,
        responses={200: s.ParticipantOut},
        description="Change your organisation's record. `active: false` deactivates, `active: true` reactivates "
        "(rehire). Email and name changes reach the login account only when your organisation alone owns it "
        "(docs/privacy.md). Unknown fields are 400.",
    )
    def patch(self, request, id):
        member = self.participant(id)
        self.check_if_match(s.ParticipantOut(member).data)
        data = self.record_fields(self.validated(s.ParticipantUpdateIn, partial=True))
        try:
            member = participant_services.participant_update(member=member, **data)
        except participant_services.ParticipantError as exc:
            raise service_error(exc) from None
        return Response(s.ParticipantOut(member).data)


class ParticipantDeactivate(ParticipantMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: s.ParticipantOut},
        description="Mark a leaver: your record is deactivated (and the login account, when your organisation "
        "alone owns it). Enrolments and completions are kept. Sends `participant.deactivated`. Idempotent.",
    )
    @idempotent
    def post(self, request, id):
        member = participant_services.participant_deactivate(member=self.participant(id))
        return Response(s.ParticipantOut(member).data)


class ParticipantReactivate(ParticipantMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: s.ParticipantOut},
        description="Rehire a leaver: your record is active again (and the login account, when your "
        "organisation alone owns it). Sends `participant.reactivated`. Idempotent.",
    )
    @idempotent
    def post(self, request, id):
        member = participant_services.participant_reactivate(member=self.participant(id))
        return Response(s.ParticipantOut(member).data)


class ParticipantErase(ParticipantMixin, ApiView):
    @extend_schema(
        request=None,
        responses={204: None},
        description="Erasure (GDPR art. 17), final. Your record is blanked and every personal detail your "
        "organisation's data holds of the person is erased (docs/privacy.md); aggregates (enrolments, progress, "
        "scores, log counts) stay. Afterwards the participant answers 410 Gone. Sends `participant.erased`.",
    )
    @idempotent
    def post(self, request, id):
        participant_services.participant_erase(member=self.participant(id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Courses (shared catalogue) -------------------------------------------------------------------


class CourseMixin:
    model = CoursePage

    def scoped_queryset(self):
        return selectors.live_courses()


class CourseList(CourseMixin, ApiView):
    is_list = True
    filter_backends = []

    @list_schema(s.CourseOut)
    def get(self, request):
        page = KeysetPage(request, self.get_queryset(), ("path",))
        return self.page_response(s.CourseOut, page, context={"modules": selectors.modules_by_course(page.rows)})


class CourseDetail(CourseMixin, ApiView):
    @extend_schema(responses={200: s.CourseOut})
    def get(self, request, id):
        course = self.lookup(translation_key=id)
        return Response(s.CourseOut(course, context={"modules": selectors.modules_by_course([course])}).data)


# --- Cohorts ------------------------------------------------------------------------------------


class CohortMixin:
    model = Cohort

    def scoped_queryset(self):
        return selectors.cohorts_for_organisation(organisation=self.organisation)


class CohortListCreate(CohortMixin, ApiView):
    is_list = True
    filterset_class = filters.CohortFilter

    @list_schema(s.CohortOut)
    def get(self, request):
        return self.list_page(request, s.CohortOut)

    @extend_schema(request=s.CohortCreateIn, responses={201: s.CohortOut})
    @idempotent
    def post(self, request):
        data = self.validated(s.CohortCreateIn)
        course = selectors.live_courses().filter(translation_key=data["course"]).first()
        if course is None:
            raise exceptions.ValidationError({"course": ["No such course."]})
        try:
            cohort = participant_services.cohort_create(
                organisation=self.organisation,
                course=course,
                name=data["name"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except participant_services.ParticipantError as exc:
            raise service_error(exc) from None
        return created(request, s.CohortOut(cohort).data, "cohort-detail")


class CohortDetail(CohortMixin, ApiView):
    @extend_schema(responses={200: s.CohortOut})
    def get(self, request, id):
        return Response(s.CohortOut(self.lookup(uuid=id)).data)


class CohortChallengeStats(CohortMixin, ApiView):
    @extend_schema(
        responses={200: s.ChallengeStatsOut},
        description="Per programme week of the cohort: active participants, entries, follow-ups done and "
        "outcomes by kind; and practice after the course: check-in response rate, booster retention "
        "(overall and per module), median days to a first win. Aggregates only: never notes, plans, "
        "nor who was met.",
    )
    def get(self, request, id):
        cohort = self.lookup(uuid=id)
        weeks = selectors.cohort_challenge_stats(cohort=cohort)
        practice = selectors.cohort_practice_stats(cohort=cohort)
        return Response(s.ChallengeStatsOut({"cohort": cohort.uuid, "weeks": weeks, "practice": practice}).data)


# --- Enrolments ---------------------------------------------------------------------------------


class EnrolmentMixin:
    model = Enrolment

    def scoped_queryset(self):
        return selectors.enrolments_for_organisation(organisation=self.organisation)

    def with_progress(self):
        return selectors.enrolments_with_progress(organisation=self.organisation)

    def one(self, **filters) -> dict:
        """One enrolment row with progress, as ``EnrolmentOut`` reads it."""
        row = self.with_progress().filter(**filters).values(*s.ENROLMENT_PROGRESS_COLUMNS).first()
        if row is None:
            raise exceptions.NotFound("No such object for this organisation.")
        return row


class EnrolmentListCreate(EnrolmentMixin, ApiView):
    is_list = True
    filterset_class = filters.EnrolmentFilter

    @list_schema(s.EnrolmentOut)
    def get(self, request):
        queryset = self.filter_queryset(self.with_progress()).values(*s.ENROLMENT_PROGRESS_COLUMNS)
        return self.page_response(s.EnrolmentOut, KeysetPage(request, queryset, ("enrolled_at", "id")))

    @extend_schema(
        request=s.EnrolmentCreateIn,
        responses={201: s.EnrolmentOut, 200: OpenApiResponse(s.EnrolmentOut, "Already enrolled: the enrolment.")},
        description="Enrol a participant in a cohort (on the cohort's course). Idempotent: an existing "
        "current enrolment in that cohort answers 200.",
    )
    @idempotent
    def post(self, request):
        data = self.validated(s.EnrolmentCreateIn)
        outcome = enrolment_services.enrolment_create_for_member(organisation=self.organisation, **data)
        if outcome.refused:
            raise enrolment_refusal(outcome)
        data = s.EnrolmentOut(self.one(pk=outcome.enrolment.pk)).data
        if enrolled_status(outcome) == status.HTTP_201_CREATED:
            return created(request, data, "enrolment-detail")
        return Response(data)


class EnrolmentBulk(EnrolmentMixin, ApiView):
    @extend_schema(
        request=s.EnrolmentBulk,
        responses={200: s.BulkOut},
        description="Up to 500 `{participant, cohort}` items, each handled on its own: one bad item never "
        "blocks the others. Each result gives the item's `index`, `outcome` and the `status` it would have "
        "had alone, with the enrolment or the field errors.",
    )
    @idempotent
    def post(self, request):
        items = [s.bulk_item(item) for item in self.validated(s.EnrolmentBulkIn)["items"]]
        valid = [item for item in items if "errors" not in item]
        outcomes = iter(enrolment_services.enrolments_create_for_members(organisation=self.organisation, items=valid))
        outcomes = [next(outcomes) if "errors" not in item else item["errors"] for item in items]
        enrolled = [
            outcome.enrolment.pk
            for outcome in outcomes
            if isinstance(outcome, enrolment_services.MemberEnrolment) and not outcome.refused
        ]
        rows = (
            {
                row["id"]: row
                for row in self.with_progress().filter(pk__in=enrolled).values(*s.ENROLMENT_PROGRESS_COLUMNS)
            }
            if enrolled
            else {}
        )
        results = [
            bulk_result(index, outcome, rows)
            if isinstance(outcome, enrolment_services.MemberEnrolment)
            else bulk_error(index, exceptions.ValidationError(outcome))
            for index, outcome in enumerate(outcomes)
        ]
        counts = Counter(result["outcome"] for result in results)
        body = {"created": counts["created"], "existing": counts["existing"], "failed": counts["error"]}
        return Response(s.BulkOut({**body, "results": results}).data)


def bulk_result(index: int, outcome: enrolment_services.MemberEnrolment, rows: dict) -> dict:
    """A bulk item's enrolment (its row among ``rows``, by id) or refusal."""
    if outcome.refused:
        return bulk_error(index, enrolment_refusal(outcome))
    return {
        "index": index,
        "enrolment": rows[outcome.enrolment.pk],
        "outcome": outcome.outcome.value,
        "status": enrolled_status(outcome),
    }


def bulk_error(index: int, error: exceptions.APIException) -> dict:
    """A bulk item's errors, with the status it would have had on its own."""
    errors = problems.flatten_errors(error.detail)
    return {"index": index, "enrolment": None, "outcome": "error", "status": error.status_code, "errors": errors}


class EnrolmentDetail(EnrolmentMixin, ApiView):
    @extend_schema(responses={200: s.EnrolmentOut})
    def get(self, request, id):
        return Response(s.EnrolmentOut(self.one(uuid=id)).data)


class EnrolmentWithdraw(EnrolmentMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: s.EnrolmentOut},
        description="Active → withdrawn. A completed or already withdrawn enrolment is 409.",
    )
    @idempotent
    def post(self, request, id):
        enrolment = self.lookup(uuid=id)
        try:
            enrolment_services.enrolment_withdraw(enrolment=enrolment)
        except enrolment_services.EnrolmentError as exc:
            raise problems.Conflict({"non_field_errors": [str(exc)]}) from None
        return Response(s.EnrolmentOut(self.one(pk=enrolment.pk)).data)


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Only changes at or after this ISO 8601 time (ignored when `cursor` is given).",
)


def legacy_feed_cursor(raw: str | None) -> dt.datetime | None:
    """The time in a completions cursor of the ``(updated_at, id)`` era, else None."""
    if not raw:
        return None
    try:
        values = signing.loads(raw, salt=pagination.SALT)
        return parse_datetime(values[0]) if isinstance(values, list) and len(values) == 2 else None
    except (signing.BadSignature, TypeError, ValueError):
        return None


class WithoutCursor:
    """``request`` with its ``cursor`` parameter dropped (the page's links get a new one)."""

    def __init__(self, request):
        self._request = request
        self.query_params = request.query_params.copy()
        self.query_params.pop("cursor", None)

    def build_absolute_uri(self, *args):
        return self._request.build_absolute_uri(*args)


class CompletionFeed(EnrolmentMixin, ApiView):
    """The change feed: enrolments in commit order (``lms.selectors.feeds``); poll with the ``next`` link."""

    is_list = True
    filterset_class = filters.CompletionFilter

    @extend_schema(
        responses={200: s.page_of(s.CompletionOut, feed=True)},
        parameters=[UPDATED_SINCE],
        description="Every enrolment whose status changed (created, completed, withdrawn), in the order the "
        "changes committed. Store the `next` link and poll it: each change appears once, and a row changed again "
        "later appears again at its new place. A change is shown only once every transaction that began before "
        "it has ended, so a long transaction committing late can never slip behind a cursor.",
    )
    def get(self, request):
        queryset = feeds.committed_enrolments(self.filter_queryset(self.get_queryset()))
        since = request.query_params.get("updated_since")
        legacy = legacy_feed_cursor(request.query_params.get("cursor"))
        if legacy is not None:
            # A link stored before the feed was commit-ordered: resume from its time (a few rows may repeat).
            queryset = queryset.filter(updated_at__gte=legacy)
            request = WithoutCursor(request)
        elif since and not request.query_params.get("cursor"):
            try:
                parsed = parse_datetime(since)
            except ValueError:  # well-formed but impossible, such as month 13
                parsed = None
            if parsed is None:
                raise exceptions.ValidationError({"updated_since": ["Use an ISO 8601 date-time."]})
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed, dt.UTC)
            try:  # in UTC: PostgreSQL takes offsets only up to ±15:59 (Python up to ±24 h)
                parsed = parsed.astimezone(dt.UTC)
            except OverflowError:
                raise exceptions.ValidationError({"updated_since": ["Use an ISO 8601 date-time."]}) from None
            queryset = queryset.filter(updated_at__gte=parsed)
        columns = (*s.ENROLMENT_COLUMNS, *feeds.ENROLMENT_KEYSET)
        page = KeysetPage(request, queryset.values(*columns), feeds.ENROLMENT_KEYSET)
        feed = {
            "next": page.resume_link or request.build_absolute_uri(),
            "next_cursor": page.last_cursor or request.query_params.get("cursor"),
            "has_more": page.has_more,
            "results": page.rows,
        }
        return Response(s.page_of(s.CompletionOut, feed=True)(feed).data)


# --- Webhooks -----------------------------------------------------------------------------------


class WebhookMixin:
    model = WebhookEndpoint

    def scoped_queryset(self):
        return api_selectors.webhook_endpoints_for_organisation(organisation=self.organisation)


class WebhookListCreate(WebhookMixin, ApiView):
    is_list = True
    filter_backends = []

    @list_schema(s.WebhookOut)
    def get(self, request):
        return self.list_page(request, s.WebhookOut)

    @extend_schema(
        request=s.WebhookCreateIn,
        responses={201: s.WebhookCreatedOut},
        description="Register an HTTPS URL for some events. The signing `secret` is in this response only.",
    )
    @idempotent
    def post(self, request):
        data = self.validated(s.WebhookCreateIn)
        try:
            endpoint = api_services.webhook_endpoint_create(organisation=self.organisation, **data)
        except api_services.UnsafeURL as exc:
            raise exceptions.ValidationError({"url": [str(exc)]}) from None
        return created(request, s.WebhookCreatedOut(endpoint).data, "webhook-detail")


class WebhookDetail(WebhookMixin, ApiView):
    @extend_schema(responses={200: s.WebhookOut})
    def get(self, request, id):
        return Response(s.WebhookOut(self.lookup(uuid=id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, id):
        api_services.webhook_endpoint_delete(endpoint=self.lookup(uuid=id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveries(WebhookMixin, ApiView):
    is_list = True
    filter_backends = []

    @list_schema(s.DeliveryOut)
    def get(self, request, id):
        endpoint = self.lookup(uuid=id)
        deliveries = api_selectors.deliveries_for_endpoint(endpoint=endpoint)
        return self.page_response(s.DeliveryOut, KeysetPage(request, deliveries, ("created_at", "id")))


# --- Certificates ---------------------------------------------------------------------------------


class PDFRenderer(BaseRenderer):
    """Lets clients ask for ``application/pdf``; errors on such requests still go out as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class CertificateMixin:
    model = Certificate

    def scoped_queryset(self):
        return selectors.certificates_for_organisation(organisation=self.organisation)


class CertificateList(CertificateMixin, ApiView):
    is_list = True
    filterset_class = filters.CertificateFilter

    @list_schema(s.CertificateOut)
    def get(self, request):
        return self.list_page(request, s.CertificateOut)


class CertificateDetail(CertificateMixin, ApiView):
    @extend_schema(responses={200: s.CertificateOut})
    def get(self, request, id):
        return Response(s.CertificateOut(self.lookup(uuid=id)).data)


class CertificatePdf(CertificateMixin, ApiView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The certificate as issued.")},
        description="The stored PDF, exactly as issued (never re-rendered). 409 while it is still being rendered; "
        "410 once the holder's data was erased (the PDF was withdrawn).",
    )
    def get(self, request, id):
        certificate = self.lookup(uuid=id)
        if certificate.holder_erased_at is not None:
            raise problems.Gone("The holder's data was erased; the PDF was withdrawn.")
        if not certificate.pdf:
            raise problems.Conflict("The certificate is not rendered yet; retry in a minute.")
        return FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=certificate.filename,
            content_type="application/pdf",
        )


class CertificateCredential(CertificateMixin, ApiView):
    @extend_schema(
        responses={200: s.CertificateCredentialOut},
        description="The certificate's Open Badges 3.0 credential: the VC-JWT and its decoded payload "
        "(docs/credentials.md). 404 if the certificate has none (not issued yet); 410 once the holder's "
        "data was erased.",
    )
    def get(self, request, id):
        certificate = self.lookup(uuid=id)
        if certificate.holder_erased_at is not None:
            raise problems.Gone("The holder's data was erased; the credential is no longer kept.")
        credential = credential_selectors.certificate_credential(certificate=certificate)
        if credential is None or not credential.jwt:
            raise exceptions.NotFound("This certificate has no Open Badges credential (yet).")
        return Response(s.CertificateCredentialOut(credential).data)


@csrf_exempt  # it changes nothing, and a POST to a near-miss path must get this 404, not a CSRF page
def not_found(request, *args, **kwargs):
    """Unknown URLs under /api/v1/ answer a problem, not the site's HTML 404 page."""
    return problems.problem_response(request, 404, "No such endpoint.")
