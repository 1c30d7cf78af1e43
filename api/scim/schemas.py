"""The SCIM resources we serve, declared with scim2-models, and how our records map to them.

We publish exactly what we store, so a directory never writes an attribute we would drop:

- **User** (``urn:ietf:params:scim:schemas:core:2.0:User``) ↔ ``OrganisationMember``:
  ``id`` = member uuid, ``externalId``, ``userName``, ``name.givenName``/``familyName``,
  ``displayName`` (read-only, from the names), one work email (``emails[type eq "work"].value``;
  ``primary`` and ``type`` are read-only and never returned), ``active`` (required); the
  enterprise extension's ``employeeNumber``, ``department`` and ``manager`` (``value`` = the
  manager's SCIM id, ``$ref`` its URL).
- **Group** (``urn:ietf:params:scim:schemas:core:2.0:Group``) ↔ ``Cohort``: ``id`` = cohort
  uuid, ``displayName`` = cohort name, ``members`` (``value`` + ``$ref``) = the organisation's
  people with a current (active or completed) enrolment in the cohort. ``externalId`` is
  read-only (a cohort has none).

Derived values the client cannot write (``name.formatted``, a member's ``display``) are left
out, so what a client writes is exactly what it reads back (scim2-tester checks this).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Meta,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)
from scim2_models import CaseExact as _CaseExact

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Entra ID sends ``remove`` with a value naming the members to remove, and ``replace`` on
# ``emails[type eq "work"].value`` for a user who has no email yet: both read as Entra means them.
POLICY = ScimPolicy(remove_value_as_filter="apply", unmatched_path_filter="create")


class UserName(ComplexAttribute):
    given_name: str | None = None
    family_name: str | None = None


class UserEmail(ComplexAttribute):
    """The one work email we hold. ``type`` and ``primary`` are never returned (it is always the
    primary work email) but exist so that Entra's ``emails[type eq "work"].value`` and Okta's
    ``emails[primary eq true].value`` resolve."""

    value: EmailStr | None = None
    type: Annotated[str | None, Mutability.read_only, Returned.never] = None
    primary: Annotated[bool | None, Mutability.read_only, Returned.never] = None


class ManagerRef(ComplexAttribute):
    """``value`` is the manager's SCIM id; a ``$ref`` sent alone names the manager by its URL."""

    value: Annotated[str | None, _CaseExact.true] = None
    ref: Reference["User"] | None = Field(None, serialization_alias="$ref", validation_alias="$ref")  # noqa: F821, UP037


class LearnerEnterprise(Extension):
    __schema__ = URN(ENTERPRISE_USER)

    employee_number: str | None = None
    department: str | None = None
    manager: ManagerRef | None = None


class Learner(Resource[LearnerEnterprise]):
    __schema__ = URN(CORE_USER)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: UserName | None = None
    display_name: Annotated[str | None, Mutability.read_only] = None
    # Required: a directory always says whether the person is active (``POST`` without it is
    # read as active, see ``views._normalise_user_payload``); a PATCH cannot remove it.
    active: Annotated[bool | None, Required.true] = None
    emails: list[UserEmail] | None = None


class CohortMember(ComplexAttribute):
    """A member is a user of the organisation: ``value`` its SCIM id, ``$ref`` its URL."""

    value: Annotated[str | None, Mutability.immutable, _CaseExact.true] = None
    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # noqa: F821, UP037
        None, serialization_alias="$ref", validation_alias="$ref"
    )


class CohortGroup(Resource[Any]):
    __schema__ = URN(CORE_GROUP)

    # A cohort has no external id of its own: the directory finds it by displayName or id.
    external_id: Annotated[str | None, Mutability.read_only, Returned.never, _CaseExact.true] = None
    display_name: Annotated[str | None, Required.true] = None
    members: list[CohortMember] | None = None


UserModel = Learner[LearnerEnterprise]
GroupModel = CohortGroup


