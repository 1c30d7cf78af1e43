"""SCIM's case-insensitive lookups (userName, emails: caseExact false) are served by an index.

Django's ``iexact`` on PostgreSQL is ``UPPER(col::text) = UPPER(value)``; only an index on
``UPPER(col)`` can answer it, so an initial sync's ``userName eq`` lookup stays cheap at any size.
"""

import pytest
from django.db import connection, transaction

from lms.models import OrganisationMember
from tests.factories import OrganisationFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Needs PostgreSQL: SQLite's iexact is LIKE, which no index serves."
    ),
]


@pytest.mark.parametrize(
    ("lookup", "index"),
    [("user_name__iexact", "ml_member_org_user_name_ci"), ("email__iexact", "ml_member_org_email_ci")],
)
def test_case_insensitive_lookups_can_use_their_index(lookup, index):
    organisation = OrganisationFactory()
    query = OrganisationMember.objects.filter(organisation=organisation, **{lookup: "Ann@Example.COM"})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show what it can use
        plan = query.explain()
    assert index in plan, plan
