"""The item detail tells the capture position with its precision and source, beside the capture place."""

from django.core.files.uploadedfile import SimpleUploadedFile

from evidence.services import evidence_register
from tests import pipeline_media as media
from tests.factories import CaseFactory
from tests.test_pipeline import ingest


def test_the_detail_shows_the_capture_position_from_exif_gps(team, investigator, legal, api):
    case = CaseFactory(team=team, created_by=investigator)
    item = ingest(evidence_register(actor=investigator, case=case, kind="image", title="Crater",
                                    file=SimpleUploadedFile("crater.jpg", media.jpeg_with_gps(
                                        lat=(49, 59, 36.6), lon=(36, 13, 49.44)))))
    body = api(legal).get(f"/api/v1/evidence/{item.pk}/").json()
    assert body["capture_place"] is None
    assert body["capture_position"] == {"latitude": "49.993500", "longitude": "36.230400", "precision": "exact",
                                        "uncertainty_m": 0.6, "source": "exif_gps"}


def test_an_item_without_a_position_says_null(team, investigator, legal, api):
    case = CaseFactory(team=team, created_by=investigator)
    item = evidence_register(actor=investigator, case=case, kind="document", title="Memo", held_by="SBU")
    assert api(legal).get(f"/api/v1/evidence/{item.pk}/").json()["capture_position"] is None
