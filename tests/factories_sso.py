"""Factories for single sign-on tests."""

import factory

from lms.models import OrganisationSso
from tests.factories import OrganisationFactory


class OrganisationSsoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationSso

    organisation = factory.SubFactory(OrganisationFactory)
    issuer = "https://login.example.test"
    client_id = "microlearn"
    client_secret = "test-client-secret-1234"
    allowed_domains = "acme.test"
