"""The admin's maps: a case's places and exhibits, all visible cases, and tiles only from the operator's server."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import Case
from evidence.maps import tile_source
from evidence.models import EvidenceItem
from evidence.services import evidence_register
from tests.admin_pages import login, staff
from tests.factories import CaseFactory, PlaceFactory

CASE_MAP = reverse("admin:catalogue_case_map")


def map_data(response, element_id: str) -> dict:
    """The JSON the page hands to map.js."""
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode(),
                      re.S)
    assert found, f"no #{element_id} on the page"
    return json.loads(found.group(1))


def place_item(case, actor, title, lat, lon):
    """An item whose capture position the pipeline took from EXIF GPS (set here as it would)."""
    item = evidence_register(actor=actor, case=case, kind="image", title=title, held_by="a witness")
    EvidenceItem.objects.filter(pk=item.pk).update(
        capture_latitude=Decimal(lat), capture_longitude=Decimal(lon), capture_position_precision="exact",
        capture_position_uncertainty_m=0.6, capture_position_source="exif_gps")
    return item


@pytest.fixture
def investigator_user(team):
    return staff("investigator", team=team)


@pytest.fixture
def kharkiv_case(team, investigator_user):
    case = CaseFactory(team=team, created_by=investigator_user, reference="UA-2022-0101", title="Shelling of Saltivka")
    case.places.add(PlaceFactory(name="Kharkiv", latitude="49.993500", longitude="36.230400"))
    return case


@pytest.fixture
def hidden_case(other_team):
    """A confidential case of another team, with a place of its own and a placed exhibit."""
    filer = staff("investigator", team=other_team)
    case = CaseFactory(team=other_team, created_by=filer, reference="UA-2022-0999", title="Secret site",
                       sensitivity=Case.Sensitivity.CONFIDENTIAL)
    case.places.add(PlaceFactory(name="Hiddenville", latitude="47.100000", longitude="37.500000"))
    place_item(case, filer, "Secret photo", "47.123456", "37.654321")
    return case


def test_the_case_page_maps_its_places_and_its_exhibits_capture_positions(client, investigator_user, kharkiv_case):
    item = place_item(kharkiv_case, investigator_user, "Crater", "49.998800", "36.241100")
    login(client, investigator_user)
    page = client.get(reverse("admin:catalogue_case_change", args=[kharkiv_case.pk]))
    assert page.status_code == 200
    points = map_data(page, "case-map-data")["points"]
    assert [(p["kind"], p["lat"], p["lon"]) for p in points] == [
        ("place", 49.9935, 36.2304), ("exhibit", 49.9988, 36.2411)]
    exhibit = points[1]
    assert exhibit["links"] == [{"text": f"{item.exhibit} — Crater",
                                 "url": reverse("admin:evidence_evidenceitem_change", args=[item.pk])}]
    assert exhibit["uncertainty_m"] == 0.6 and exhibit["source"] == "EXIF GPS in the file"
    html = page.content.decode()
    assert "vendor/leaflet-1.9.4/leaflet.js" in html and ">49.998800</td>" in html


def test_another_teams_confidential_case_never_reaches_the_map_of_all_cases(client, investigator_user, kharkiv_case,
                                                                           hidden_case):
    login(client, investigator_user)
    page = client.get(CASE_MAP)
    assert page.status_code == 200
    text = page.content.decode()
    points = map_data(page, "cases-map-data")["points"]
    assert [p["title"] for p in points] == ["Place: Kharkiv"]
    assert points[0]["links"][0]["text"] == "UA-2022-0101 — Shelling of Saltivka"
    for secret in ("Hiddenville", "UA-2022-0999", "Secret", "47.1", "37.5", "37.65"):
        assert secret not in text


def test_the_owning_teams_reviewer_sees_the_confidential_case_on_the_map(client, other_team, hidden_case):
    login(client, staff("reviewer", team=other_team))
    points = map_data(client.get(CASE_MAP), "cases-map-data")["points"]
    assert {p["title"] for p in points} == {"Place: Hiddenville", "Exhibit UA-2022-0999/E001: capture position"}


def test_a_hidden_cases_page_gives_no_map_at_all(client, investigator_user, hidden_case):
    login(client, investigator_user)
    page = client.get(reverse("admin:catalogue_case_change", args=[hidden_case.pk]))
    assert page.status_code == 302  # the admin's answer to an object you may not see
    assert "Hiddenville" not in page.content.decode()


def test_the_case_list_links_to_the_map(client, investigator_user):
    login(client, investigator_user)
    assert f'href="{CASE_MAP}"' in client.get(reverse("admin:catalogue_case_changelist")).content.decode()


def test_by_default_no_tile_server_is_named_and_the_csp_admits_no_outside_image(client, investigator_user,
                                                                                kharkiv_case):
    login(client, investigator_user)
    page = client.get(CASE_MAP)
    assert map_data(page, "cases-map-data")["tiles"] is None
    img_src = re.search(r"img-src ([^;]*)", page["Content-Security-Policy"]).group(1)
    assert img_src.split() == ["'self'", "data:"]
    assert "No base map" in page.content.decode()


def test_a_configured_tile_server_is_admitted_on_map_pages_only(client, settings, investigator_user, kharkiv_case):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "<b>Example</b> tiles"
    login(client, investigator_user)
    for url in (CASE_MAP, reverse("admin:catalogue_case_change", args=[kharkiv_case.pk])):
        page = client.get(url)
        assert "https://*.tiles.example.org" in page["Content-Security-Policy"]
    tiles = map_data(page, "case-map-data")["tiles"]
    assert tiles["url"] == settings.MAP_TILE_URL and tiles["attribution"] == "<b>Example</b> tiles"
    other = client.get(reverse("admin:catalogue_case_changelist"))
    assert "tiles.example.org" not in other["Content-Security-Policy"]


def test_the_tile_source_is_the_servers_origin():
    assert tile_source("http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png") == "http://127.0.0.1:8123"
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"


def test_the_item_page_shows_the_capture_position_in_words_and_on_a_map(client, investigator_user, kharkiv_case):
    item = place_item(kharkiv_case, investigator_user, "Crater", "49.998800", "36.241100")
    login(client, investigator_user)
    page = client.get(reverse("admin:evidence_evidenceitem_change", args=[item.pk]))
    html = page.content.decode()
    assert "49.998800, 36.241100: Exact point, from EXIF GPS in the file" in html
    assert [p["kind"] for p in map_data(page, "item-map-data")["points"]] == ["exhibit"]


@pytest.mark.parametrize("url", ["tiles.example.org/{z}/{x}/{y}.png", "ftp://tiles.example.org/{z}/{x}/{y}.png",
                                 "https://tiles.example.org/tile.png", "https://a{s}.example.org/{z}/{x}/{y}.png"])
def test_a_malformed_tile_url_stops_the_process_at_start_up(url):
    from tests.test_deploy_settings import manage

    result = manage("check", DEBUG="1", MAP_TILE_URL=url)
    assert result.returncode != 0 and "is not a tile URL" in result.stderr


def test_a_tile_url_with_its_placeholders_is_accepted():
    from tests.test_deploy_settings import manage

    assert manage("check", DEBUG="1", MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png").returncode == 0


def test_the_map_of_cases_costs_the_same_queries_for_one_case_or_many(client, team, investigator_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_case(n):
        case = CaseFactory(team=team, created_by=investigator_user)
        case.places.add(PlaceFactory(latitude=f"4{n}.000000"))
        place_item(case, investigator_user, f"Photo {n}", f"4{n}.100000", "30.000000")

    login(client, investigator_user)
    add_case(0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(CASE_MAP).status_code == 200
    for n in range(1, 6):
        add_case(n)
    with CaptureQueriesContext(connection) as six:
        page = client.get(CASE_MAP)
    assert len(map_data(page, "cases-map-data")["points"]) == 12
    assert len(six) == len(one)
