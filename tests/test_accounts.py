"""Accounts: login, logout, password change and reset (console email in dev, locmem in tests)."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_lands_on_learn_and_logout_needs_post(client):
    UserFactory(username="pat")
    response = client.post("/accounts/login/", {"username": "pat", "password": "pw-for-tests"})
    assert response.status_code == 302 and response["Location"] == "/learn/"
    assert client.get("/learn/").status_code == 200
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/learn/").status_code == 302  # back to login


def test_wrong_password_shows_a_clear_error(client):
    UserFactory(username="pat")
    response = client.post("/accounts/login/", {"username": "pat", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_learn_requires_login(client):
    response = client.get("/learn/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_change(client):
    user = UserFactory(username="pat")
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "pw-for-tests", "new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Passw0rd!")


def test_password_reset_by_email_link(client):
    user = UserFactory(username="pat", email="pat@example.com")
    client.post("/accounts/password_reset/", {"email": "pat@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert b"Choose a new password" in form.content
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Another-pass-42", "new_password2": "Another-pass-42"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-42")


def test_password_reset_for_unknown_email_reveals_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"}, follow=True)
    assert b"If an account exists" in response.content
    assert mail.outbox == []
