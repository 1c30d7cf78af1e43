"""SCIM 2.0 Users, Groups, discovery and errors through the test client (docs/scim.md)."""

import pytest

from api.models import ScimToken
from lms.models import Enrolment, EnrolmentStatus, OrganisationMember
from tests.scim.conftest import SCIM, ScimClient, patch_body, user_body

pytestmark = pytest.mark.django_db
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type


def create(scim, user_name="bjensen@example.com", **extra):
    response = scim.post("Users", user_body(user_name, **extra))
    assert response.status_code == 201, response.content
    return response.json()


# --- Users --------------------------------------------------------------------------------------


def test_create_get_and_enterprise_extension(scim, organisation):
    boss = create(scim, "boss@example.com")
    body = user_body(
        "ann@example.com",
        schemas=["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        **{ENTERPRISE: {"employeeNumber": "E-7", "department": "Sales", "manager": {"value": boss["id"]}}},
    )
    response = scim.post("Users", body)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == SCIM
    created = response.json()
    assert response["Location"].endswith(f"/scim/v2/Users/{created['id']}")
    member = OrganisationMember.objects.get(uuid=created["id"])
    assert member.organisation == organisation
    assert (member.email, member.employee_number, member.department) == ("ann@example.com", "E-7", "Sales")
    assert member.manager.uuid.hex == boss["id"].replace("-", "")
    got = scim.get(f"Users/{created['id']}").json()
    assert got["userName"] == "ann@example.com"
    assert got["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert got["displayName"] == "Barbara Jensen"
    assert got["emails"] == [{"value": "ann@example.com"}]
    assert got[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert got["active"] is True


def test_duplicate_user_name_is_409_uniqueness(scim):
    create(scim)
    assert_error(scim.post("Users", user_body(externalId="other")), 409, "uniqueness")


def test_unknown_attribute_and_bad_json_are_400(scim):
    assert_error(scim.post("Users", user_body(phoneNumbers=[{"value": "1"}])), 400, "invalidSyntax")
    assert_error(scim.post("Users", "{not json"), 400, "invalidSyntax")
    assert_error(scim.post("Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}), 400, "invalidValue")


def test_unknown_manager_is_400(scim):
    body = user_body(**{ENTERPRISE: {"manager": {"value": "00000000-0000-0000-0000-000000000000"}}})
    body["schemas"].append(ENTERPRISE)
    assert_error(scim.post("Users", body), 400, "invalidValue")


def test_list_filters_and_paging(scim):
    for n in range(3):
        create(scim, f"user{n}@example.com", externalId=f"x{n}")
    listed = scim.get("Users", startIndex=2, count=1).json()
    assert (listed["totalResults"], listed["startIndex"], listed["itemsPerPage"]) == (3, 2, 1)
    assert listed["Resources"][0]["userName"] == "user1@example.com"
    cases = {
        'userName eq "USER0@example.com"': 1,
        'externalId eq "x2"': 1,
        'externalId eq "X2"': 0,  # caseExact
        'emails.value eq "user1@example.com"': 1,
        'emails[type eq "work" and value eq "user1@example.com"]': 1,
        'userName eq "user0@example.com" or externalId eq "x1"': 2,
        'userName sw "user" and not (externalId eq "x0")': 2,
        'userName co "er1"': 1,
        "externalId pr": 3,
        "active eq true": 3,
    }
    for expression, expected in cases.items():
        response = scim.get("Users", filter=expression)
        assert response.status_code == 200, (expression, response.content)
        assert response.json()["totalResults"] == expected, expression


@pytest.mark.parametrize("expression", ['title eq "x"', 'userName gt "a"', "userName eq", "((", 'meta.created eq "x"'])
def test_bad_filters_are_invalid_filter(scim, expression):
    assert_error(scim.get("Users", filter=expression), 400, "invalidFilter")


def test_put_replaces(scim):
    user = create(scim)
    body = user_body("new@example.com", externalId="ext-new", active=False)
    body["name"] = {"givenName": "Babs", "familyName": "J"}
    response = scim.put(f"Users/{user['id']}", body)
    assert response.status_code == 200, response.content
    member = OrganisationMember.objects.get(uuid=user["id"])
    assert (member.user_name, member.email, member.first_name, member.active) == (
        "new@example.com",
        "new@example.com",
        "Babs",
        False,
    )


def test_put_without_active_keeps_it(scim):
    user = create(scim)
    scim.patch(f"Users/{user['id']}", patch_body({"op": "replace", "path": "active", "value": False}))
    body = user_body()
    del body["active"]
    assert scim.put(f"Users/{user['id']}", body).json()["active"] is False


def test_attributes_and_search(scim):
    user = create(scim)
    got = scim.get(f"Users/{user['id']}", attributes="userName").json()
    assert set(got) == {"schemas", "id", "userName"}
    listed = scim.get("Users", excludedAttributes="name,emails").json()["Resources"][0]
    assert "name" not in listed and "emails" not in listed and listed["userName"] == user["userName"]
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": f'userName eq "{user["userName"]}"',
        "attributes": ["externalId"],
    }
    found = scim.post("Users/.search", search).json()
    assert found["totalResults"] == 1 and set(found["Resources"][0]) == {"schemas", "id", "externalId"}
    assert_error(scim.post("Users/.search", {**search, "filter": "title pr"}), 400, "invalidFilter")
    group = scim.post("Groups", {"displayName": "Spring"}).json()
    search = {"schemas": search["schemas"], "filter": 'displayName eq "Spring"'}
    assert scim.post("Groups/.search", search).json()["Resources"][0]["id"] == group["id"]


def test_entra_patch_shapes(scim):
    user = create(scim)
    boss = create(scim, "boss@example.com")
    ops = [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "b2@example.com"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
        {"op": "Replace", "value": {"name.givenName": "Barb", f"{ENTERPRISE}:department": "Ops"}},
    ]
    response = scim.patch(f"Users/{user['id']}", patch_body(*ops))
    assert response.status_code == 200, response.content
    member = OrganisationMember.objects.select_related("manager").get(uuid=user["id"])
    assert member.active is False
    assert (member.email, member.first_name, member.department) == ("b2@example.com", "Barb", "Ops")
    assert str(member.manager.uuid) == boss["id"]
    assert member.user.is_active is False  # the organisation owns the account
    response = scim.patch(f"Users/{user['id']}", patch_body({"op": "Replace", "path": "active", "value": "True"}))
    assert response.json()["active"] is True


def test_okta_patch_shapes(scim):
    user = create(scim)
    response = scim.patch(f"Users/{user['id']}", patch_body({"op": "replace", "value": {"active": False}}))
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert OrganisationMember.objects.get(uuid=user["id"]).deactivated_at is not None
    response = scim.patch(f"Users/{user['id']}", patch_body({"op": "replace", "value": {"active": True}}))
    assert response.json()["active"] is True
    assert OrganisationMember.objects.get(uuid=user["id"]).deactivated_at is None


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "replace", "path": "bogus", "value": "1"}, "invalidPath"),
        ({"op": "replace", "path": "id", "value": "1"}, "mutability"),
        ({"op": "remove", "path": "userName"}, "mutability"),
        ({"op": "remove", "path": "active"}, "mutability"),
        ({"op": "frob", "path": "userName", "value": "x"}, "invalidValue"),
        ({"op": "replace", "path": "active", "value": "maybe"}, "invalidValue"),
    ],
)
def test_bad_patch_operations(scim, operation, scim_type):
    user = create(scim)
    assert_error(scim.patch(f"Users/{user['id']}", patch_body(operation)), 400, scim_type)


