"""Cases through the API: list, filters, ordering, cursors, detail, access log, writes."""

from datetime import date

import pytest

from catalogue import services
from catalogue.models import AccessLog, Case
from evidence.services import evidence_register
from tests import factories
from tests.factories import CaseFactory


def refs(response):
    assert response.status_code == 200, response.content
    return [c["reference"] for c in response.json()["results"]]


@pytest.fixture
def described(team, investigator):
    """Two open cases that differ in every filtered respect."""
    kyiv = factories.PlaceFactory(name="Kyiv", aliases=["Kiev", "Київ"], country="UA")
    tbilisi = factories.PlaceFactory(name="Tbilisi", country="GE")
    ngo, ministry = factories.SourceFactory(name="Memorial NGO"), factories.SourceFactory(name="Ministry")
    unit, group = factories.ActorFactory(name="64th Brigade"), factories.ActorFactory(name="Wagner group")
    a = services.case_create(
        actor=investigator, team=team, reference="UA-2022-0001", title="Shelling of a theatre",
        summary="A shelter marked with the word children", incident_start=date(2022, 3, 16),
        incident_end=date(2022, 3, 18), places=[kyiv], categories=["8(2)(b)(i)"], perpetrators=[unit],
    )
    services.case_add_source(case=a, source=ngo, reliability="B", credibility="2")
    services.case_add_victim_count(case=a, category="killed", count=12, source=ngo)
    b = services.case_create(
        actor=investigator, team=team, reference="GE-2008-0001", title="Deportation of villagers",
        incident_start=date(2008, 8, 10), places=[tbilisi], categories=["7(1)(d)"], perpetrators=[group],
    )
    services.case_add_source(case=b, source=ministry, reliability="E", credibility="5")
    Case.objects.filter(pk=b.pk).update(status="verified")
    return {"a": a, "b": b, "kyiv": kyiv, "ngo": ngo, "unit": unit}


def test_it_lists_cases_with_places_categories_and_evidence_count(described, investigator, legal, api):
    evidence_register(actor=investigator, case=described["a"], kind="intercept", title="Call", held_by="SBU")
    body = api(legal).get("/api/v1/cases/").json()
    assert set(body) == {"next", "previous", "results"}
    case = next(c for c in body["results"] if c["reference"] == "UA-2022-0001")
    assert case["places"] == [{"id": described["kyiv"].pk, "name": "Kyiv", "country": "UA"}]
    assert case["categories"] == ["8(2)(b)(i)"] and case["evidence_count"] == 1
    assert case["url"].endswith("/api/v1/cases/UA-2022-0001/") and case["team"] == described["a"].team.slug


def test_the_detail_shows_places_categories_sources_with_grading_perpetrators_and_figures(described, legal, api):
    case = api(legal).get("/api/v1/cases/UA-2022-0001/").json()
    assert case["places"][0]["name"] == "Kyiv" and case["places"][0]["aliases"] == ["Kiev", "Київ"]
    assert [c["code"] for c in case["categories"]] == ["8(2)(b)(i)"]
    assert case["sources"] == [{"id": described["ngo"].pk, "name": "Memorial NGO", "kind": "ngo", "reliability": "B",
                                "credibility": "2", "grading": "B2", "statement": "", "reported_on": None}]
    assert case["perpetrators"][0]["name"] == "64th Brigade"
    assert case["victim_counts"] == [{"category": "killed", "count": 12, "source": "Memorial NGO", "as_of": None, "note": ""}]
    assert case["summary"].startswith("A shelter") and case["evidence"]["count"] == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=verified", ["GE-2008-0001"]),
        ("status=verified&status=reported", ["GE-2008-0001", "UA-2022-0001"]),
        ("sensitivity=open", ["GE-2008-0001", "UA-2022-0001"]),
        ("sensitivity=restricted", []),
        ("category=8(2)(b)(i)", ["UA-2022-0001"]),
        ("country=GE", ["GE-2008-0001"]),
        ("country=ua", ["UA-2022-0001"]),
        ("place=Kiev", ["UA-2022-0001"]),
        ("place=tbil", ["GE-2008-0001"]),
        ("incident_after=2022-03-17", ["UA-2022-0001"]),  # the incident spans the date
        ("incident_after=2022-03-19", []),
        ("incident_before=2010-01-01", ["GE-2008-0001"]),
        ("incident_after=2008-01-01&incident_before=2022-03-16", ["GE-2008-0001", "UA-2022-0001"]),
        ("source=memorial", ["UA-2022-0001"]),
        ("perpetrator=wagner", ["GE-2008-0001"]),
        ("q=theatre", ["UA-2022-0001"]),
        ("q=Київ shelling", ["UA-2022-0001"]),  # every word, any spelling of the place
        ("q=deportation theatre", []),
    ],
)
def test_each_filter_narrows_the_list(described, legal, api, query, expected):
    assert sorted(refs(api(legal).get(f"/api/v1/cases/?{query}"))) == expected


