"""The demonstration data set loads, and loading it twice changes nothing."""

from django.core.management import call_command

from catalogue.models import Case, CaseSource, Place, Source, VictimCount
from evidence.models import CustodyEvent, EvidenceItem
from seeds import data


def counts():
    return [m.objects.count() for m in (Case, Place, Source, CaseSource, VictimCount, EvidenceItem, CustodyEvent)]


def test_seed_loads_every_case_of_the_data_set(db):
    call_command("seed")
    assert set(Case.objects.values_list("reference", flat=True)) == {c["reference"] for c in data.CASES}
    theatre = Case.objects.get(categories__code="8(2)(b)(ix)", places__name__icontains="theatre")
    assert theatre.victim_counts.filter(category="killed").exists()
    assert EvidenceItem.objects.filter(kind="intercept", state="reference").exists()
    kyiv = Place.objects.get(name="Kyiv")
    assert {"Kiev", "Київ", "Киев"} <= set(kyiv.aliases)


def test_seed_twice_duplicates_nothing(db):
    call_command("seed")
    first = counts()
    call_command("seed")
    assert counts() == first


def test_seed_keeps_edits_made_after_the_first_run(db):
    call_command("seed")
    Case.objects.filter(reference="UA-2022-0002").update(title="Edited by an analyst")
    call_command("seed")
    assert Case.objects.get(reference="UA-2022-0002").title == "Edited by an analyst"
