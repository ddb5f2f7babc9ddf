"""The log through the API: the published keys, signed heads, inclusion and consistency proofs
(each verified here as RFC 9162 §2.1.3.2 and §2.1.4.2 say), and clear 400/404s on bad requests.
Heads are signed here as the worker signs them (signing.sign_tree_head); the API only reads them."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from rest_framework.test import APIClient

from evidence import ledger, log_store, signing
from evidence.custody import custody_append
from evidence.models import CustodyEvent
from evidence.services import evidence_register
from tests import factories
from tests.factories import CaseFactory


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def item(investigator, team):
    case = CaseFactory(team=team, created_by=investigator)
    item = evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")
    for n in range(4):
        custody_append(item=item, action="transfer", user=investigator, details={"n": n})
    signing.sign_tree_head()
    return item


@pytest.fixture
def api(legal):
    return client_for(legal)


def _verify_head(head: dict, public_pem: str) -> bool:
    message = signing.tree_head_message(tree_size=head["tree_size"], root_hash=bytes.fromhex(head["root_hash"]),
                                        timestamp=head["timestamp_ms"])
    return signing.verify_signature(message, base64.b64decode(head["signature"]), public_pem)


def test_anyone_can_fetch_the_public_key_and_its_fingerprint(db):
    signing.signing_key()  # the signer publishes its public key when it loads its key
    response = client_for().get("/api/v1/log/key/")
    assert response.status_code == 200
    body = response.json()
    public = serialization.load_pem_public_key(body["public_key_pem"].encode())
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert body["key_id"] == hashlib.sha256(der).hexdigest() and body["algorithm"] == "Ed25519"
    assert body["keys"] == [{"key_id": body["key_id"], "public_key_pem": body["public_key_pem"]}]


def test_before_the_first_head_the_head_is_a_404_that_says_why(legal, settings):
    settings.LEDGER_PUBLIC_KEYS_DIR = settings.LEDGER_SIGNING_KEY_FILE.parent / "none-yet"
    response = client_for(legal).get("/api/v1/log/head/")
    assert response.status_code == 404
    assert response.json()["code"] == "no_signed_head" and "No tree head has been signed yet" in response.json()["detail"]
    assert client_for(legal).get("/api/v1/log/proof/consistency/?first=0").json()["code"] == "no_signed_head"
    assert client_for().get("/api/v1/log/key/").status_code == 404


def test_the_head_is_signed_with_the_published_key_and_covers_the_whole_log(api, item):
    head = api.get("/api/v1/log/head/").json()
    key = client_for().get("/api/v1/log/key/").json()
    assert head["tree_size"] == log_store.size() == 5
    assert head["root_hash"] == log_store.root().hex()
    assert head["key_id"] == key["key_id"]
    assert _verify_head(head, key["public_key_pem"])
    assert not _verify_head({**head, "tree_size": 4}, key["public_key_pem"])


def test_the_head_moves_when_the_signer_signs_and_says_what_is_pending_until_then(api, item, investigator):
    first = api.get("/api/v1/log/head/").json()
    assert first["entries_pending"] == 0 and first["timestamp_token"] is None  # no TSA set
    custody_append(item=item, action="transfer", user=investigator)
    waiting = api.get("/api/v1/log/head/").json()
    assert waiting["tree_size"] == first["tree_size"] and waiting["entries_pending"] == 1
    assert waiting["log_size"] == first["tree_size"] + 1
    signing.sign_tree_head()
    second = api.get("/api/v1/log/head/").json()
    assert second["tree_size"] == first["tree_size"] + 1 and second["entries_pending"] == 0


def test_the_head_needs_credentials(db):
    assert client_for().get("/api/v1/log/head/").status_code == 401


def test_an_inclusion_proof_by_index_or_entry_hash_verifies_against_the_head(api, item):
    event = CustodyEvent.objects.get(item=item, seq=3)
    for query in (f"index={event.log_index}", f"entry_hash={event.entry_hash}"):
        body = api.get(f"/api/v1/log/proof/inclusion/?{query}").json()
        assert body["log_index"] == event.log_index and body["entry_hash"] == event.entry_hash
        head = body["head"]
        assert body["tree_size"] == head["tree_size"] == log_store.size()
        leaf = ledger.leaf_hash(ledger_entry_bytes(body["entry"]))
        assert leaf.hex() == body["leaf_hash"]
        proof = [bytes.fromhex(h) for h in body["audit_path"]]
        root = bytes.fromhex(head["root_hash"])
        assert ledger.verify_inclusion(leaf, event.log_index, head["tree_size"], proof, root)
        assert not ledger.verify_inclusion(leaf, event.log_index ^ 1, head["tree_size"], proof, root)


def ledger_entry_bytes(entry: dict) -> bytes:
    """The leaf's bytes as a client rebuilds them from the entry (without its log position)."""
    from evidence.custody import canonical_json

    return canonical_json({k: v for k, v in entry.items() if k != "log_index"})


