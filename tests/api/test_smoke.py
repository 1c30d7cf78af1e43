import pytest

pytestmark = pytest.mark.django_db


def test_smoke(token_client, world):
    for url in ["participants", "courses", "cohorts", "enrolments", "completions", "webhooks"]:
        response = token_client.get(f"/api/v1/{url}/")
        print(url, response.status_code, response.json())
        assert response.status_code == 200
    response = token_client.get(f"/api/v1/enrolments/{world.enrolment.uuid}/")
    print(response.json())
    response = token_client.get(f"/api/v1/cohorts/{world.cohort.uuid}/challenge-stats/")
    print(response.json())
    assert response.status_code == 200
