"""SCIM's case-insensitive lookups (userName, emails: caseExact false) are served by an index.

Django's ``iexact`` on PostgreSQL is ``UPPER(col::text) = UPPER(value)``; only an index on
``UPPER(col)`` can answer it, so an initial sync's ``userName eq`` lookup stays cheap at any size.
"""

import pytest
from django.db import connection

from lms.models import OrganisationMember
from tests.factories import OrganisationFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Needs PostgreSQL: SQLite's iexact is LIKE, which no index serves."
    ),
]


@pytest.fixture
def big_organisation(django_user_model):
    """One organisation with 3,000 records, analysed: enough that only the right index is cheap."""
    organisation = OrganisationFactory()
    users = django_user_model.objects.bulk_create(
        [django_user_model(username=f"idx-{n}", email=f"p{n}@example.com") for n in range(3000)]
    )
    OrganisationMember.objects.bulk_create(
        [
            OrganisationMember(organisation=organisation, user=u, user_name=u.email, email=u.email, external_id=f"e{n}")
            for n, u in enumerate(users)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {OrganisationMember._meta.db_table}")
    return organisation


@pytest.mark.parametrize(
    ("lookup", "index"),
    [("user_name__iexact", "ml_member_org_user_name_ci"), ("email__iexact", "ml_member_org_email_ci")],
)
def test_case_insensitive_lookups_use_their_index(big_organisation, lookup, index):
    query = OrganisationMember.objects.filter(organisation=big_organisation, **{lookup: "P1234@Example.COM"})
    plan = query.explain()
    assert index in plan, plan
    assert query.count() == 1
