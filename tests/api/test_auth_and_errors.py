"""Tokens, sessions, the schema and docs, JSON errors and throttling."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import key_hash, token_create
from catalogue.api.throttling import UserRateThrottle
from tests import factories


def test_it_issues_a_token_for_a_username_and_password(legal):
    response = APIClient().post("/api/v1/auth/token/", {"username": legal.username,
                                                         "password": "correct horse battery staple"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=legal).key_hash == key_hash(token) and response.json()["expires_at"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_a_wrong_password_gets_no_token(legal):
    response = APIClient().post("/api/v1/auth/token/", {"username": legal.username, "password": "guess"}, format="json")
    assert response.status_code == 400 and "credentials" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_no_credentials_is_a_401_that_says_how_to_authenticate(db):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_token_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."


def test_an_expired_token_is_a_401_and_a_new_one_can_be_had(legal, settings):
    token, key = token_create(user=legal)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    fresh = APIClient().post("/api/v1/auth/token/", {"username": legal.username,
                                                      "password": "correct horse battery staple"}, format="json")
    assert fresh.json()["token"] != key


def test_a_token_works_until_it_expires_and_names_its_user(legal, settings):
    token, key = token_create(user=legal)
    assert token.expires_at - token.created == timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    assert response.wsgi_request.user == legal and response.wsgi_request.auth.pk == token.pk


def test_the_token_of_a_deactivated_user_is_a_401(legal):
    _, key = token_create(user=legal)
    type(legal).objects.filter(pk=legal.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401 and "inactive" in response.json()["detail"]


def test_the_browsable_api_works_with_a_session(world, legal):
    client = APIClient()
    client.force_login(legal)
    response = client.get("/api/v1/cases/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"<html" in response.content.lower()
    assert world["own", "open"].reference.encode() in response.content


def test_the_schema_and_docs_are_served(legal, api):
    schema = api(legal).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/auth/token/", "/api/v1/cases/", "/api/v1/cases/{reference}/", "/api/v1/evidence/",
                 "/api/v1/evidence/{id}/", "/api/v1/evidence/{id}/content/", "/api/v1/evidence/{id}/custody/",
                 "/api/v1/evidence/{id}/verify/", "/api/v1/hashes/{sha256}/"):
        assert path in paths
    names = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {"q", "status", "sensitivity", "category", "country", "place", "incident_after", "incident_before",
            "source", "perpetrator", "cursor", "ordering"} <= names
    assert api(legal).get("/api/docs/").status_code == 200


def test_it_throttles_per_user_with_a_429(world, legal, api, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: 6000.0)  # the start of a minute
    client = api(legal)
    statuses = [client.get("/api/v1/cases/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/cases/")
    assert response.json()["code"] == "throttled" and response.json()["retry_after"] == 60
    assert int(response["Retry-After"]) == 60
    # Another user has their own allowance.
    assert api(factories.user_with_role("legal")).get("/api/v1/cases/").status_code == 200


def test_the_allowance_comes_back_when_the_window_ends(world, legal, api, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    now = [6059.0]
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: now[0])
    client = api(legal)
    assert [client.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/cases/").json()["retry_after"] == 1
    now[0] = 6060.0  # the next minute
    assert [client.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 429]


def test_refused_requests_count_too_and_the_count_is_shared(world, legal, api, monkeypatch):
    """The count lives in the cache, not in the process: what one worker counted, another sees."""
    from django.core.cache import cache

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: 6000.0)
    cache.set(f"throttle_user_{legal.pk}:100", 2, timeout=60)  # another process's two requests
    assert api(legal).get("/api/v1/cases/").status_code == 429


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/evidence/"])
def test_an_unsupported_method_is_a_json_405(legal, api, path):
    response = api(legal).delete(path)
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


@pytest.fixture
def redis_cache():
    """config.cache.RedisCache (production's throttle cache) on the Redis REDIS_URL names, under a
    key prefix of its own; skipped without Redis."""
    import os
    import uuid

    from config.cache import RedisCache

    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis (REDIS_URL)")
    cache = RedisCache(url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    return cache  # its keys expire within a minute or two (clear() would empty the whole db)


def test_the_redis_throttle_count_is_one_round_trip_and_counts_as_add_and_incr_do(redis_cache):
    """config.cache.RedisCache.count against the add()/incr() path every other cache takes."""
    from catalogue.api.throttling import count_in_window

    assert [count_in_window("user:1", 60, cache=redis_cache, now=6000.0)[0] for _ in range(3)] == [1, 2, 3]
    # The same counter as the two-step path reads and writes: both paths can share one Redis.
    assert redis_cache.get("user:1:100") == 3
    assert redis_cache.incr("user:1:100") == 4
    assert count_in_window("user:1", 60, cache=redis_cache, now=6059.0) == (5, 1.0)
    assert count_in_window("user:1", 60, cache=redis_cache, now=6060.0)[0] == 1  # the next window
    ttl = redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key("user:1:101"))
    assert 0 < ttl <= 61
    # One client per server, made once: not one per command.
    assert redis_cache._cache.get_client(write=True) is redis_cache._cache.get_client(write=True)
