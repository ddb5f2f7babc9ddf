"""Web requests never sign a tree head and never load the private key: the one signer is a worker
(evidence.ledger_tasks.sign_tree_head, and the export builder). What they serve is the latest signed
head, with later entries reported as pending."""

import pytest
from rest_framework.test import APIClient

from evidence import signing
from evidence.custody import custody_append
from evidence.models import CustodyEvent, TreeHead
from tests.factories import CaseFactory, sealed_item


@pytest.fixture(autouse=True)
def _ledger(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "signer-only" / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"
    settings.LEDGER_WITNESS_DIR = ""
    settings.LEDGER_TSA_URL = ""


@pytest.fixture
def item(team, investigator):
    case = CaseFactory(team=team, created_by=investigator, reference="UA-2023-0042")
    return sealed_item(actor=investigator, case=case, data=b"the exhibit's bytes", filename="clip.mp4")


def every_read(client: APIClient, item) -> tuple[list[int], dict]:
    """Each read a legal user makes of the log and of the evidence; returns the statuses and
    what verify answered (verify is rate-limited per item, so it is asked once a round)."""
    event = CustodyEvent.objects.filter(item=item).order_by("seq").first()
    urls = [
        "/api/v1/log/head/",
        f"/api/v1/log/proof/inclusion/?entry_hash={event.entry_hash}",
        f"/api/v1/log/proof/inclusion/?index={event.log_index}&tree_size=1",
        "/api/v1/log/proof/consistency/?first=1",
        "/api/v1/log/key/",
        "/api/v1/cases/",
        f"/api/v1/cases/{item.case.reference}/",
        f"/api/v1/evidence/{item.pk}/",
        f"/api/v1/evidence/{item.pk}/custody/",
        f"/api/v1/evidence/{item.pk}/content/",
        f"/api/v1/hashes/{item.sha256}/",
    ]
    statuses = [client.get(url).status_code for url in urls]
    verified = client.post(f"/api/v1/evidence/{item.pk}/verify/")
    statuses.append(verified.status_code)
    return statuses, verified.json()


def test_no_web_request_signs_a_head_or_loads_the_private_key(item, legal, settings):
    client = APIClient()
    client.force_authenticate(legal)
    before_any, verified = every_read(client, item)
    assert TreeHead.objects.count() == 0
    assert not settings.LEDGER_SIGNING_KEY_FILE.exists()  # nothing in a request needed the private key
    # The log's views say there is no head yet (404); the evidence reads work as ever.
    assert before_any == [404, 404, 200, 404, 404] + [200] * 7, before_any
    assert verified["signed_head"]["ok"] is True and verified["signed_head"]["tree_size"] == 0

    head = signing.sign_tree_head()  # the worker's job
    custody_append(item=item, action="transfer", user=legal)  # the log grows past the head
    statuses, verified = every_read(client, item)
    assert statuses == [200] * len(statuses), statuses
    assert list(TreeHead.objects.values_list("pk", flat=True)) == [head.pk]
    shown = client.get("/api/v1/log/head/").json()
    assert shown["tree_size"] == head.tree_size and shown["entries_pending"] > 0
    report = verified["signed_head"]
    assert report["ok"] is True and report["entries_pending"] > 0 and report["tree_size"] == head.tree_size
    assert TreeHead.objects.count() == 1
