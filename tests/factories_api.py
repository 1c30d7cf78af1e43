"""Factories for the HR API tests (API keys, members, enrolments, webhooks)."""

import factory
from django.utils import timezone

from api.models import ApiKey, ApiScope, WebhookEndpoint
from lms.models import Enrolment, EnrolmentSource, OrganisationMember
from tests.factories import CohortFactory, OrganisationFactory, UserFactory


def api_key_for(organisation, *, scope=ApiScope.READ_WRITE, name="tests"):
    """(ApiKey, raw key) for ``organisation``."""
    return ApiKey.generate(organisation=organisation, name=name, scope=scope)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMember

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    external_id = factory.Sequence(lambda n: f"E{n:05d}")
    # As the HR API provisions: the organisation's own copy of the person, and an account it owns.
    email = factory.LazyAttribute(lambda m: m.user.email.lower())
    user_name = factory.LazyAttribute(lambda m: m.user.email.lower())
    first_name = factory.LazyAttribute(lambda m: m.user.first_name)
    last_name = factory.LazyAttribute(lambda m: m.user.last_name)
    owns_account = True


def cohort_for(organisation, course, **kwargs):
    return CohortFactory(organisation=organisation, course=course, **kwargs)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    source = EnrolmentSource.API
    enrolled_at = factory.LazyFunction(timezone.now)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    organisation = factory.SubFactory(OrganisationFactory)
    url = "https://hooks.example.com/lms"
    events = factory.LazyFunction(lambda: ["enrolment.created", "enrolment.completed", "participant.deactivated"])
