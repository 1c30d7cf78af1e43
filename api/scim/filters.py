"""SCIM ``filter`` → Django ``Q``, on scim2-models' parser (``ScimFilter`` and its syntax tree).

Supported: ``eq``, ``ne``, ``co``, ``sw``, ``ew``, ``pr``, ``and``, ``or``, ``not`` on the
attributes in ``USER_ATTRIBUTES`` / ``GROUP_ATTRIBUTES``. Anything else (another attribute,
``gt``/``lt`` comparisons, a value path, a malformed filter) is ``InvalidFilterException``:
400 ``invalidFilter``. The result is one ``WHERE`` clause, so a filtered list runs the same
queries however many people the organisation has.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path.expressions import CompareOperator, Comparison, LogicalOperator
from scim2_models.path.visitor import FilterVisitor

# SCIM attribute (lower case, extension URN allowed) → (model field, case-exact?)
USER_ATTRIBUTES = {
    "id": ("uuid", True),
    "username": ("user_name", False),
    "externalid": ("external_id", True),
    "emails": ("email", False),
    "emails.value": ("email", False),
    "name.givenname": ("first_name", False),
    "name.familyname": ("last_name", False),
    "active": ("active", True),
    "employeenumber": ("employee_number", True),
    "department": ("department", False),
}


def group_attributes(members_q) -> dict:
    """Group attributes; ``members_q(uuid or None)`` is the ``Q`` of cohorts having that member
    (None: any member)."""
    members = ("members", True, members_q)
    return {"id": ("uuid", True), "displayname": ("name", False), "members": members, "members.value": members}


ENTERPRISE_PREFIX = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:"
CORE_PREFIXES = ("urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:")

_LOOKUPS = {
    CompareOperator.eq: ("exact", "iexact"),
    CompareOperator.co: ("contains", "icontains"),
    CompareOperator.sw: ("startswith", "istartswith"),
    CompareOperator.ew: ("endswith", "iendswith"),
}


def _attribute_name(node) -> str:
    path = node.attr_path
    name = path.attr if not path.sub_attr else f"{path.attr}.{path.sub_attr}"
    if path.uri:
        name = f"{path.uri}:{name}"
    name = name.lower()
    for prefix in (ENTERPRISE_PREFIX, *CORE_PREFIXES):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class _ToQ(FilterVisitor[Q]):
    def __init__(self, attributes: dict, text: str):
        self.attributes = attributes
        self.text = text

    def _field(self, node) -> tuple[str, bool]:
        name = _attribute_name(node)
        if name not in self.attributes:
            raise InvalidFilterException(detail=f"Filtering on '{name}' is not supported.", filter=self.text)
        return self.attributes[name]

    def visit_comparison(self, node: Comparison) -> Q:
        field, exact = self._field(node)[:2]
        value = node.value
        op = node.op
        if field == "active":
            if op not in (CompareOperator.eq, CompareOperator.ne) or not isinstance(value, bool):
                raise InvalidFilterException(detail="'active' takes eq or ne with true or false.", filter=self.text)
            q = Q(deactivated_at__isnull=value)
            return q if op == CompareOperator.eq else ~q
        if field in ("uuid", "members"):
            if op not in (CompareOperator.eq, CompareOperator.ne):
                raise InvalidFilterException(detail="Ids take eq or ne.", filter=self.text)
            try:
                parsed = uuid.UUID(str(value))
            except ValueError:
                q = Q(pk__in=[])  # no id matches a malformed one
            else:
                q = Q(uuid=parsed) if field == "uuid" else self.attributes["members"][2](parsed)
            return q if op == CompareOperator.eq else ~q
        if field == "email_type":  # every email we hold is the work email
            matches = op == CompareOperator.eq and str(value).lower() == "work"
            return Q() if matches else Q(pk__in=[])
        if not isinstance(value, str):
            raise InvalidFilterException(detail=f"'{_attribute_name(node)}' takes a string.", filter=self.text)
        if op == CompareOperator.ne:
            return ~Q(**{f"{field}__{'exact' if exact else 'iexact'}": value})
        if op not in _LOOKUPS:
            raise InvalidFilterException(detail=f"The operator '{op}' is not supported.", filter=self.text)
        exact_lookup, insensitive = _LOOKUPS[op]
        return Q(**{f"{field}__{exact_lookup if exact else insensitive}": value})

    def visit_present(self, node) -> Q:
        field = self._field(node)[0]
        if field == "active":
            return Q()
        if field == "uuid":
            return Q()
        if field == "members":
            return self.attributes["members"][2](None)
        return ~Q(**{field: ""})

    def visit_not(self, node) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node) -> Q:
        result = None
        for term in node.terms:
            q = self.visit(term)
            if result is None:
                result = q
            elif node.op == LogicalOperator.and_:
                result &= q
            else:
                result |= q
        return result or Q()

    def visit_value_path(self, node) -> Q:
        name = node.attr_path.attr.lower()
        if name == "emails" and "emails" in self.attributes:
            return _ToQ({"value": ("email", False), "type": ("email_type", False)}, self.text).visit(node.val_filter)
        if name == "members" and "members" in self.attributes:
            members = self.attributes["members"]
            return _ToQ({"value": members, "members": members}, self.text).visit(node.val_filter)
        raise InvalidFilterException(detail=f"Value filters on '{name}' are not supported.", filter=self.text)


def filter_to_q(text: str | None, attributes: dict) -> Q:
    """The ``Q`` for a SCIM filter (empty: everything). Raises ``InvalidFilterException``."""
    if not text:
        return Q()
    try:
        parsed = ScimFilter(text)
    except InvalidFilterException:
        raise
    except Exception as exc:  # the parser's own errors: a malformed filter
        raise InvalidFilterException(detail=f"The filter is malformed: {exc}", filter=text) from None
    return _ToQ(attributes, text).visit(parsed.ast)
