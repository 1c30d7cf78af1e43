"""django-filter filter sets of the list endpoints (query parameters, documented in the schema)."""

import datetime as dt

import django_filters
from rest_framework.exceptions import ValidationError

from lms.models import Certificate, Cohort, Enrolment, EnrolmentStatus, OrganisationMember


class ParticipantFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter(help_text="Exact HR employee number.")
    user_name = django_filters.CharFilter(lookup_expr="iexact", help_text="Exact user name (case-insensitive).")
    email = django_filters.CharFilter(lookup_expr="iexact", help_text="Exact work email (case-insensitive).")
    active = django_filters.BooleanFilter(field_name="deactivated_at", lookup_expr="isnull")

    class Meta:
        model = OrganisationMember
        fields = ["external_id", "user_name", "email", "active"]


class CohortFilter(django_filters.FilterSet):
    course = django_filters.UUIDFilter(field_name="course__translation_key", help_text="A course id.")

    class Meta:
        model = Cohort
        fields = ["course"]


class EnrolmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices)
    cohort = django_filters.UUIDFilter(field_name="cohort__uuid", help_text="A cohort id.")
    participant = django_filters.UUIDFilter(method="filter_participant", help_text="A participant id.")
    course = django_filters.UUIDFilter(field_name="course__translation_key", help_text="A course id.")

    class Meta:
        model = Enrolment
        fields = ["status", "cohort", "participant", "course"]

    def filter_participant(self, queryset, name, value):
        return queryset.filter(participant_uuid=value)


class CertificateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("issued", "Issued"), ("revoked", "Revoked"), ("superseded", "Superseded")]
    )
    participant = django_filters.UUIDFilter(method="filter_participant", help_text="A participant id.")
    enrolment = django_filters.UUIDFilter(field_name="enrolment__uuid", help_text="An enrolment id.")
    updated_since = django_filters.IsoDateTimeFilter(
        method="filter_updated_since",
        help_text="Only certificates changed (issued, revoked, superseded) at or after this ISO 8601 time.",
    )

    class Meta:
        model = Certificate
        fields = ["status", "participant", "enrolment", "updated_since"]

    def filter_participant(self, queryset, name, value):
        return queryset.filter(participant_uuid=value)

    def filter_updated_since(self, queryset, name, value):
        """In UTC: Python accepts offsets up to ±24 h, PostgreSQL only to ±15:59, so an offset such
        as -18:10 would be a database error (a 500) rather than a time."""
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 lies before year 1 in UTC
            raise ValidationError({name: ["Use an ISO 8601 date-time between the years 1 and 9999."]}) from None
        return queryset.filter(updated_at__gte=value)


class CompletionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices)
    cohort = django_filters.UUIDFilter(field_name="cohort__uuid", help_text="A cohort id.")

    class Meta:
        model = Enrolment
        fields = ["status", "cohort"]
