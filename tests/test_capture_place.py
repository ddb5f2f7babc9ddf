"""The capture place from a photo's own EXIF GPS: filled with its precision and source, never over a person's."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue.models import Place
from evidence.capture_place import position_from_gps, precision_for
from evidence.custody import verify_chain
from evidence.services import evidence_register
from tests import pipeline_media as media
from tests.factories import CaseFactory
from tests.test_pipeline import ingest


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator)


@pytest.fixture
def file_item(case, investigator):
    def file(data: bytes, name: str, **kwargs):
        return evidence_register(actor=investigator, case=case, title=name, file=SimpleUploadedFile(name, data),
                                 **kwargs)
    return file


def jpeg(gps: dict) -> bytes:
    """A JPEG whose GPS block holds exactly `gps` (Pillow writes it, as a camera would)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = gps
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 90, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_it_fills_the_capture_position_from_exif_gps_with_its_precision_and_says_so_in_custody(file_item):
    item = ingest(file_item(media.jpeg_with_gps(lat=(49, 59, 36.6), lon=(36, 13, 49.44)), "kharkiv.jpg",
                            kind="image"))
    assert item.state == "sealed"
    assert (item.capture_latitude, item.capture_longitude) == (Decimal("49.993500"), Decimal("36.230400"))
    assert item.capture_position_source == "exif_gps"
    # Pillow wrote the seconds in 25ths: the point is known to about half a metre.
    assert item.capture_position_precision == "exact"
    assert item.capture_position_uncertainty_m == pytest.approx(0.6, abs=0.1)
    entry = item.custody.get(action="metadata_modification")
    assert entry.actor.startswith("agent:evidence-pipeline")
    assert entry.details["field"] == "capture_position" and entry.details["source"] == "exif_gps"
    assert (entry.details["latitude"], entry.details["longitude"]) == ("49.993500", "36.230400")
    assert entry.details["precision"] == "exact" and "steps of" in entry.details["basis"][0]
    assert verify_chain(item).ok


def test_a_position_written_to_whole_minutes_is_only_as_precise_as_a_settlement(file_item):
    item = ingest(file_item(jpeg({1: "N", 2: (49.0, 59.0, 0.0), 3: "E", 4: (36.0, 13.0, 0.0)}), "coarse.jpg",
                            kind="image"))
    # Whole minutes and whole seconds: the finest step is one second of arc, ±15.5 m.
    assert item.capture_position_uncertainty_m == pytest.approx(15.5, abs=0.1)
    assert item.capture_position_precision == "exact"


def test_the_receivers_own_error_figure_counts_when_it_is_coarser(file_item):
    gps = {1: "S", 2: (33.0, 51.0, 54.0), 3: "W", 4: (70.0, 0.0, 0.0), 31: 2500.0}
    item = ingest(file_item(jpeg(gps), "error.jpg", kind="image"))
    assert (item.capture_latitude, item.capture_longitude) == (Decimal("-33.865000"), Decimal("-70.000000"))
    assert item.capture_position_uncertainty_m == 2500.0
    assert item.capture_position_precision == "settlement"
    assert "GPSHPositioningError 2500 m" in item.custody.get(action="metadata_modification").details["basis"]


def test_a_dilution_of_precision_is_recorded_as_an_estimate():
    position = position_from_gps({"latitude": 50.45, "longitude": 30.52, "dop": 12.0})
    assert position.uncertainty_m == 60.0 and position.precision == "exact"
    assert "an estimate" in position.basis[0]
    assert position_from_gps({"latitude": 50.45, "longitude": 30.52}).uncertainty_m is None
    assert position_from_gps({"latitude": 91, "longitude": 0}) is None
    assert position_from_gps({"latitude": "nonsense", "longitude": 0}) is None


@pytest.mark.parametrize(("metres", "precision"), [
    (5, "exact"), (100, "exact"), (101, "settlement"), (20_000, "district"), (200_000, "region"), (10**6, "country"),
])
def test_the_precision_follows_the_uncertainty(metres, precision):
    assert precision_for(metres) == precision


def test_a_capture_place_a_person_gave_is_kept_and_the_gps_only_stays_in_the_metadata(case, investigator):
    kyiv = Place.objects.create(name="Kyiv", country="UA", latitude=Decimal("50.45"), longitude=Decimal("30.52"))
    item = evidence_register(actor=investigator, case=case, kind="image", title="given",
                             file=SimpleUploadedFile("given.jpg", media.jpeg_with_gps()), capture_place=kyiv)
    item = ingest(item)
    assert item.state == "sealed" and item.capture_place == kyiv
    assert item.capture_latitude is None and item.capture_position_source == ""
    assert item.metadata["gps"]["latitude"] == 50.4501
    assert not item.custody.filter(action="metadata_modification").exists()


def test_an_image_without_gps_gets_no_position_and_no_entry(file_item):
    item = ingest(file_item(media.noisy_jpeg(), "plain.jpg", kind="image"))
    assert item.state == "sealed" and item.capture_latitude is None
    assert not item.custody.filter(action="metadata_modification").exists()


def test_running_the_pipeline_again_does_not_record_the_position_twice(file_item):
    from evidence import pipeline

    item = ingest(file_item(media.jpeg_with_gps(), "twice.jpg", kind="image"))
    assert pipeline.ingest(str(item.pk)) == "sealed"
    assert item.custody.filter(action="metadata_modification").count() == 1


def test_items_sealed_before_the_pipeline_filled_positions_are_filled_once_by_the_command(file_item):
    from django.core.management import call_command

    from evidence.models import EvidenceItem

    item = ingest(file_item(media.jpeg_with_gps(), "old.jpg", kind="image"))
    # As an item sealed before this change: GPS in the metadata, no position, no entry.
    EvidenceItem.objects.filter(pk=item.pk).update(capture_latitude=None, capture_longitude=None,
                                                   capture_position_precision="", capture_position_source="",
                                                   capture_position_uncertainty_m=None)
    before = item.custody.count()
    out = io.StringIO()
    call_command("fill_capture_positions", batch=1, stdout=out)
    assert "1 item(s)" in out.getvalue()
    item.refresh_from_db()
    assert item.capture_latitude == Decimal("50.450100") and item.capture_position_source == "exif_gps"
    assert item.custody.count() == before + 1 and verify_chain(item).ok
    call_command("fill_capture_positions", stdout=io.StringIO())
    assert item.custody.count() == before + 1
