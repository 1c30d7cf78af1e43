"""SCIM 2.0 endpoints (RFC 7644) at ``/scim/v2/``: Users, Groups and discovery (docs/scim.md).

Views only translate HTTP: the token names the organisation (``auth.py``), reads go through
``lms.selectors.organisation``, writes through ``lms.services.participants`` and
``api.scim.services``. Every refusal is a SCIM error (``application/scim+json``); another
organisation's ids answer 404, like unknown ones.
"""

from __future__ import annotations

import json
import logging
import uuid
from functools import wraps

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidSyntaxException,
    InvalidValueException,
    PatchOp,
    ResponseParameters,
    SCIMException,
    SearchRequest,
)

from lms.conf import conf
from lms.models import Enrolment, OrganisationMember
from lms.selectors.organisation import cohorts_for_organisation, participants_for_organisation
from lms.services import participants as people

from . import schemas
from .auth import authenticate, throttle
from .errors import ScimError
from .filters import USER_ATTRIBUTES, filter_to_q, group_attributes
from .services import CURRENT, GroupError, group_create, group_delete, group_rename, group_set_members

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/scim+json"
DEFAULT_COUNT = 100


def _json(data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, default=str), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status: int, detail: str, scim_type: str | None = None, headers: dict | None = None):
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return _json(body, status=status, headers=headers)


def _from_validation(exc: ValidationError) -> ScimError:
    errors = Error.from_validation_errors(exc.errors())
    error = errors[0] if errors else Error(status=400, detail="Invalid request.")
    return ScimError(int(error.status or 400), error.detail or "Invalid request.", error.scim_type or "invalidValue")