def test_the_id_filters_take_ids_too(described, legal, api):
    client = api(legal)
    assert refs(client.get(f"/api/v1/cases/?place={described['kyiv'].pk}")) == ["UA-2022-0001"]
    assert refs(client.get(f"/api/v1/cases/?source={described['ngo'].pk}")) == ["UA-2022-0001"]
    assert refs(client.get(f"/api/v1/cases/?perpetrator={described['unit'].pk}")) == ["UA-2022-0001"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("incident_after=yesterday", "incident_after"),
        ("incident_before=2022-02-30", "incident_before"),
        ("status=lost", "status"),
        ("sensitivity=secret", "sensitivity"),
        ("country=Ukraine", "country"),
        ("ordering=title", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
        ("cursor=bm90IGEgY3Vyc29y", "cursor"),
    ],
)
def test_it_refuses_unknown_or_malformed_parameters_with_a_400_that_names_them(described, legal, api, query, field):
    response = api(legal).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"] and body["detail"]


@pytest.fixture
def many(team, investigator):
    return [CaseFactory(team=team, created_by=investigator, reference=f"UA-2023-{n:04d}") for n in range(1, 8)]


@pytest.mark.parametrize(
    ("ordering", "key"),
    [("-filed", lambda c: -c.pk), ("filed", lambda c: c.pk), ("reference", lambda c: c.reference),
     ("-reference", lambda c: tuple(-ord(ch) for ch in c.reference))],
)
def test_it_pages_with_cursors_in_each_ordering(many, legal, api, ordering, key):
    client = api(legal)
    expected = [c.reference for c in sorted(many, key=key)]
    seen, url = [], f"/api/v1/cases/?ordering={ordering}&page_size=3"
    while url:
        body = client.get(url).json()
        seen += [c["reference"] for c in body["results"]]
        url = body["next"]
    assert seen == expected
    second = client.get(client.get(f"/api/v1/cases/?ordering={ordering}&page_size=3").json()["next"]).json()
    back = client.get(second["previous"]).json()
    assert [c["reference"] for c in back["results"]] == expected[:3]


def test_it_refuses_a_cursor_that_was_tampered_with_or_belongs_to_another_ordering(many, legal, api):
    client = api(legal)
    next_url = client.get("/api/v1/cases/?page_size=2").json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    response = client.get(f"/api/v1/cases/?page_size=2&cursor={tampered}")
    assert response.status_code == 400 and "cursor" in response.json()["errors"]
    response = client.get(f"/api/v1/cases/?ordering=reference&cursor={cursor}")
    assert response.status_code == 400


