"""Login guessing: every login form locks out per account and per client address, then cools off.

Found: 25 wrong passwords for one account all answered 200 and the right one then logged in,
on /accounts/login/, /admin/login/ and /django-admin/login/.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_FORMS = ["/accounts/login/", "/admin/login/", "/django-admin/login/"]
LOCKED = "Too many failed sign-in attempts"


@pytest.fixture
def staff():
    return UserFactory(username="pat", is_staff=True, is_superuser=True)


def post_login(client, url, username, password, ip="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_guessing_locks_the_account_out_even_for_the_right_password(client, settings, staff, url):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, url, "pat", "wrong").status_code == 200  # the form, with its error
    locked = post_login(client, url, "pat", "wrong")
    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    right = post_login(client, url, "pat", "pw-for-tests")
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_25_guesses_never_get_in(client, staff):
    statuses = {post_login(client, "/accounts/login/", "pat", f"guess-{n}").status_code for n in range(25)}
    assert statuses == {200, 429}
    assert post_login(client, "/accounts/login/", "pat", "pw-for-tests").status_code == 429


def test_lockout_counts_the_account_from_any_address_and_any_letter_case(client, settings, staff):
    for n in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/accounts/login/", "PAT" if n % 2 else "pat ", "wrong", ip=f"198.51.100.{n + 1}")
    assert post_login(client, "/admin/login/", "pat", "pw-for-tests", ip="192.0.2.99").status_code == 429


def test_lockout_counts_the_client_address_across_accounts(client, settings, staff):
    for n in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/accounts/login/", f"someone-{n}", "wrong", ip="198.51.100.50")
    assert post_login(client, "/accounts/login/", "pat", "pw-for-tests", ip="198.51.100.50").status_code == 429
    response = post_login(client, "/accounts/login/", "pat", "pw-for-tests", ip="198.51.100.51")
    assert response.status_code == 302


def test_the_message_does_not_reveal_whether_the_account_exists(client, settings, staff):
    pages = []
    for username, ip in (("pat", "192.0.2.1"), ("nobody-here", "192.0.2.2")):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = post_login(client, "/accounts/login/", username, "wrong", ip=ip)
        pages.append(response.content.decode())
    assert pages[0] == pages[1] and LOCKED in pages[0]
    assert "15 minutes" in pages[0]


def test_lockout_cools_off(client, settings, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/accounts/login/", "pat", "wrong")
    assert post_login(client, "/accounts/login/", "pat", "pw-for-tests").status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME)
    assert post_login(client, "/accounts/login/", "pat", "pw-for-tests").status_code == 302


def test_staff_unlock_an_account_in_the_admin(client, settings, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "/accounts/login/", "pat", "wrong")
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "pat" in client.get(changelist).content.decode()
    attempt = AccessAttempt.objects.get(username="pat")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}, follow=True
    )
    assert response.status_code == 200 and not AccessAttempt.objects.exists()
    client.logout()
    assert post_login(client, "/accounts/login/", "pat", "pw-for-tests").status_code == 302


def test_a_right_password_resets_the_count(client, settings, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "/accounts/login/", "pat", "wrong")
    assert post_login(client, "/accounts/login/", "pat", "pw-for-tests").status_code == 302
    client.logout()
    assert post_login(client, "/accounts/login/", "pat", "wrong").status_code == 200
