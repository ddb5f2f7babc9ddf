"""Actors, places and sources follow the cases that use them: hidden where only hidden
cases use them (admin lists, autocomplete, API), changed by investigators only where their team uses them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalogue import services
from catalogue.models import Actor, CaseSource, Place, Source
from catalogue.selectors import shared_records_changeable_by, shared_records_visible_to
from evidence.services import evidence_register
from tests import factories
from tests.admin_pages import login, messages_of, staff
from tests.api.helpers import client_for


@pytest.fixture
def world(team, other_team, investigator):
    """Records used only by another team's confidential case, by it and one of ours,
    by another team's open case, and by no case."""
    stranger = factories.user_with_role("investigator", team=other_team)
    theirs = factories.CaseFactory(team=other_team, created_by=stranger, sensitivity="confidential")
    ours = factories.CaseFactory(team=team, created_by=investigator, sensitivity="restricted")
    open_theirs = factories.CaseFactory(team=other_team, created_by=stranger, sensitivity="open")
    records = {}
    for model, factory in ((Actor, factories.ActorFactory), (Place, factories.PlaceFactory),
                           (Source, factories.SourceFactory)):
        made = {label: factory(name=f"{model.__name__} {label}") for label in ("hidden", "shared", "open", "unused")}
        for label, cases in (("hidden", [theirs]), ("shared", [theirs, ours]), ("open", [open_theirs])):
            for case in cases:
                if model is Actor:
                    case.perpetrators.add(made[label])
                elif model is Place:
                    case.places.add(made[label])
                else:
                    CaseSource.objects.create(case=case, source=made[label])
        records[model] = made
    return {"records": records, "theirs": theirs, "ours": ours, "stranger": stranger}


def names(queryset) -> set[str]:
    return {record.name.split()[-1] for record in queryset}


@pytest.mark.parametrize("model", [Actor, Place, Source])
def test_a_record_used_only_by_hidden_cases_is_hidden(world, legal, model):
    assert names(shared_records_visible_to(legal, model)) == {"shared", "open", "unused"}
    assert names(shared_records_visible_to(world["stranger"], model)) == {"hidden", "shared", "open", "unused"}


@pytest.mark.parametrize("model", [Actor, Place, Source])
def test_superusers_see_every_record(world, model):
    boss = factories.UserFactory(is_superuser=True)
    assert names(shared_records_visible_to(boss, model)) == {"hidden", "shared", "open", "unused"}


def test_a_capture_place_of_a_hidden_item_is_hidden_too(world, legal, other_team):
    place = factories.PlaceFactory(name="Place captured")
    evidence_register(actor=world["stranger"], case=world["theirs"], kind="image", title="Photo", held_by="NGO",
                      capture_place=place)
    assert place not in shared_records_visible_to(legal, Place)
    assert place in shared_records_visible_to(world["stranger"], Place)


@pytest.mark.parametrize(("model", "url_name"), [(Actor, "actor"), (Place, "place"), (Source, "source")])
def test_the_admin_lists_and_opens_only_what_the_user_may_see(world, client, team, model, url_name):
    login(client, staff("legal", team))
    listing = client.get(reverse(f"admin:catalogue_{url_name}_changelist"))
    assert names(listing.context["cl"].result_list) == {"shared", "open", "unused"}
    hidden = world["records"][model]["hidden"]
    response = client.get(reverse(f"admin:catalogue_{url_name}_change", args=[hidden.pk]), follow=True)
    assert any("doesn’t exist" in m or "doesn't exist" in m for m in messages_of(response))


@pytest.mark.parametrize(("field", "model"), [("perpetrators", Actor), ("places", Place)])
def test_the_admin_autocomplete_offers_only_what_the_user_may_see(world, client, team, field, model):
    login(client, staff("investigator", team))
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "catalogue", "model_name": "case", "field_name": field, "term": model.__name__})
    assert response.status_code == 200
    offered = {row["text"].split()[1] for row in response.json()["results"]}
    assert offered == {"shared", "open", "unused"}


def test_the_admin_source_widget_offers_only_what_the_user_may_see(world, client, team):
    login(client, staff("investigator", team))
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "catalogue", "model_name": "casesource", "field_name": "source", "term": "Source"})
    assert {row["text"].split()[-1] for row in response.json()["results"]} == {"shared", "open", "unused"}


@pytest.mark.parametrize("model", [Actor, Place, Source])
def test_investigators_change_a_record_only_where_their_team_uses_it(world, investigator, model):
    assert names(shared_records_changeable_by(investigator, model)) == {"shared", "unused"}
    record = world["records"][model]["open"]
    with pytest.raises(PermissionDenied, match="your team"):
        services.shared_record_update(actor=investigator, record=record, name="Renamed")
    record.refresh_from_db()
    assert record.name.endswith("open")
    renamed = services.shared_record_update(actor=investigator, record=world["records"][model]["shared"],
                                            name=f"{model.__name__} renamed")
    assert renamed.name.endswith("renamed")


def test_legal_and_reviewers_change_no_shared_record(world, legal, reviewer):
    for user in (legal, reviewer):
        assert not shared_records_changeable_by(user, Actor).exists()


def test_an_investigator_cannot_rename_another_teams_actor_in_the_admin(world, client, team):
    login(client, staff("investigator", team))
    actor = world["records"][Actor]["open"]
    url = reverse("admin:catalogue_actor_change", args=[actor.pk])
    page = client.get(url)
    assert page.status_code == 200 and "adminform" in page.context
    assert not page.context["has_change_permission"]
    response = client.post(url, {"name": "Renamed", "kind": "unit", "affiliation": "", "notes": ""})
    assert response.status_code == 403
    actor.refresh_from_db()
    assert actor.name == "Actor open"

    own = world["records"][Actor]["shared"]
    url = reverse("admin:catalogue_actor_change", args=[own.pk])
    response = client.post(url, {"name": "Actor renamed", "kind": "unit", "affiliation": "", "notes": ""})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.name == "Actor renamed"


def test_the_api_refuses_to_name_a_hidden_record_by_id(world, investigator):
    client = client_for(investigator)
    hidden_actor, hidden_place = world["records"][Actor]["hidden"], world["records"][Place]["hidden"]
    response = client.patch(f"/api/v1/cases/{world['ours'].reference}/", {"perpetrators": [hidden_actor.pk]},
                            format="json")
    assert response.status_code == 400
    assert "perpetrators" in response.json()["errors"]
    assert not world["ours"].perpetrators.filter(pk=hidden_actor.pk).exists()
    response = client.post("/api/v1/evidence/", {
        "case": world["ours"].reference, "kind": "image", "title": "Photo", "held_by": "NGO",
        "capture_place": hidden_place.pk}, format="json")
    assert response.status_code == 400
    assert "capture_place" in response.json()["errors"]
    shown = world["records"][Actor]["open"]
    response = client.patch(f"/api/v1/cases/{world['ours'].reference}/", {"perpetrators": [shown.pk]}, format="json")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["perpetrators"]] == ["Actor open"]


def test_the_api_filters_find_no_case_through_a_hidden_record(world, legal):
    client = client_for(legal)
    for param, name in (("perpetrator", "Actor hidden"), ("place", "Place hidden"), ("source", "Source hidden")):
        response = client.get("/api/v1/cases/", {param: name})
        assert response.status_code == 200
        assert response.json()["results"] == []
