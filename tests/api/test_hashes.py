"""GET /api/v1/hashes/{sha256}/: do we hold this file, among the items you may see?"""

import hashlib

import pytest

from tests.api.helpers import sealed_item

CONTENT = b"a photo that was filed twice"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def holders(world):
    own = world["own", "open"]
    hidden = world["other", "restricted"]
    return {
        "own": sealed_item(own.created_by, own, CONTENT, kind="image", title="Photo", name="p.jpg"),
        "hidden": sealed_item(hidden.created_by, hidden, CONTENT, kind="image", title="Photo", name="p.jpg"),
    }


def test_it_lists_the_items_that_hold_the_content_among_those_you_may_see(holders, legal, api):
    body = api(legal).get(f"/api/v1/hashes/{DIGEST}/").json()
    assert body["sha256"] == DIGEST and body["count"] == 1
    assert [i["id"] for i in body["items"]] == [str(holders["own"].pk)]


def test_the_other_teams_user_sees_both(holders, other_team, api):
    from tests import factories

    their_legal = factories.user_with_role("legal", team=other_team)
    body = api(their_legal).get(f"/api/v1/hashes/{DIGEST.upper()}/").json()
    assert body["count"] == 2 and body["sha256"] == DIGEST


def test_an_unknown_hash_is_an_empty_answer(holders, legal, api):
    body = api(legal).get(f"/api/v1/hashes/{'0' * 64}/").json()
    assert body == {"sha256": "0" * 64, "count": 0, "items": []}


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0" * 63, "0" * 65, "%20"])
def test_a_malformed_hash_is_a_400(legal, api, bad):
    response = api(legal).get(f"/api/v1/hashes/{bad}/")
    assert response.status_code == 400 and "sha256" in response.json()["errors"]


def test_an_anonymous_lookup_is_a_401(api):
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/hashes/{DIGEST}/").status_code == 401