def test_an_inclusion_proof_into_an_older_tree_size(api, item):
    signed = signing.sign_tree_head()
    event = CustodyEvent.objects.get(item=item, seq=2)
    body = api.get(f"/api/v1/log/proof/inclusion/?index={event.log_index}&tree_size=3").json()
    assert body["tree_size"] == 3 and body["root_hash"] == log_store.root(3).hex() and body["head"] is None
    proof = [bytes.fromhex(h) for h in body["audit_path"]]
    assert ledger.verify_inclusion(bytes.fromhex(body["leaf_hash"]), event.log_index, 3, proof, log_store.root(3))
    at_head = api.get(f"/api/v1/log/proof/inclusion/?index={event.log_index}&tree_size={signed.tree_size}").json()
    assert at_head["head"]["signature"] == signed.signature


def test_a_consistency_proof_between_two_signed_heads_verifies(api, item, investigator):
    old = api.get("/api/v1/log/head/").json()
    for n in range(6):
        custody_append(item=item, action="transfer", user=investigator, details={"later": n})
    signing.sign_tree_head()
    new = api.get("/api/v1/log/head/").json()
    body = api.get(f"/api/v1/log/proof/consistency/?first={old['tree_size']}").json()
    assert body["second"] == new["tree_size"]
    assert body["first_root_hash"] == old["root_hash"] and body["second_root_hash"] == new["root_hash"]
    assert body["first_head"]["signature"] == old["signature"]
    proof = [bytes.fromhex(h) for h in body["proof"]]
    assert ledger.verify_consistency(old["tree_size"], new["tree_size"], bytes.fromhex(old["root_hash"]),
                                     bytes.fromhex(new["root_hash"]), proof)
    explicit = api.get("/api/v1/log/proof/consistency/?first=2&second=7").json()
    assert ledger.verify_consistency(2, 7, log_store.root(2), log_store.root(7),
                                     [bytes.fromhex(h) for h in explicit["proof"]])


@pytest.mark.parametrize(
    ("url", "status", "word"),
    [
        ("/api/v1/log/proof/inclusion/?index=0&tree_size=999", 400, "beyond the log"),
        ("/api/v1/log/proof/inclusion/?index=999", 404, "No custody entry"),
        ("/api/v1/log/proof/inclusion/?entry_hash=" + "ab" * 32, 404, "No custody entry"),
        ("/api/v1/log/proof/inclusion/?entry_hash=xyz", 400, "64 hexadecimal"),
        ("/api/v1/log/proof/inclusion/?index=-1", 400, "whole number"),
        ("/api/v1/log/proof/inclusion/", 400, "exactly one"),
        ("/api/v1/log/proof/inclusion/?index=1&entry_hash=" + "ab" * 32, 400, "exactly one"),
        ("/api/v1/log/proof/inclusion/?index=4&tree_size=2", 400, "not in a tree of size 2"),
        ("/api/v1/log/proof/consistency/?first=1&second=999", 400, "beyond the log"),
        ("/api/v1/log/proof/consistency/?first=4&second=2", 400, "larger than"),
        ("/api/v1/log/proof/consistency/", 400, "required"),
        ("/api/v1/log/proof/consistency/?first=two", 400, "whole number"),
    ],
)
def test_bad_proof_requests_are_400_or_404_with_a_reason(api, item, url, status, word):
    response = api.get(url)
    assert response.status_code == status, response.content
    assert word in response.json()["detail"]


def test_it_gives_no_proof_for_an_entry_the_caller_may_not_see(item):
    outsider_team = factories.TeamFactory()
    outsider = factories.user_with_role("legal", team=outsider_team)
    hidden_case = CaseFactory(team=outsider_team, sensitivity="restricted")
    hidden = evidence_register(actor=factories.user_with_role("investigator", team=outsider_team), case=hidden_case,
                               kind="document", title="Secret", held_by="NGO")
    event = CustodyEvent.objects.get(item=hidden)
    signing.sign_tree_head()
    mine = CustodyEvent.objects.filter(item=item).first()
    api = client_for(factories.user_with_role("legal", team=factories.TeamFactory()))
    assert api.get(f"/api/v1/log/proof/inclusion/?entry_hash={event.entry_hash}").status_code == 404
    assert api.get(f"/api/v1/log/proof/inclusion/?index={event.log_index}").status_code == 404
    assert client_for(outsider).get(f"/api/v1/log/proof/inclusion/?index={event.log_index}").status_code == 200
    assert client_for(outsider).get(f"/api/v1/log/proof/inclusion/?index={mine.log_index}").status_code == 200  # open
