"""The permission matrix: each role, own team and other team, each sensitivity: seen or 404."""

import pytest

from tests import factories

SENSITIVITIES = ("open", "restricted", "confidential")


def _expected(role: str, owner: str, sensitivity: str) -> bool:
    if sensitivity == "open":
        return True
    if owner == "other":
        return False
    if sensitivity == "restricted":
        return True
    return role in ("reviewer", "legal", "filer")  # confidential: reviewers, legal, whoever filed it


@pytest.fixture
def users(team, investigator):
    return {
        "filer": investigator,  # filed our team's cases
        "investigator": factories.user_with_role("investigator", team=team),
        "reviewer": factories.user_with_role("reviewer", team=team),
        "legal": factories.user_with_role("legal", team=team),
    }


@pytest.mark.parametrize("role", ["filer", "investigator", "reviewer", "legal"])
@pytest.mark.parametrize("owner", ["own", "other"])
@pytest.mark.parametrize("sensitivity", SENSITIVITIES)
def test_each_role_sees_a_case_and_its_evidence_or_gets_a_404(world, users, api, role, owner, sensitivity):
    case = world[owner, sensitivity]
    from evidence.services import evidence_register

    item = evidence_register(actor=case.created_by, case=case, kind="document", title="Memo", held_by="NGO")
    client = api(users[role])
    seen = _expected(role, owner, sensitivity)
    listed = {c["reference"] for c in client.get("/api/v1/cases/").json()["results"]}
    assert (case.reference in listed) is seen
    detail = client.get(f"/api/v1/cases/{case.reference}/")
    assert detail.status_code == (200 if seen else 404)
    assert client.get(f"/api/v1/evidence/{item.pk}/").status_code == (200 if seen else 404)
    assert client.get(f"/api/v1/evidence/{item.pk}/custody/").status_code == (200 if seen else 404)
    items = {i["id"] for i in client.get("/api/v1/evidence/").json()["results"]}
    assert (str(item.pk) in items) is seen
    if not seen:
        assert case.reference not in detail.content.decode()
        assert detail.json()["code"] == "not_found"


def test_a_user_without_a_role_sees_nothing(world, api):
    client = api(factories.UserFactory())
    assert client.get("/api/v1/cases/").json()["results"] == []
    assert client.get(f"/api/v1/cases/{world['own', 'open'].reference}/").status_code == 404


def test_a_superuser_sees_every_case(world, api):
    client = api(factories.UserFactory(is_superuser=True))
    assert len(client.get("/api/v1/cases/").json()["results"]) == len(world)


def test_the_content_of_another_teams_restricted_item_is_a_404_and_no_custody_entry(world, api, legal):
    from tests.api.helpers import sealed_item

    case = world["other", "restricted"]
    item = sealed_item(case.created_by, case)
    before = item.custody.count()
    response = api(legal).get(f"/api/v1/evidence/{item.pk}/content/")
    assert response.status_code == 404
    assert api(legal).post(f"/api/v1/evidence/{item.pk}/verify/").status_code == 404
    assert item.custody.count() == before


@pytest.fixture
def sealed_everywhere(world):
    """One sealed item of the same content in each of the six cases."""
    from tests.api.helpers import sealed_item

    return {key: sealed_item(case.created_by, case, b"the same photograph", title="Photo") for key, case in world.items()}


@pytest.mark.parametrize("role", ["filer", "investigator", "reviewer", "legal"])
def test_the_hash_lookup_keeps_to_the_same_matrix(sealed_everywhere, users, api, role):
    """The hash lookup runs its own statement (evidence.selectors.item_rows_holding); it must see what the rest sees."""
    digest = next(iter(sealed_everywhere.values())).sha256
    found = {i["id"] for i in api(users[role]).get(f"/api/v1/hashes/{digest}/").json()["items"]}
    expected = {str(item.pk) for (owner, sensitivity), item in sealed_everywhere.items()
                if _expected(role, owner, sensitivity)}
    assert found == expected


def test_the_hash_lookup_shows_a_superuser_all_and_a_user_without_a_role_nothing(sealed_everywhere, api):
    digest = next(iter(sealed_everywhere.values())).sha256
    assert api(factories.UserFactory(is_superuser=True)).get(f"/api/v1/hashes/{digest}/").json()["count"] == 6
    assert api(factories.UserFactory()).get(f"/api/v1/hashes/{digest}/").json()["count"] == 0
