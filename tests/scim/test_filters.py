"""SCIM filter → Q, without a database: supported shapes, and every refusal is invalidFilter."""

import pytest
from django.db.models import Q
from scim2_models import InvalidFilterException

from api.scim.filters import USER_ATTRIBUTES, filter_to_q, group_attributes


def test_supported_shapes():
    assert filter_to_q('userName eq "Ann"', USER_ATTRIBUTES) == Q(user_name__iexact="Ann")
    assert filter_to_q('externalId eq "X"', USER_ATTRIBUTES) == Q(external_id__exact="X")
    assert filter_to_q('emails.value sw "a"', USER_ATTRIBUTES) == Q(email__istartswith="a")
    assert filter_to_q("externalId pr", USER_ATTRIBUTES) == ~Q(external_id="")
    assert filter_to_q('userName eq "a" or externalId eq "b"', USER_ATTRIBUTES) == Q(user_name__iexact="a") | Q(
        external_id__exact="b"
    )
    assert filter_to_q("active eq false", USER_ATTRIBUTES) == Q(deactivated_at__isnull=False)
    assert filter_to_q(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "Sal"', USER_ATTRIBUTES
    ) == Q(department__icontains="Sal")
    assert filter_to_q("", USER_ATTRIBUTES) == Q()


def test_members_filter_uses_the_callback():
    seen = []
    attributes = group_attributes(lambda uuid: seen.append(uuid) or Q(pk=1))
    filter_to_q('members.value eq "00000000-0000-0000-0000-000000000001"', attributes)
    assert str(seen[0]) == "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    "expression",
    ['title eq "x"', 'userName gt "a"', "userName eq", "((", 'active eq "yes"', 'addresses[type eq "work"]'],
)
def test_refused(expression):
    with pytest.raises(InvalidFilterException):
        filter_to_q(expression, USER_ATTRIBUTES)
