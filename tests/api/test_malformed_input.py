"""No input is a 500: each malformed request below, and its kin, is answered with a JSON 400
(or, for a byte range, an answer that ignores or refuses it), never a server error."""

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.api.helpers import client_for, sealed_item

HUGE = "9" * 5000


@pytest.fixture
def case(team, investigator):
    return factories.CaseFactory(team=team, created_by=investigator, reference="UA-2022-0007")


def assert_json_400(response, *words):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] in ("invalid", "parse_error") and body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]


def nested(depth: int, opener="[", closer="]") -> str:
    return opener * depth + closer * depth


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_json_nested_deeply_to_the_token_endpoint_is_a_400(db, depth):
    response = APIClient().post("/api/v1/auth/token/", nested(depth), content_type="application/json")
    assert_json_400(response)


@pytest.mark.parametrize("body", [nested(1000), '{"a":' * 1000 + "1" + "}" * 1000, '{"status": ' + nested(40) + "}"])
def test_json_nested_deeply_to_any_json_endpoint_is_a_400(case, reviewer, investigator, body):
    assert_json_400(client_for(reviewer).post(f"/api/v1/cases/{case.reference}/status/", body,
                                              content_type="application/json"))
    assert_json_400(client_for(investigator).patch(f"/api/v1/cases/{case.reference}/", body,
                                                   content_type="application/json"))
    assert_json_400(client_for(investigator).post("/api/v1/evidence/", body, content_type="application/json"))


@pytest.mark.parametrize("body", ["[]", '["under_review"]', '"under_review"', "1", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400(case, reviewer, investigator, body):
    response = client_for(reviewer).post(f"/api/v1/cases/{case.reference}/status/", body,
                                         content_type="application/json")
    assert_json_400(response, "JSON object")
    assert_json_400(client_for(investigator).patch(f"/api/v1/cases/{case.reference}/", body,
                                                   content_type="application/json"), "JSON object")
    assert_json_400(client_for(investigator).post(f"/api/v1/cases/{case.reference}/changes/1/approve/", body,
                                                  content_type="application/json"), "JSON object")
    assert APIClient().post("/api/v1/auth/token/", body, content_type="application/json").status_code == 400


def test_json_that_is_not_json_is_a_400(case, reviewer):
    for body in ("{", '{"status": NaN}', '{"status": "under_review"', "\x00"):
        assert_json_400(client_for(reviewer).post(f"/api/v1/cases/{case.reference}/status/", body,
                                                  content_type="application/json"))


@pytest.mark.parametrize("path", [
    "/api/v1/cases/UA-2022-0007%00/", "/api/v1/cases/%00/", "/api/v1/cases/UA%00/exports/",
    "/api/v1/cases/UA%00/changes/", "/api/v1/hashes/%00/",
    "/api/v1/cases/?q=%00", "/api/v1/cases/?perpetrator=a%00b", "/api/v1/cases/?place=%00",
    "/api/v1/cases/?source=%00", "/api/v1/evidence/?case=UA-2022-0007%00", "/api/v1/evidence/?q=%00",
    "/api/v1/cases/?cursor=%00", "/api/v1/cases/?%00=1", "/api/v1/log/proof/inclusion/?entry_hash=%00",
])
def test_a_nul_byte_in_a_path_or_filter_is_a_400(case, legal, path):
    assert_json_400(client_for(legal).get(path), "NUL")


def test_a_nul_byte_before_logging_in_is_a_400_too(db):
    assert_json_400(APIClient().get("/api/v1/cases/UA%00/"), "NUL")


def test_a_nul_byte_in_an_admin_search_is_a_400(client, db):
    response = client.get("/admin/catalogue/case/?q=%00")
    assert response.status_code == 400


@pytest.mark.parametrize("query", [
    "index=²", "index=٣", "index=１", f"index={HUGE}", "index=99999999999999999999", "index=-1", "index=1e3",
    "entry_hash=" + "a" * 64 + "&tree_size=²", f"entry_hash={'a' * 64}&tree_size={HUGE}",
])
def test_a_log_index_that_is_not_a_plain_number_is_a_400(db, legal, query):
    assert_json_400(client_for(legal).get(f"/api/v1/log/proof/inclusion/?{query}"))


@pytest.mark.parametrize("query", ["first=²", f"first={HUGE}", "first=0&second=²", f"first=0&second={HUGE}"])
def test_a_consistency_size_that_is_not_a_plain_number_is_a_400(db, legal, query):
    assert_json_400(client_for(legal).get(f"/api/v1/log/proof/consistency/?{query}"))


@pytest.mark.parametrize("value", ["²", "٣", HUGE, "1" * 30])
def test_a_related_filter_with_odd_digits_is_read_as_a_name(case, legal, value):
    for param in ("perpetrator", "place", "source"):
        response = client_for(legal).get("/api/v1/cases/", {param: value})
        assert response.status_code == 200, (param, response.content[:200])
        assert response.json()["results"] == []


@pytest.fixture
def item(case, investigator):
    return sealed_item(investigator, case, b"0123456789")


@pytest.mark.parametrize(("header", "status", "length"), [
    (f"bytes={HUGE}-", 416, None),
    (f"bytes=0-{HUGE}", 206, 10),
    (f"bytes=-{HUGE}", 206, 10),
    (f"bytes={HUGE}-{HUGE}", 416, None),
    ("bytes=" + "0" * 5000 + "1-", 206, 9),
    ("bytes=²-", 200, 10),
    ("bytes=٣-", 200, 10),
])
def test_a_range_with_huge_or_odd_numbers_is_ignored_or_refused(item, legal, header, status, length):
    response = client_for(legal).get(f"/api/v1/evidence/{item.pk}/content/", HTTP_RANGE=header)
    assert response.status_code == status
    if length is not None:
        assert len(b"".join(response.streaming_content)) == length
    else:
        assert response.json()["code"] == "range_not_satisfiable"


def test_an_empty_cursor_is_the_first_page(case, legal):
    response = client_for(legal).get("/api/v1/cases/", {"cursor": ""})
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [case.reference]
    assert client_for(legal).get("/api/v1/evidence/", {"cursor": ""}).status_code == 200


def test_a_malformed_change_request_id_is_a_404_not_a_500(case, reviewer):
    for change_id in ("²", HUGE[:30], "-1"):
        response = client_for(reviewer).post(f"/api/v1/cases/{case.reference}/changes/{change_id}/approve/")
        assert response.status_code == 404


def test_a_nul_byte_inside_a_json_body_is_a_400(case, investigator, reviewer):
    nul = "UA\u00002022"
    assert_json_400(client_for(investigator).patch(f"/api/v1/cases/{case.reference}/", {"title": nul}, format="json"))
    assert_json_400(client_for(investigator).post("/api/v1/evidence/", {
        "case": nul, "kind": "image", "title": "Photo", "held_by": "NGO"}, format="json"))
    assert_json_400(client_for(reviewer).post(f"/api/v1/cases/{case.reference}/status/", {"status": nul},
                                              format="json"))
    assert APIClient().post("/api/v1/auth/token/", {"username": nul, "password": nul},
                            format="json").status_code == 400