def test_the_detail_shows_an_evidence_summary_and_is_logged(described, legal, investigator, api):
    case = described["a"]
    evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")
    response = api(legal).get(f"/api/v1/cases/{case.reference}/", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    summary = response.json()["evidence"]
    assert summary["count"] == 1 and summary["by_state"] == {"reference": 1} and summary["by_kind"] == {"intercept": 1}
    assert summary["url"].endswith(f"/api/v1/evidence/?case={case.reference}")
    log = AccessLog.objects.get(case=case, action="read")
    assert (log.user, log.via, log.remote_addr) == (legal, "api", "203.0.113.9")


def test_a_list_page_logs_one_row_per_case_shown(many, legal, api):
    response = api(legal).get("/api/v1/cases/?page_size=3", REMOTE_ADDR="2001:db8::7")
    shown = {c["reference"] for c in response.json()["results"]}
    logged = AccessLog.objects.filter(user=legal, action="list", via="api")
    assert {entry.case.reference for entry in logged} == shown and logged.count() == 3
    assert {entry.remote_addr for entry in logged} == {"2001:db8::7"}
    assert all(entry.at is not None and entry.reason == "" for entry in logged)


def test_an_address_that_is_not_an_ip_is_logged_as_unknown_and_the_read_goes_on(described, legal, api):
    client = api(legal)
    assert client.get("/api/v1/cases/", REMOTE_ADDR="proxy.internal").status_code == 200
    assert client.get("/api/v1/cases/UA-2022-0001/", REMOTE_ADDR="not an address").status_code == 200
    assert AccessLog.objects.filter(user=legal).count() == 3
    assert not AccessLog.objects.filter(user=legal, remote_addr__isnull=False).exists()


def test_an_empty_page_logs_nothing(legal, api):
    assert api(legal).get("/api/v1/cases/?q=nothing+matches+this").json()["results"] == []
    assert not AccessLog.objects.exists()


def test_one_case_takes_no_filters(described, legal, api):
    response = api(legal).get("/api/v1/cases/UA-2022-0001/?status=closed")
    assert response.status_code == 400 and "status" in response.json()["errors"]
    assert not AccessLog.objects.exists()


def test_an_unknown_reference_is_a_404(legal, api):
    response = api(legal).get("/api/v1/cases/XX-0000-0000/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_investigator_creates_a_case_through_the_service(investigator, api):
    place = factories.PlaceFactory(name="Irpin")
    response = api(investigator).post("/api/v1/cases/", {
        "title": "Shooting at a checkpoint", "incident_start": "2022-03-05", "categories": ["8(2)(a)(i)"],
        "places": [place.pk], "sensitivity": "restricted",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.created_by == investigator and case.sensitivity == "restricted"
    assert [c["code"] for c in body["categories"]] == ["8(2)(a)(i)"] and body["places"][0]["name"] == "Irpin"
    assert case.history.filter(history_type="+").get().history_user == investigator  # the service wrote it


def test_an_investigator_updates_own_team_case(described, investigator, api):
    case = described["a"]
    response = api(investigator).patch(f"/api/v1/cases/{case.reference}/", {"title": "Drama theatre strike"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Drama theatre strike"
    case.refresh_from_db()
    assert case.title == "Drama theatre strike"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "categories": ["99(z)"]}, "categories"),
        ({"title": "x", "incident_start": "2022-03-02", "incident_end": "2022-03-01"}, "incident_end"),
        ({"title": "x", "reference": "nonsense"}, "reference"),
        ({"title": "x", "status": "referred"}, "status"),
        ({"title": "x", "places": [999999]}, "places"),
        ({"title": "x", "team": "other-team"}, "team"),
    ],
)
def test_a_bad_case_is_a_400_and_saves_nothing(investigator, other_team, api, body, field):
    response = api(investigator).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Case.objects.exists()


def test_a_reference_cannot_be_changed(described, investigator, api):
    case = described["a"]
    response = api(investigator).patch(f"/api/v1/cases/{case.reference}/", {"reference": "UA-2022-0999"}, format="json")
    assert response.status_code == 400 and "reference" in response.json()["errors"]
    assert Case.objects.filter(reference="UA-2022-0001").exists()


def test_legal_users_only_read(described, legal, api):
    client = api(legal)
    assert client.post("/api/v1/cases/", {"title": "x"}, format="json").status_code == 403
    response = client.patch(f"/api/v1/cases/{described['a'].reference}/", {"title": "x"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Case.objects.get(pk=described["a"].pk).title == "Shelling of a theatre"


def test_an_investigator_of_another_team_cannot_change_an_open_case_nor_find_a_restricted_one(world, outsider, api):
    client = api(outsider)
    assert client.patch(f"/api/v1/cases/{world['own', 'open'].reference}/", {"title": "x"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/cases/{world['own', 'restricted'].reference}/", {"title": "x"},
                        format="json").status_code == 404


def test_put_and_delete_are_not_offered(described, investigator, api):
    client = api(investigator)
    url = f"/api/v1/cases/{described['a'].reference}/"
    assert client.put(url, {"title": "x"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405


def test_a_reviewer_moves_a_case_through_review_but_not_their_own_filing(described, reviewer, investigator, api):
    url = "/api/v1/cases/UA-2022-0001/status/"
    response = api(reviewer).post(url, {"status": "under_review"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "under_review"
    assert Case.objects.get(reference="UA-2022-0001").status == "under_review"
    # An illegal transition, an unknown status, a non-reviewer, and a reviewer's own filing.
    assert api(reviewer).post(url, {"status": "referred"}).status_code == 400
    assert api(reviewer).post(url, {"status": "done"}).status_code == 400
    assert api(investigator).post(url, {"status": "verified"}).status_code == 403
    own = services.case_create(actor=reviewer, team=described["a"].team, title="Filed by the reviewer")
    assert api(reviewer).post(f"/api/v1/cases/{own.reference}/status/", {"status": "under_review"}).status_code == 403
    assert Case.objects.get(pk=own.pk).status == "reported"


def test_a_status_change_on_a_case_the_caller_cannot_see_is_a_404(world, outsider, api):
    hidden = Case.objects.filter(sensitivity="restricted").first()
    assert api(outsider).post(f"/api/v1/cases/{hidden.reference}/status/", {"status": "under_review"}).status_code == 404