def scim_view(methods: tuple[str, ...]):
    """Authenticate, throttle, allow ``methods`` and turn every refusal into a SCIM error."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise ScimError(
                        405, f"{request.method} is not supported here.", headers={"Allow": ", ".join(methods)}
                    )
                token = authenticate(request)
                throttle(request, token)
                if request.method in ("POST", "PUT", "PATCH"):
                    limit = conf.API_MAX_BODY_BYTES
                    length = request.META.get("CONTENT_LENGTH") or "0"
                    if not length.isdigit() or int(length) > limit:
                        raise ScimError(413, f"The request body is larger than {limit} bytes.")
                request.scim_token = token
                request.scim_base = request.build_absolute_uri(reverse("microlearn_scim:root"))
                if request.method == "GET":
                    return view(request, *args, **kwargs)
                with transaction.atomic():  # a refused write leaves nothing half done
                    return view(request, *args, **kwargs)
            except ScimError as exc:
                return error_response(exc.status, exc.detail, exc.scim_type, exc.headers)
            except SCIMException as exc:
                return error_response(exc.status, exc.detail, exc.scim_type or None)
            except ValidationError as exc:
                scim = _from_validation(exc)
                return error_response(scim.status, scim.detail, scim.scim_type)
            except GroupError as exc:
                return error_response(exc.status, str(exc), exc.scim_type)
            except people.ParticipantGone:
                return error_response(404, "Resource not found.")
            except people.ParticipantConflict as exc:
                return error_response(409, str(exc), "uniqueness")
            except people.ParticipantError as exc:
                return error_response(400, str(exc), "invalidValue")
            except Exception:  # a bug: logged with its traceback, answered in the SCIM format
                logger.exception("SCIM request failed: %s %s", request.method, request.path)
                return error_response(500, "The request failed on the server; it has been logged.")

        return wrapper

    return decorate


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return data


def _dump(resource, ctx=Context.RESOURCE_QUERY_RESPONSE, parameters=None) -> dict:
    return resource.model_dump(scim_ctx=ctx, response_parameters=parameters)


def _response_parameters(request, model, data: dict | None = None):
    """``attributes`` / ``excludedAttributes`` (query string, or a ``.search`` body)."""
    source = data if data is not None else request.GET
    wanted = {
        "attributes": source.get("attributes") or None,
        "excludedAttributes": source.get("excludedAttributes") or None,
    }
    if not any(wanted.values()):
        return None
    return ResponseParameters[model].model_validate({k: v for k, v in wanted.items() if v})


def _paging(source) -> tuple[int, int]:
    try:
        start = int(source.get("startIndex") or 1)
        count = int(source.get("count") if source.get("count") is not None else DEFAULT_COUNT)
    except (TypeError, ValueError):
        raise InvalidValueException(detail="startIndex and count are integers.") from None
    return max(start, 1), min(max(count, 0), conf.API_MAX_PAGE_SIZE)


def _list(resources: list, total: int, start: int) -> HttpResponse:
    return _json(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def _parse_uuid(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- Users --------------------------------------------------------------------------------------


def _people(request):
    return participants_for_organisation(organisation=request.scim_token.organisation).filter(erased_at__isnull=True)


def _member(request, id) -> OrganisationMember:
    parsed = _parse_uuid(id)
    member = _people(request).filter(uuid=parsed).first() if parsed else None
    if member is None:
        raise ScimError(404, "Resource not found.")
    return member


def _manager(request, value):
    if not value:
        return None
    parsed = _parse_uuid(value)
    manager = _people(request).filter(uuid=parsed).first() if parsed else None
    if manager is None:
        raise ScimError(400, f"The manager '{value}' is not a user of your organisation.", "invalidValue")
    return manager


def _user_body(request, ctx, active: bool = True) -> schemas.Learner:
    data = _body(request)
    _normalise_user_payload(data, active=active)
    return schemas.UserModel.model_validate(data, scim_ctx=ctx, scim_policy=schemas.POLICY)


def _normalise_user_payload(data: dict, *, active: bool | None = None) -> None:
    """Entra ID writes ``active`` as "True"/"False" and the manager as a bare id. A whole user
    (``POST``/``PUT``) without ``active`` keeps ``active`` (True for a new user)."""
    if active is not None and not any(key.lower() == "active" for key in data):
        data["active"] = active
    for key, value in list(data.items()):
        if key.lower() == "active" and isinstance(value, str) and value.lower() in ("true", "false"):
            data[key] = value.lower() == "true"
        if key.lower() == schemas.ENTERPRISE_USER.lower() and isinstance(value, dict):
            for sub, sub_value in list(value.items()):
                if sub.lower() == "manager" and isinstance(sub_value, str):
                    value[sub] = {"value": sub_value} if sub_value else None


def _user_response(request, member, status=200, ctx=Context.RESOURCE_QUERY_RESPONSE):
    resource = schemas.user_resource(member, request.scim_base)
    parameters = _response_parameters(request, schemas.UserModel)
    return _json(_dump(resource, ctx, parameters), status=status, headers={"Location": resource.meta.location})


def _search_source(request, model) -> dict:
    """A ``POST .search`` body (SearchRequest) as the query parameters it stands for."""
    data = _body(request)
    SearchRequest[model].model_validate(data, scim_ctx=Context.SEARCH_REQUEST)  # refuses a malformed one
    return {key: data.get(key) for key in ("filter", "startIndex", "count", "attributes", "excludedAttributes")} | {
        key: ",".join(data[key]) for key in ("attributes", "excludedAttributes") if isinstance(data.get(key), list)
    }


def _user_list(request, source: dict):
    query = filter_to_q(source.get("filter"), USER_ATTRIBUTES)
    start, count = _paging(source)
    parameters = _response_parameters(request, schemas.UserModel, source)
    found = _people(request).filter(query).order_by("pk")
    total = found.count()
    page = list(found[start - 1 : start - 1 + count]) if count else []
    resources = [_dump(schemas.user_resource(m, request.scim_base), parameters=parameters) for m in page]
    return _list(resources, total, start)


@scim_view(("POST",))
def users_search(request):
    return _user_list(request, _search_source(request, schemas.UserModel))


@scim_view(("GET", "POST"))
def users(request):
    organisation = request.scim_token.organisation
    if request.method == "POST":
        user = _user_body(request, Context.RESOURCE_CREATION_REQUEST)
        values = schemas.user_values(user)
        manager = _manager(request, values.pop("manager"))
        member = people.participant_provision(organisation=organisation, manager=manager, **values)
        member = _member(request, member.uuid)
        return _user_response(request, member, 201, Context.RESOURCE_CREATION_RESPONSE)
    return _user_list(request, request.GET)


def _changes(member: OrganisationMember, values: dict) -> dict:
    changes = {}
    for name, value in values.items():
        if name == "manager":
            if (member.manager.uuid if member.manager_id else None) != (value.uuid if value else None):
                changes[name] = value
        elif name == "active":
            if value != member.active:
                changes[name] = value
        elif getattr(member, name) != value:
            changes[name] = value
    return changes


def _apply(request, member, values: dict) -> OrganisationMember:
    values["manager"] = _manager(request, values.get("manager"))
    if values.get("user_name") == "" and member.user_name:
        raise ScimError(400, "userName is required.", "invalidValue")
    changes = _changes(member, values)
    if changes:
        people.participant_update(member=member, **changes)
    return _member(request, member.uuid)


def _patch_body(request, model):
    data = _body(request)
    for operation in data.get("Operations") or data.get("operations") or []:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "").lower()
        value = operation.get("value")
        if path == "active" and isinstance(value, str) and value.lower() in ("true", "false"):
            operation["value"] = value.lower() == "true"
        elif path.endswith(":manager") and isinstance(value, str):
            operation["value"] = {"value": value}
        elif not path and isinstance(value, dict):
            _normalise_user_payload(value)
            for key, sub in list(value.items()):
                if key.lower().endswith(":manager") and isinstance(sub, str):
                    value[key] = {"value": sub}
    return PatchOp[model].model_validate(data, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=schemas.POLICY)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user_detail(request, id):
    member = _member(request, id)
    if request.method == "GET":
        return _user_response(request, member)
    if request.method == "DELETE":
        people.participant_erase(member=member)
        return HttpResponse(status=204)
    if request.method == "PUT":
        user = _user_body(request, Context.RESOURCE_REPLACEMENT_REQUEST, active=member.active)
        values = schemas.user_values(user)
        member = _apply(request, member, values)
        return _user_response(request, member, ctx=Context.RESOURCE_REPLACEMENT_RESPONSE)
    patch = _patch_body(request, schemas.UserModel)
    resource = schemas.user_resource(member, request.scim_base)
    patch.patch(resource, schemas.POLICY)
    values = schemas.user_values(resource)
    values.setdefault("active", True if resource.active is None else resource.active)
    member = _apply(request, member, values)
    return _user_response(request, member, ctx=Context.RESOURCE_PATCH_RESPONSE)


# --- Groups -------------------------------------------------------------------------------------


def _members_q(organisation):
    def members_q(member_uuid):
        people_q = Q(organisation=organisation, erased_at__isnull=True)
        if member_uuid is not None:
            people_q &= Q(uuid=member_uuid)
        users = OrganisationMember.objects.filter(people_q).values("user_id")
        return Q(pk__in=Enrolment.objects.filter(user_id__in=users, status__in=CURRENT).values("cohort_id"))

    return members_q


def _cohorts(request):
    return cohorts_for_organisation(organisation=request.scim_token.organisation)


def _cohort(request, id):
    parsed = _parse_uuid(id)
    cohort = _cohorts(request).filter(uuid=parsed).first() if parsed else None
    if cohort is None:
        raise ScimError(404, "Resource not found.")
    return cohort


def _members_of(organisation, cohorts: list) -> dict[int, list]:
    """cohort pk → [(member uuid, first, last)], in one query."""
    rows = (
        OrganisationMember.objects.filter(
            organisation=organisation,
            erased_at__isnull=True,
            user__enrolments__cohort__in=[c.pk for c in cohorts],
            user__enrolments__status__in=CURRENT,
        )
        .values_list("user__enrolments__cohort_id", "uuid", "first_name", "last_name")
        .order_by("pk")
    )
    found: dict[int, list] = {c.pk: [] for c in cohorts}
    for cohort_id, member_uuid, first, last in rows:
        found[cohort_id].append((member_uuid, first, last))
    return found


def _group_response(request, cohort, status=200, ctx=Context.RESOURCE_QUERY_RESPONSE):
    members = _members_of(request.scim_token.organisation, [cohort])[cohort.pk]
    resource = schemas.group_resource(cohort, members, request.scim_base)
    parameters = _response_parameters(request, schemas.GroupModel)
    return _json(_dump(resource, ctx, parameters), status=status, headers={"Location": resource.meta.location})


def _group_list(request, source):
    organisation = request.scim_token.organisation
    query = filter_to_q(source.get("filter"), group_attributes(_members_q(organisation)))
    start, count = _paging(source)
    parameters = _response_parameters(request, schemas.GroupModel, source)
    found = _cohorts(request).filter(query).order_by("pk")
    total = found.count()
    page = list(found[start - 1 : start - 1 + count]) if count else []
    excluded = {a.strip().lower() for a in (source.get("excludedAttributes") or "").split(",")}
    members = {} if "members" in excluded else _members_of(organisation, page)
    resources = [
        _dump(schemas.group_resource(c, members.get(c.pk, []), request.scim_base), parameters=parameters) for c in page
    ]
    return _list(resources, total, start)


@scim_view(("POST",))
def groups_search(request):
    return _group_list(request, _search_source(request, schemas.GroupModel))


def _group_members(request, group) -> list[OrganisationMember]:
    wanted = [m.value for m in (group.members or []) if m.value]
    parsed = [_parse_uuid(v) for v in wanted]
    if any(p is None for p in parsed):
        raise ScimError(400, "Members are SCIM ids of users of your organisation.", "invalidValue")
    found = {m.uuid: m for m in _people(request).filter(uuid__in=parsed)}
    missing = [str(p) for p in parsed if p not in found]
    if missing:
        raise ScimError(400, f"Not a user of your organisation: {', '.join(missing[:5])}.", "invalidValue")
    return list(found.values())


def _group_body(request, ctx):
    return schemas.GroupModel.model_validate(_body(request), scim_ctx=ctx, scim_policy=schemas.POLICY)


@scim_view(("GET", "POST"))
def groups(request):
    organisation = request.scim_token.organisation
    if request.method == "POST":
        group = _group_body(request, Context.RESOURCE_CREATION_REQUEST)
        cohort = group_create(
            organisation=organisation,
            course=request.scim_token.group_course,
            name=group.display_name or "",
            members=_group_members(request, group),
        )
        return _group_response(request, _cohort(request, cohort.uuid), 201, Context.RESOURCE_CREATION_RESPONSE)
    return _group_list(request, request.GET)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def group_detail(request, id):
    cohort = _cohort(request, id)
    if request.method == "GET":
        return _group_response(request, cohort)
    if request.method == "DELETE":
        group_delete(cohort=cohort)
        return HttpResponse(status=204)
    if request.method == "PUT":
        group = _group_body(request, Context.RESOURCE_REPLACEMENT_REQUEST)
    else:
        patch = _patch_body(request, schemas.GroupModel)
        members = _members_of(request.scim_token.organisation, [cohort])[cohort.pk]
        group = schemas.group_resource(cohort, members, request.scim_base)
        patch.patch(group, schemas.POLICY)
    wanted = _group_members(request, group)
    cohort = group_rename(cohort=cohort, name=group.display_name or "")
    group_set_members(cohort=cohort, members=wanted)
    return _group_response(request, cohort, ctx=Context.RESOURCE_REPLACEMENT_RESPONSE)


# --- Discovery ----------------------------------------------------------------------------------


@scim_view(("GET",))
def service_provider_config(request):
    config = schemas.service_provider_config(request.scim_base, conf.API_MAX_PAGE_SIZE)
    return _json(_dump(config))


def _by_id(items: list, id: str | None, kind: str):
    if id is None:
        return _list([_dump(i) for i in items], len(items), 1)
    for item in items:
        if item.id == id:
            return _json(_dump(item))
    raise ScimError(404, f"No {kind} '{id}'.")


@scim_view(("GET",))
def resource_types(request, id=None):
    return _by_id(schemas.resource_types(request.scim_base), id, "resource type")


@scim_view(("GET",))
def schema_list(request, id=None):
    return _by_id(schemas.schemas(request.scim_base), id, "schema")


@scim_view(("POST",))
def search_all(request):
    raise ScimError(501, "Search across resource types is not supported: use /Users/.search or /Groups/.search.")


@scim_view(("GET", "POST", "PUT", "PATCH", "DELETE"))
def not_found(request, rest=""):
    raise ScimError(404, "No such SCIM endpoint.")
