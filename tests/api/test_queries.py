"""No query per row: a list page costs the same number of queries for 2 rows as for 20."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import services
from catalogue.search import index_case
from evidence.services import evidence_register
from tests import factories
from tests.api.helpers import sealed_item
from tests.factories import CaseFactory


def rich_case(team, user, n):
    case = CaseFactory(team=team, created_by=user, reference=f"UA-2024-{n:04d}")
    case.places.add(factories.PlaceFactory(), factories.PlaceFactory())
    case.perpetrators.add(factories.ActorFactory())
    case.categories.set(services.resolve_categories(["8(2)(b)(i)", "7(1)(a)"]))
    source = factories.SourceFactory()
    services.case_add_source(case=case, source=source, reliability="B", credibility="2")
    services.case_add_victim_count(case=case, category="killed", count=n, source=source)
    evidence_register(actor=user, case=case, kind="document", title=f"Memo {n}", held_by="NGO")
    index_case(case)
    return case


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, response.content
    return len(queries)


@pytest.fixture
def cases(team, investigator):
    return [rich_case(team, investigator, n) for n in range(1, 21)]


def test_the_case_list_query_count_does_not_grow_with_the_page(cases, legal, api, django_assert_max_num_queries):
    client = api(legal)
    count_queries(client, "/api/v1/cases/?page_size=1")  # warm: token and roles lookups alike from here on
    small = count_queries(client, "/api/v1/cases/?page_size=2")
    large = count_queries(client, "/api/v1/cases/?page_size=20")
    # token with roles and teams, page, places and categories, and the access-log append: one call of the
    # database function on PostgreSQL; elsewhere lock the chain's state row, one INSERT, update the state
    assert small == large == (4 if connection.vendor == "postgresql" else 6)
    # and the category filter's one look at which of its codes some case holds (catalogue.api.filters)
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/cases/?page_size=20&category=8(2)(b)(i)&country=UA&q=allegation")
    assert len(response.json()["results"]) == 20


def test_the_evidence_list_query_count_does_not_grow_with_the_page(cases, legal, api, django_assert_max_num_queries):
    client = api(legal)
    small = count_queries(client, "/api/v1/evidence/?page_size=2")
    large = count_queries(client, "/api/v1/evidence/?page_size=20")
    assert small == large == 2  # token with roles and teams, page
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/evidence/?page_size=20&kind=document")
    assert len(response.json()["results"]) == 20


def test_the_detail_the_custody_list_and_the_hash_lookup_cost_a_fixed_few_queries(
    team, investigator, legal, api, django_assert_max_num_queries,
):
    case = rich_case(team, investigator, 1)
    items = [sealed_item(investigator, case, b"same bytes", title=f"Copy {n}") for n in range(3)]
    client = api(legal)
    # token with roles and teams, the case, its five kinds of links, the evidence summary, the items of
    # other cases linked to it (its own query: the visibility rule applies to the linked items' owning
    # cases, not to this one), the access-log append (three statements)
    with django_assert_max_num_queries(12):
        client.get(f"/api/v1/cases/{case.reference}/")
    with django_assert_max_num_queries(6):
        client.get(f"/api/v1/evidence/{items[0].pk}/custody/")
    with django_assert_max_num_queries(2):
        client.get(f"/api/v1/hashes/{items[0].sha256}/")
    one = sealed_item(investigator, case, b"other bytes")
    assert count_queries(client, f"/api/v1/hashes/{one.sha256}/") == count_queries(client, f"/api/v1/hashes/{items[0].sha256}/")
