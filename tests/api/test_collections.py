"""Every collection of the HR API lists the key's own organisation's objects with the documented
envelope (`results`, `next`), and a detail answers the object asked for. What the lists leave out
(other organisations' rows) is tests/api/test_cross_organisation.py's subject."""

import pytest

pytestmark = pytest.mark.django_db


def own_ids(world) -> dict[str, set[str]]:
    return {
        "participants": {str(world.member.uuid)},
        "courses": {str(world.course.translation_key)},
        "cohorts": {str(world.cohort.uuid)},
        "enrolments": {str(world.enrolment.uuid)},
        "completions": {str(world.enrolment.uuid)},
        "webhooks": {str(world.webhook.uuid)},
    }


@pytest.mark.parametrize("collection", ["participants", "courses", "cohorts", "enrolments", "completions", "webhooks"])
def test_each_collection_lists_the_organisations_own_objects(token_client, world, collection):
    response = token_client.get(f"/api/v1/{collection}/")
    assert response.status_code == 200
    data = response.json()
    assert {"results", "next"} <= set(data)
    assert {row["id"] for row in data["results"]} == own_ids(world)[collection]


def test_an_enrolment_detail_is_that_enrolment(token_client, world):
    response = token_client.get(f"/api/v1/enrolments/{world.enrolment.uuid}/")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(world.enrolment.uuid) and data["status"] == world.enrolment.status
