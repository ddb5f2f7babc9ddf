"""API tokens: hashed at rest, several per user with a name and an expiry, revoked by logout,
by the admin and by a password change."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import token_create
from tests.admin_pages import staff
from tests.auth_helpers import force_login_verified

PASSWORD = "correct horse battery staple"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def issue(user, **extra):
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, **extra},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_each_sign_in_gives_a_new_named_token_with_an_expiry_and_all_of_them_work(legal, settings):
    first = issue(legal, name="laptop")
    second = issue(legal, name="court script")
    assert first["token"] != second["token"]
    assert {t.name for t in ApiToken.objects.filter(user=legal)} == {"laptop", "court script"}
    for issued in (first, second):
        token = ApiToken.objects.get(user=legal, name=issued["name"])
        assert token.expires_at - token.created == timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        assert with_key(issued["token"]).get("/api/v1/cases/").status_code == 200


def test_the_key_is_never_stored_only_its_sha256(legal):
    key = issue(legal)["token"]
    assert len(key) >= 40
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = [str(value) for row in cursor.fetchall() for value in row]
    assert key not in stored and not any(key in value for value in stored)
    assert ApiToken.objects.get().key_hash == hashlib.sha256(key.encode()).hexdigest()


def test_logout_revokes_the_token_it_is_sent_with_and_no_other(legal):
    keep, drop = issue(legal, name="keep")["token"], issue(legal, name="drop")["token"]
    assert with_key(drop).post("/api/v1/auth/logout/").status_code == 204
    response = with_key(drop).get("/api/v1/cases/")
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."
    assert with_key(drop).post("/api/v1/auth/logout/").status_code == 401
    assert with_key(keep).get("/api/v1/cases/").status_code == 200
    assert ApiToken.objects.get(name="drop").revoked_at is not None


def test_logout_without_a_token_is_refused(legal):
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401
    session = APIClient()
    session.force_login(legal)
    response = session.post("/api/v1/auth/logout/")
    assert response.status_code == 400 and response.json()["code"] == "no_token"


def test_a_password_change_ends_every_token(legal):
    keys = [issue(legal, name=f"t{n}")["token"] for n in range(2)]
    legal.set_password("a new and different passphrase")
    legal.save()
    for key in keys:
        response = with_key(key).get("/api/v1/cases/")
        assert response.status_code == 401 and response.json()["detail"] == "Invalid token."
    fresh = APIClient().post("/api/v1/auth/token/", {"username": legal.username,
                                                      "password": "a new and different passphrase"}, format="json")
    assert with_key(fresh.json()["token"]).get("/api/v1/cases/").status_code == 200


def test_an_outsider_password_change_leaves_my_tokens_alone(legal, outsider):
    key = issue(legal)["token"]
    outsider.set_password("something else entirely")
    outsider.save()
    assert with_key(key).get("/api/v1/cases/").status_code == 200


def test_expired_tokens_stop_working_and_are_cleared_at_the_next_sign_in(legal):
    old, key = token_create(user=legal, name="old")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired" in with_key(key).get("/api/v1/cases/").json()["detail"]
    issue(legal, name="new")
    assert list(ApiToken.objects.filter(user=legal).values_list("name", flat=True)) == ["new"]


def test_the_admin_lists_tokens_without_keys_and_revokes_them(legal):
    token, key = token_create(user=legal, name="field laptop")
    admin = staff("investigator", is_superuser=True)
    client = APIClient()
    force_login_verified(client, admin)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "field laptop" in page and key not in page and token.key_hash not in page
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert key not in detail and token.key_hash not in detail
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]},
                           format="multipart")
    assert response.status_code == 302
    assert with_key(key).get("/api/v1/cases/").status_code == 401


def test_authenticating_a_token_is_one_query(legal, django_assert_num_queries):
    from catalogue.api.authentication import token_with_user

    _, key = token_create(user=legal)
    with django_assert_num_queries(1):
        token = token_with_user(key)
    assert token.user == legal and token.name == "api"
    assert token_with_user(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
