"""HR API v1 views: translate HTTP to lms selectors and services, and back.

Every view is scoped to the API key's organisation: querysets start from a selector taking the
organisation, so another organisation's object is simply "not found" (404).
"""

import datetime as dt

from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from api.models import WebhookDelivery, WebhookEndpoint
from courses.models import CoursePage
from lms.conf import conf
from lms.models import Certificate, Cohort, Enrolment, EnrolmentSource, OrganisationMember
from lms.selectors import organisation as selectors
from lms.services import enrolment as enrolment_services
from lms.services import participants as participant_services

from . import filters, problems
from . import serializers as s
from .authentication import ApiKeyAuthentication
from .idempotency import idempotent
from .pagination import KeysetPage
from .permissions import HasApiKeyScope
from .throttling import ApiKeyRateThrottle
from .webhooks import UnsafeURL, resolve_target


class ApiView(GenericAPIView):
    """Base of every HR API view: key auth, scopes, per-key throttle, JSON, problem details."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKeyScope]
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    filter_backends = [DjangoFilterBackend]
    pagination_class = None
    is_list = False  # list endpoints: filters and cursor parameters in the schema
    model = None

    def get_exception_handler(self):
        return problems.exception_handler

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > conf.API_MAX_BODY_BYTES:
            raise problems.PayloadTooLarge(f"The request body is over {conf.API_MAX_BODY_BYTES // 1024} KiB.")
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

    def list_page(self, request, to_json, keyset=("created_at", "id")) -> Response:
        """A filtered keyset page of ``get_queryset()``, each row through ``to_json``."""
        page = KeysetPage(request, self.filter_queryset(self.get_queryset()), keyset)
        return Response({"next": page.next_link, "results": [to_json(row) for row in page.rows]})

    def validated(self, serializer_class, data=None, **kwargs):
        serializer = serializer_class(data=self.request.data if data is None else data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def service_error(exc: participant_services.ParticipantError) -> exceptions.APIException:
    """A participant service error → 409 (conflict) or 400 with the field it is about."""
    if isinstance(exc, participant_services.ParticipantConflict):
        return problems.Conflict({exc.field: [str(exc)]})
    return exceptions.ValidationError({exc.field: [str(exc)]})


def list_schema(out, *, filterset=True, extra=(), description=""):
    return extend_schema(responses={200: s.page_of(out)}, parameters=list(extra), description=description)


# --- Participants -----------------------------------------------------------------------------


class ParticipantMixin:
    model = OrganisationMember

    def scoped_queryset(self):
        return selectors.participants_for_organisation(organisation=self.organisation)


class ParticipantListCreate(ParticipantMixin, ApiView):
    is_list = True
    filterset_class = filters.ParticipantFilter

    @list_schema(s.ParticipantOut)
    def get(self, request):
        return self.list_page(request, s.participant_json)

    @extend_schema(
        request=s.ParticipantCreateIn,
        responses={201: s.ParticipantOut},
        description="Provision an employee: creates their account (no password) and membership. "
        "`send_welcome_email` emails a one-time set-password link. A duplicate `external_id` or email is 409.",
    )
    @idempotent
    def post(self, request):
        data = self.validated(s.ParticipantCreateIn)
        try:
            member = participant_services.participant_provision(
                organisation=self.organisation,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                external_id=data["external_id"],
                send_welcome=data["send_welcome_email"],
            )
        except participant_services.ParticipantError as exc:
            raise service_error(exc) from None
        return Response(s.participant_json(member), status=status.HTTP_201_CREATED)


class ParticipantDetail(ParticipantMixin, ApiView):
    @extend_schema(responses={200: s.ParticipantOut})
    def get(self, request, id):
        return Response(s.participant_json(self.lookup(uuid=id)))

    @extend_schema(request=s.ParticipantUpdateIn, responses={200: s.ParticipantOut})
    def patch(self, request, id):
        member = self.lookup(uuid=id)
        data = self.validated(s.ParticipantUpdateIn, partial=True)
        try:
            member = participant_services.participant_update(member=member, **data)
        except participant_services.ParticipantError as exc:
            raise service_error(exc) from None
        return Response(s.participant_json(member))


class ParticipantDeactivate(ParticipantMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: s.ParticipantOut},
        description="Mark a leaver: the membership is deactivated (and the account, unless active elsewhere). "
        "Enrolments and completions are kept. Sends `participant.deactivated`. Idempotent.",
    )
    @idempotent
    def post(self, request, id):
        member = participant_services.participant_deactivate(member=self.lookup(uuid=id))
        return Response(s.participant_json(member))


class ParticipantErase(ParticipantMixin, ApiView):
    @extend_schema(
        request=None,
        responses={200: s.ParticipantOut},
        description="Erasure (GDPR art. 17): anonymise the person. Name, email, username and `external_id` "
        "are removed, the account disabled, and the free text of their challenge logs blanked. Enrolments, "
        "progress, scores and log counts stay, so organisation aggregates do not change. Irreversible; "
        "deactivates first. Idempotent.",
    )
    @idempotent
    def post(self, request, id):
        member = participant_services.participant_erase(member=self.lookup(uuid=id))
        return Response(s.participant_json(member))


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
        modules = selectors.modules_by_course(page.rows)
        results = [s.course_json(course, modules[course.pk]) for course in page.rows]
        return Response({"next": page.next_link, "results": results})


class CourseDetail(CourseMixin, ApiView):
    @extend_schema(responses={200: s.CourseOut})
    def get(self, request, id):
        course = self.lookup(translation_key=id)
        return Response(s.course_json(course, selectors.modules_by_course([course])[course.pk]))


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
        return self.list_page(request, s.cohort_json)

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
        return Response(s.cohort_json(cohort), status=status.HTTP_201_CREATED)


class CohortDetail(CohortMixin, ApiView):
    @extend_schema(responses={200: s.CohortOut})
    def get(self, request, id):
        return Response(s.cohort_json(self.lookup(uuid=id)))


class CohortChallengeStats(CohortMixin, ApiView):
    @extend_schema(
        responses={200: s.ChallengeStatsOut},
        description="Per programme week of the cohort: active participants, entries, follow-ups done and "
        "outcomes by kind. Aggregates only: never notes, nor who was met.",
    )
    def get(self, request, id):
        cohort = self.lookup(uuid=id)
        weeks = [
            {**week, "starts_on": s.day(week["starts_on"]), "ends_on": s.day(week["ends_on"])}
            for week in selectors.cohort_challenge_stats(cohort=cohort)
        ]
        return Response({"cohort": str(cohort.uuid), "weeks": weeks})


# --- Enrolments ---------------------------------------------------------------------------------


class EnrolmentMixin:
    model = Enrolment

    def scoped_queryset(self):
        return selectors.enrolments_for_organisation(organisation=self.organisation)

    def with_progress(self):
        return selectors.enrolments_with_progress(organisation=self.organisation)

    def one_json(self, **filters) -> dict:
        row = self.with_progress().filter(**filters).values(*s.ENROLMENT_PROGRESS_COLUMNS).first()
        if row is None:
            raise exceptions.NotFound("No such object for this organisation.")
        return s.enrolment_json(row)

    def enrol(self, data) -> tuple[int, dict]:
        """Enrol one participant in one cohort; (HTTP status, enrolment json). Raises API errors."""
        member = (
            selectors.participants_for_organisation(organisation=self.organisation)
            .filter(uuid=data["participant"])
            .first()
        )
        cohort = selectors.cohorts_for_organisation(organisation=self.organisation).filter(uuid=data["cohort"]).first()
        errors = {}
        if member is None:
            errors["participant"] = ["No such participant in your organisation."]
        if cohort is None:
            errors["cohort"] = ["No such cohort in your organisation."]
        if errors:
            raise exceptions.ValidationError(errors)
        if member.deactivated_at is not None:
            raise problems.Conflict({"participant": ["This participant is deactivated."]})
        existing = enrolment_services.current_enrolment(user=member.user, course=cohort.course)
        try:
            enrolment = enrolment_services.enrolment_create(
                user=member.user, course=cohort.course, cohort=cohort, source=EnrolmentSource.API
            )
        except enrolment_services.EnrolmentError as exc:
            raise problems.Conflict({"non_field_errors": [str(exc)]}) from None
        if enrolment.cohort_id != cohort.pk:
            raise problems.Conflict({"cohort": ["Already enrolled on this course through another cohort."]})
        code = status.HTTP_200_OK if existing is not None else status.HTTP_201_CREATED
        return code, self.one_json(pk=enrolment.pk)


class EnrolmentListCreate(EnrolmentMixin, ApiView):
    is_list = True
    filterset_class = filters.EnrolmentFilter

    @list_schema(s.EnrolmentOut)
    def get(self, request):
        queryset = self.filter_queryset(self.with_progress()).values(*s.ENROLMENT_PROGRESS_COLUMNS)
        page = KeysetPage(request, queryset, ("enrolled_at", "id"))
        return Response({"next": page.next_link, "results": [s.enrolment_json(row) for row in page.rows]})

    @extend_schema(
        request=s.EnrolmentCreateIn,
        responses={201: s.EnrolmentOut, 200: OpenApiResponse(s.EnrolmentOut, "Already enrolled: the enrolment.")},
        description="Enrol a participant in a cohort (on the cohort's course). Idempotent: an existing "
        "current enrolment in that cohort answers 200.",
    )
    @idempotent
    def post(self, request):
        code, body = self.enrol(self.validated(s.EnrolmentCreateIn))
        return Response(body, status=code)


class EnrolmentBulk(EnrolmentMixin, ApiView):
    @extend_schema(
        request=s.EnrolmentBulkIn,
        responses={200: s.BulkOut},
        description="Up to 500 `{participant, cohort}` items, each handled on its own: one bad item never "
        "blocks the others. Each result gives the item's `index`, `outcome` and the `status` it would have "
        "had alone, with the enrolment or the field errors.",
    )
    @idempotent
    def post(self, request):
        items = self.validated(s.EnrolmentBulkIn)["items"]
        results, counts = [], {"created": 0, "existing": 0, "error": 0}
        for index, item in enumerate(items):
            result = {"index": index, "enrolment": None}
            try:
                with transaction.atomic():
                    data = self.validated(s.EnrolmentCreateIn, data=item)
                    code, body = self.enrol(data)
                result.update(outcome="created" if code == 201 else "existing", status=code, enrolment=body)
            except exceptions.APIException as exc:
                detail = exc.detail if isinstance(exc.detail, dict | list) else {"non_field_errors": [exc.detail]}
                result.update(outcome="error", status=exc.status_code, errors=problems.flatten_errors(detail))
            counts[result["outcome"]] += 1
            results.append(result)
        return Response(
            {
                "created": counts["created"],
                "existing": counts["existing"],
                "failed": counts["error"],
                "results": results,
            }
        )


class EnrolmentDetail(EnrolmentMixin, ApiView):
    @extend_schema(responses={200: s.EnrolmentOut})
    def get(self, request, id):
        return Response(self.one_json(uuid=id))


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
        return Response(self.one_json(pk=enrolment.pk))


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Start from changes at or after this ISO 8601 time (ignored when `cursor` is given).",
)


class CompletionFeed(EnrolmentMixin, ApiView):
    """The change feed: enrolments in (updated_at, id) order; poll with the ``next`` link."""

    is_list = True
    filterset_class = filters.CompletionFilter

    @extend_schema(
        responses={200: s.page_of(s.CompletionOut, feed=True)},
        parameters=[UPDATED_SINCE],
        description="Every enrolment whose status changed (created, completed, withdrawn), oldest change "
        "first. Store the `next` link and poll it: each change appears once, and a row changed again later "
        "appears again at its new place. Changes younger than `MICROLEARN_API_FEED_SETTLE_SECONDS` are held back so a "
        "transaction committing late can never slip behind a cursor.",
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        settle = conf.API_FEED_SETTLE_SECONDS
        if settle:
            queryset = queryset.filter(updated_at__lte=timezone.now() - dt.timedelta(seconds=settle))
        start = None
        since = request.query_params.get("updated_since")
        if since and not request.query_params.get("cursor"):
            parsed = parse_datetime(since)
            if parsed is None:
                raise exceptions.ValidationError({"updated_since": ["Use an ISO 8601 date-time."]})
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed, dt.UTC)
            start = (parsed, 0)  # strictly after (since, 0): every row updated at or after ``since``
        page = KeysetPage(request, queryset.values(*s.ENROLMENT_COLUMNS), ("updated_at", "id"), start=start)
        return Response(
            {
                "next": page.resume_link or request.build_absolute_uri(),
                "has_more": page.has_more,
                "results": [s.completion_json(row) for row in page.rows],
            }
        )


# --- Webhooks -----------------------------------------------------------------------------------


class WebhookMixin:
    model = WebhookEndpoint

    def scoped_queryset(self):
        return WebhookEndpoint.objects.filter(organisation=self.organisation)


class WebhookListCreate(WebhookMixin, ApiView):
    is_list = True
    filter_backends = []

    @list_schema(s.WebhookOut)
    def get(self, request):
        return self.list_page(request, s.webhook_json)

    @extend_schema(
        request=s.WebhookCreateIn,
        responses={201: s.WebhookCreatedOut},
        description="Register an HTTPS URL for some events. The signing `secret` is in this response only.",
    )
    @idempotent
    def post(self, request):
        data = self.validated(s.WebhookCreateIn)
        try:
            resolve_target(data["url"])
        except UnsafeURL as exc:
            raise exceptions.ValidationError({"url": [str(exc)]}) from None
        endpoint = WebhookEndpoint.objects.create(
            organisation=self.organisation,
            url=data["url"],
            events=sorted(set(data["events"])),
            description=data["description"],
        )
        return Response(s.webhook_json(endpoint, with_secret=True), status=status.HTTP_201_CREATED)


class WebhookDetail(WebhookMixin, ApiView):
    @extend_schema(responses={200: s.WebhookOut})
    def get(self, request, id):
        return Response(s.webhook_json(self.lookup(uuid=id)))

    @extend_schema(responses={204: None})
    def delete(self, request, id):
        self.lookup(uuid=id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveries(WebhookMixin, ApiView):
    is_list = True
    filter_backends = []

    @list_schema(s.DeliveryOut)
    def get(self, request, id):
        endpoint = self.lookup(uuid=id)
        page = KeysetPage(request, WebhookDelivery.objects.filter(endpoint=endpoint), ("created_at", "id"))
        return Response({"next": page.next_link, "results": [s.delivery_json(d) for d in page.rows]})


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
        return self.list_page(request, s.certificate_json)


class CertificateDetail(CertificateMixin, ApiView):
    @extend_schema(responses={200: s.CertificateOut})
    def get(self, request, id):
        return Response(s.certificate_json(self.lookup(uuid=id)))


class CertificatePdf(CertificateMixin, ApiView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The certificate as issued.")},
        description="The stored PDF, exactly as issued (never re-rendered). 409 while it is still being rendered.",
    )
    def get(self, request, id):
        certificate = self.lookup(uuid=id)
        if not certificate.pdf:
            raise problems.Conflict("The certificate is not rendered yet; retry in a minute.")
        return FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=certificate.filename,
            content_type="application/pdf",
        )


def not_found(request, *args, **kwargs):
    """Unknown URLs under /api/v1/ answer a problem, not the site's HTML 404 page."""
    return problems.problem_response(request, 404, "No such endpoint.")