def test_patch_without_operations_is_400(scim):
    user = create(scim)
    response = scim.patch(f"Users/{user['id']}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})
    assert response.status_code == 400


def test_delete_erases_then_404(scim):
    user = create(scim)
    assert scim.delete(f"Users/{user['id']}").status_code == 204
    member = OrganisationMember.objects.get(uuid=user["id"])
    assert member.erased_at is not None and member.email == ""
    assert_error(scim.get(f"Users/{user['id']}"), 404)
    assert_error(scim.delete(f"Users/{user['id']}"), 404)
    assert scim.get("Users").json()["totalResults"] == 0


def test_cross_organisation_ids_are_404(scim, other_scim):
    user = create(scim)
    group = scim.post("Groups", {"displayName": "Spring"}).json()
    for path in (f"Users/{user['id']}", f"Groups/{group['id']}"):
        assert_error(other_scim.get(path), 404)
        assert_error(other_scim.delete(path), 404)
        assert_error(other_scim.patch(path, patch_body({"op": "replace", "path": "displayName", "value": "x"})), 404)
    assert other_scim.get("Users").json()["totalResults"] == 0
    assert other_scim.get("Users", filter=f'id eq "{user["id"]}"').json()["totalResults"] == 0
    # another organisation's user cannot be put into a group
    theirs = create(other_scim, "theirs@example.com")
    ops = patch_body({"op": "add", "path": "members", "value": [{"value": theirs["id"]}]})
    assert_error(scim.patch(f"Groups/{group['id']}", ops), 400, "invalidValue")


def test_auth(scim, organisation):
    assert_error(ScimClient(None).get("Users"), 401)
    assert_error(ScimClient("mcs_nope_nope").get("Users"), 401)
    token, raw = ScimToken.generate(organisation=organisation, name="old")
    token.revoke()
    assert_error(ScimClient(raw).get("Users"), 401)


def test_throttle(scim, settings):
    settings.MICROLEARN_SCIM_THROTTLE_RATE = "2/min"
    scim.get("Users")
    scim.get("Users")
    response = scim.get("Users")
    assert_error(response, 429)
    assert int(response["Retry-After"]) >= 1


# --- Groups -------------------------------------------------------------------------------------


def test_groups_membership(scim, organisation, mini_programme):
    ann, bob = create(scim, "ann@example.com"), create(scim, "bob@example.com")
    response = scim.post("Groups", {"displayName": "Spring", "members": [{"value": ann["id"]}]})
    assert response.status_code == 201, response.content
    group = response.json()
    assert [m["value"] for m in group["members"]] == [ann["id"]]
    enrolment = Enrolment.objects.get(user__memberships__uuid=ann["id"])
    assert enrolment.cohort.name == "Spring" and enrolment.course_id == mini_programme.pk
    add = patch_body({"op": "add", "path": "members", "value": [{"value": bob["id"]}]})
    assert {m["value"] for m in scim.patch(f"Groups/{group['id']}", add).json()["members"]} == {ann["id"], bob["id"]}
    remove = patch_body({"op": "remove", "path": f'members[value eq "{ann["id"]}"]'})
    assert [m["value"] for m in scim.patch(f"Groups/{group['id']}", remove).json()["members"]] == [bob["id"]]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    entra_remove = patch_body({"op": "Remove", "path": "members", "value": [{"value": bob["id"]}]})
    assert "members" not in scim.patch(f"Groups/{group['id']}", entra_remove).json()
    replace = patch_body({"op": "replace", "path": "members", "value": [{"value": ann["id"]}]})
    assert [m["value"] for m in scim.patch(f"Groups/{group['id']}", replace).json()["members"]] == [ann["id"]]
    rename = patch_body({"op": "replace", "value": {"displayName": "Autumn"}})
    assert scim.patch(f"Groups/{group['id']}", rename).json()["displayName"] == "Autumn"
    listed = scim.get("Groups", filter='displayName eq "autumn"').json()
    assert listed["totalResults"] == 1 and listed["Resources"][0]["members"][0]["value"] == ann["id"]
    assert scim.get("Groups", filter=f'members.value eq "{ann["id"]}"').json()["totalResults"] == 1
    assert scim.get("Groups", filter=f'members.value eq "{bob["id"]}"').json()["totalResults"] == 0
    put = scim.put(f"Groups/{group['id']}", {"displayName": "Autumn", "members": [{"value": bob["id"]}]})
    assert [m["value"] for m in put.json()["members"]] == [bob["id"]]


def test_refused_group_change_leaves_nothing_half_done(scim):
    ann = create(scim, "ann@example.com")
    scim.post("Groups", {"displayName": "Spring", "members": [{"value": ann["id"]}]})
    autumn = scim.post("Groups", {"displayName": "Autumn"}).json()
    # renamed first, then ann cannot join: she is in the running Spring cohort of the same course
    body = {"displayName": "Renamed", "members": [{"value": ann["id"]}]}
    assert_error(scim.put(f"Groups/{autumn['id']}", body), 400, "invalidValue")
    assert scim.get(f"Groups/{autumn['id']}").json()["displayName"] == "Autumn"


def test_body_too_large_is_413(scim, settings):
    settings.MICROLEARN_API_MAX_BODY_BYTES = 100
    assert_error(scim.post("Users", user_body(externalId="x" * 200)), 413)


def test_group_without_course_is_refused(other_scim):
    assert_error(other_scim.post("Groups", {"displayName": "Spring"}), 400, "invalidValue")


def test_duplicate_group_is_409(scim):
    scim.post("Groups", {"displayName": "Spring"})
    assert_error(scim.post("Groups", {"displayName": "Spring"}), 409, "uniqueness")


def test_delete_group_withdraws_or_keeps_history(scim):
    ann = create(scim, "ann@example.com")
    group = scim.post("Groups", {"displayName": "Spring", "members": [{"value": ann["id"]}]}).json()
    assert scim.delete(f"Groups/{group['id']}").status_code == 204
    assert_error(scim.get(f"Groups/{group['id']}"), 404)
    assert Enrolment.objects.get(user__memberships__uuid=ann["id"]).status == EnrolmentStatus.WITHDRAWN
    group = scim.post("Groups", {"displayName": "Done", "members": [{"value": ann["id"]}]}).json()
    done = Enrolment.objects.filter(cohort__uuid=group["id"])
    done.update(status=EnrolmentStatus.COMPLETED, completed_at="2026-01-01T00:00Z")
    assert_error(scim.delete(f"Groups/{group['id']}"), 409)
    assert scim.get(f"Groups/{group['id']}").status_code == 200


# --- Discovery and errors -----------------------------------------------------------------------


def test_discovery(scim):
    config = scim.get("ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    types = scim.get("ResourceTypes").json()
    assert {r["id"] for r in types["Resources"]} == {"User", "Group"}
    assert scim.get("ResourceTypes/User").json()["schemaExtensions"][0]["schema"] == ENTERPRISE
    schemas = scim.get("Schemas").json()
    assert len(schemas["Resources"]) == 3
    enterprise = scim.get(f"Schemas/{ENTERPRISE}").json()
    assert {a["name"] for a in enterprise["attributes"]} == {"employeeNumber", "department", "manager"}
    assert_error(scim.get("Schemas/urn:nope"), 404)
    assert_error(scim.get("Nope"), 404)


def test_method_not_allowed(scim):
    assert_error(scim.put("Users", {}), 405)


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_filtered_list_runs_constant_queries(scim, organisation, django_assert_num_queries, size):
    from tests.factories_api import MemberFactory

    boss = MemberFactory(organisation=organisation, user_name="boss", email="boss@example.com")
    for n in range(size):
        MemberFactory(organisation=organisation, user_name=f"u{n}", email=f"u{n}@example.com", manager=boss)
    scim.get("Users")  # warm the token's last_used_at
    # token, count, page (members with user and manager joined)
    with django_assert_num_queries(3):
        response = scim.get("Users", filter='userName sw "u"', count=200)
    assert response.json()["totalResults"] == size
    with django_assert_num_queries(3):
        scim.get("Users", filter='emails.value eq "u1@example.com"')


@pytest.mark.parametrize("size", [2, 12])
def test_group_list_runs_constant_queries(scim, organisation, django_assert_num_queries, size):
    users = [create(scim, f"g{n}@example.com") for n in range(2 * size)]
    for n in range(size):  # a person is in one running cohort per course: two people each
        members = [{"value": u["id"]} for u in users[2 * n : 2 * n + 2]]
        assert scim.post("Groups", {"displayName": f"G{n}", "members": members}).status_code == 201
    with django_assert_num_queries(4):  # token, count, page, members
        response = scim.get("Groups", filter='displayName sw "G"')
    assert response.json()["totalResults"] == size


def test_deactivated_people_can_be_group_members(scim):
    user = create(scim, active=False)
    assert OrganisationMember.objects.get(uuid=user["id"]).user.is_active is False
    group = scim.post("Groups", {"displayName": "Spring", "members": [{"value": user["id"]}]})
    assert group.status_code == 201, group.content
    assert [m["value"] for m in group.json()["members"]] == [user["id"]]


def test_search_across_resource_types_is_501(scim):
    assert_error(scim.post(".search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}), 501)