# --- Our records as SCIM resources ----------------------------------------------------------------


def user_resource(member, base: str) -> Learner:
    """``member`` (with ``manager`` selected) as a SCIM User."""
    location = f"{base}Users/{member.uuid}"
    full_name = f"{member.first_name} {member.last_name}".strip()
    user = UserModel(
        id=str(member.uuid),
        external_id=member.external_id or None,
        user_name=member.user_name or member.email or str(member.uuid),
        name=UserName(given_name=member.first_name or None, family_name=member.last_name or None)
        if full_name
        else None,
        display_name=full_name or None,
        active=member.active,
        emails=[UserEmail(value=member.email, type="work", primary=True)] if member.email else None,
        meta=Meta(
            resource_type="User",
            created=member.created_at,
            last_modified=member.updated_at,
            location=location,
        ),
    )
    manager = member.manager if member.manager_id else None
    if member.employee_number or member.department or manager is not None:
        user[LearnerEnterprise] = LearnerEnterprise(
            employee_number=member.employee_number or None,
            department=member.department or None,
            manager=ManagerRef(value=str(manager.uuid), ref=f"{base}Users/{manager.uuid}")
            if manager is not None
            else None,
        )
    return user


def _manager_id(manager: ManagerRef | None) -> str | None:
    if manager is None:
        return None
    return manager.value or (str(manager.ref).rstrip("/").rsplit("/", 1)[-1] if manager.ref else None)


def user_values(user: Learner) -> dict:
    """The record fields a SCIM User sets (``manager`` as the SCIM id string, or None)."""
    emails = user.emails or []
    email = next((e.value for e in emails if e.primary), None) or (emails[0].value if emails else "")
    extension = user[LearnerEnterprise]
    values = {
        "user_name": user.user_name or "",
        "external_id": user.external_id or "",
        "first_name": (user.name.given_name if user.name else None) or "",
        "last_name": (user.name.family_name if user.name else None) or "",
        "email": (email or "").lower(),
        "employee_number": (extension.employee_number if extension else None) or "",
        "department": (extension.department if extension else None) or "",
        "manager": _manager_id(extension.manager if extension else None),
    }
    if user.active is not None:
        values["active"] = user.active
    return values


def group_resource(cohort, members: list, base: str) -> CohortGroup:
    """``cohort`` as a SCIM Group; ``members`` are (uuid, first name, last name) tuples."""
    return GroupModel(
        id=str(cohort.uuid),
        display_name=cohort.name,
        members=[CohortMember(value=str(uuid), ref=f"{base}Users/{uuid}") for uuid, _first, _last in members] or None,
        meta=Meta(
            resource_type="Group",
            created=cohort.created_at,
            last_modified=cohort.created_at,
            location=f"{base}Groups/{cohort.uuid}",
        ),
    )


# --- Discovery ----------------------------------------------------------------------------------


def service_provider_config(base: str, max_results: int) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=max_results),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="The organisation's SCIM token: Authorization: Bearer mcs_<prefix>_<secret>",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}ServiceProviderConfig"),
    )


def resource_types(base: str) -> list[ResourceType]:
    user = ResourceType.from_resource(UserModel)
    user.id = user.name = "User"
    user.endpoint = "/Users"
    user.description = "A participant of the organisation"
    user.meta = Meta(resource_type="ResourceType", location=f"{base}ResourceTypes/User")
    group = ResourceType.from_resource(GroupModel)
    group.id = group.name = "Group"
    group.endpoint = "/Groups"
    group.description = "A cohort of the organisation"
    group.meta = Meta(resource_type="ResourceType", location=f"{base}ResourceTypes/Group")
    return [user, group]


def schemas(base: str) -> list:
    found = []
    for model in (Learner, CohortGroup, LearnerEnterprise):
        schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{base}Schemas/{schema.id}")
        found.append(schema)
    return found
