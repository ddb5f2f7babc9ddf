"""catalogue.fixed_rows.insert: the filing's INSERT written once, held equal to the ORM's save()."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db.models.signals import post_save, pre_save

from catalogue import fixed_rows
from catalogue.models import Case
from evidence.models import EvidenceItem
from tests.factories import CaseFactory, PlaceFactory


def _item(case, user, number: int, **fields) -> EvidenceItem:
    return EvidenceItem(case=case, number=number, exhibit=f"{case.reference}/E{number:03d}", created_by=user,
                        **fields)


def _row(pk) -> dict:
    return EvidenceItem.objects.filter(pk=pk).values().get()


@pytest.mark.parametrize("fields", [
    {"kind": "video", "title": "Footage"},
    {"kind": "document", "title": "Report «Київ»", "description": "Line one\nline two", "held_by": "An NGO",
     "captured_at": datetime(2022, 3, 16, 14, 5, tzinfo=UTC), "captured_at_precision": "exact",
     "captured_at_zone": "Europe/Kyiv", "metadata": {"exif": {"Make": "X", "n": [1, 2.5, None]}},
     "capture_latitude": Decimal("50.450100"), "capture_longitude": Decimal("30.523400"),
     "capture_position_uncertainty_m": 12.5, "capture_position_precision": "exact",
     "capture_position_source": "exif_gps", "size": 5_000_000_000, "graphic_content": True,
     "declared_sha256": "a" * 64, "state": "reference"},
])
def test_an_item_inserted_by_the_fixed_statement_reads_back_as_the_orm_would_write_it(investigator, team, fields):
    case = CaseFactory(team=team, created_by=investigator)
    place = PlaceFactory()
    by_orm = _item(case, investigator, 1, capture_place=place, **fields)
    by_orm.save(force_insert=True)
    fixed = _item(case, investigator, 2, capture_place=place, **fields)
    fixed_rows.insert(fixed)
    assert not fixed._state.adding and fixed._state.db == "default"
    orm_row, fixed_row = _row(by_orm.pk), _row(fixed.pk)
    for name in ("id", "number", "exhibit", "created_at"):
        orm_row.pop(name), fixed_row.pop(name)
    assert fixed_row == orm_row
    # auto_now_add set on the instance too, as save() does.
    assert EvidenceItem.objects.get(pk=fixed.pk).created_at == fixed.created_at


def test_the_fixed_insert_sends_the_save_signals(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    seen = []

    def record(sender, instance, **kwargs):
        seen.append((sender, instance, kwargs.get("created"), kwargs["raw"], kwargs["update_fields"]))

    pre_save.connect(record, sender=EvidenceItem)
    post_save.connect(record, sender=EvidenceItem)
    try:
        item = _item(case, investigator, 1, kind="video", title="x")
        fixed_rows.insert(item)
    finally:
        pre_save.disconnect(record, sender=EvidenceItem)
        post_save.disconnect(record, sender=EvidenceItem)
    assert seen == [(EvidenceItem, item, None, False, None), (EvidenceItem, item, True, False, None)]


def test_a_model_whose_id_the_database_makes_is_left_to_the_orm(db):
    with pytest.raises(TypeError):
        fixed_rows.insert(Case(reference="UA-2099-0001", title="x"))
