"""The court package: a BagIt bag that bagit validates on its own, and a verify.py that passes
an untouched package and fails, naming the fault, on every kind of tampering."""

import ast
import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from evidence import export, signing, verify_bag
from evidence.custody import custody_append
from evidence.models import CustodyEvent, EvidenceItem
from evidence.services import evidence_register
from tests.factories import CaseFactory, sealed_item

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="verify.py needs the openssl command")

VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF" + bytes(reversed(range(256))) * 16
RECIPIENT = ("--recipient", "Trial Chamber II", "--purpose", "Disclosure to the defence")


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = tmp_path / "keys" / "ledger.pem"
    settings.LEDGER_PUBLIC_KEYS_DIR = tmp_path / "public-keys"


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0007", title="Shelling of a school")


@pytest.fixture
def items(case, investigator):
    video = sealed_item(actor=investigator, case=case, data=VIDEO, filename="strike.mp4", title="Strike")
    photo = sealed_item(actor=investigator, case=case, data=PHOTO, filename="crater photo.jpg", kind="image",
                        title="Crater")
    reference = evidence_register(actor=investigator, case=case, kind="intercept", title="Call", held_by="SBU")
    failed = evidence_register(actor=investigator, case=case, kind="document", title="Scan",
                               file=ContentFile(b"unreadable", name="scan.pdf"))
    EvidenceItem.objects.filter(pk=failed.pk).update(state=EvidenceItem.State.FAILED, error="The PDF is damaged.")
    custody_append(item=video, action="transfer", user=investigator, details={"to": "vault 2"})
    custody_append(item=video, action="fixity_check", user=investigator, details={"ok": True})
    return {"video": video, "photo": photo, "reference": reference, "failed": failed}


@pytest.fixture
def bag(case, items, legal, tmp_path) -> Path:
    return export.build_bag(case=case, directory=tmp_path / "package", user=legal, package_id="test-package").path


def run_verifier(bag: Path, *args: str, verifier: Path | None = None) -> subprocess.CompletedProcess:
    # -I: isolated from this project's paths and environment, as on the recipient's machine
    return subprocess.run([sys.executable, "-I", str(verifier or bag / "verify.py"), str(bag), *args],
                          capture_output=True, text=True, cwd=bag.parent)


def rebag(bag: Path) -> None:
    """What a careful forger does after a change: recompute every BagIt manifest."""
    bagit.Bag(str(bag)).save(manifests=True)


def folder_of(bag: Path, exhibit_suffix: str) -> Path:
    return bag / "data" / "items" / exhibit_suffix


def _load(path: Path):
    return json.loads(path.read_text())


def _dump(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))


# --- what the package holds --------------------------------------------------------


def test_the_bag_validates_with_bagit_on_its_own(bag):
    made = bagit.Bag(str(bag))
    made.validate()
    assert sorted(made.algorithms) == ["sha256", "sha512"]
    for name in ("manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt", "tagmanifest-sha512.txt"):
        assert (bag / name).is_file()
    tagged = (bag / "tagmanifest-sha256.txt").read_text()
    assert " README.txt" in tagged and " verify.py" in tagged
    cli = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag)], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr


def test_verify_py_passes_an_untouched_package(bag, case):
    result = run_verifier(bag, "--key-id", signing.signing_key().key_id)
    assert result.returncode == 0, result.stdout
    assert "VERIFIED" in result.stdout and "FAIL" not in result.stdout
    assert signing.signing_key().key_id in result.stdout


def test_verify_py_imports_only_the_standard_library(bag):
    tree = ast.parse((bag / "verify.py").read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules - {"__future__"} <= set(sys.stdlib_module_names)


def test_it_packs_the_original_bytes_bit_for_bit_and_says_why_others_have_none(bag, items):
    assert (folder_of(bag, "E001") / "content" / "strike.mp4").read_bytes() == VIDEO
    assert (folder_of(bag, "E002") / "content" / "crater_photo.jpg").read_bytes() == PHOTO
    for suffix, why in (("E003", "held by SBU"), ("E004", "processing failed")):
        record = _load(folder_of(bag, suffix) / "item.json")
        assert record["content"]["included"] is False and why in record["content"]["why_not"]
        assert not (folder_of(bag, suffix) / "content").exists()
    readme = (bag / "README.txt").read_text()
    assert "UA-2022-0007/E003" in readme and "held by SBU" in readme and "python3 verify.py" in readme
    case_record = _load(bag / "data" / "case.json")
    assert case_record["reference"] == "UA-2022-0007" and case_record["title"] == "Shelling of a school"
    video = _load(folder_of(bag, "E001") / "item.json")
    assert video["sha256"] == items["video"].sha256 and video["exhibit"] == "UA-2022-0007/E001"


def test_every_item_gets_a_packing_entry_that_is_inside_the_signed_log(bag, items):
    head = _load(bag / "data" / "log" / "tree-head.json")
    for suffix, item in zip(("E001", "E002", "E003", "E004"), items.values(), strict=True):
        entries = _load(folder_of(bag, suffix) / "custody.json")
        stored = CustodyEvent.objects.filter(item=item).order_by("seq")
        assert [e["entry_hash"] for e in entries] == [e.entry_hash for e in stored]
        assert entries[-1]["action"] == "packing" and entries[-1]["details"]["package_id"] == "test-package"
        assert entries[-1]["log_index"] < head["tree_size"]
        proofs = _load(folder_of(bag, suffix) / "proofs.json")
        assert [p["log_index"] for p in proofs["entries"]] == [e["log_index"] for e in entries]


def test_it_refuses_to_pack_items_still_being_processed_and_names_them(case, items, investigator, legal, tmp_path):
    pending = evidence_register(actor=investigator, case=case, kind="video", title="Raw",
                                file=ContentFile(b"not hashed yet", name="raw.mp4"))
    EvidenceItem.objects.filter(pk=pending.pk).update(state=EvidenceItem.State.RECEIVED)
    before = CustodyEvent.objects.count()
    with pytest.raises(export.ItemsNotSealed) as refused:
        export.build_bag(case=case, directory=tmp_path / "p", user=legal, package_id="x")
    assert refused.value.exhibits == [pending.exhibit]
    assert pending.exhibit in str(refused.value)
    assert CustodyEvent.objects.count() == before  # nothing packed, nothing logged
    assert not (tmp_path / "p").exists()


def test_it_stops_rather_than_pack_stored_bytes_that_changed(case, items, legal, tmp_path, settings):
    from evidence.storage import content_name

    stored = Path(settings.MEDIA_ROOT) / content_name(items["photo"].sha256)
    stored.chmod(0o640)
    stored.write_bytes(PHOTO[:-1] + b"!")
    before = CustodyEvent.objects.count()
    with pytest.raises(export.ExportError, match="cannot be vouched for"):
        export.build_bag(case=case, directory=tmp_path / "p", user=legal, package_id="x")
    # The failed check and the quarantine are on the record; nothing was packed.
    added = list(CustodyEvent.objects.order_by("log_index")[before:].values_list("action", "outcome"))
    assert added == [("fixity_check", "failure"), ("quarantine", "success")]


def test_the_command_writes_a_package_that_verifies(case, items, tmp_path, capsys):
    call_command("export_case", case.reference, str(tmp_path / "out"), *RECIPIENT)
    written = capsys.readouterr().out
    bags = list((tmp_path / "out").iterdir())
    assert len(bags) == 1 and str(bags[0]) in written
    assert run_verifier(bags[0]).returncode == 0
    packing = CustodyEvent.objects.filter(item=items["video"], action="packing").get()
    assert packing.actor == export.EXPORT_AGENT


def test_the_command_refuses_an_unknown_case_or_unsealed_items(case, items, investigator, tmp_path):
    with pytest.raises(CommandError, match="No case"):
        call_command("export_case", "UA-1999-0001", str(tmp_path), *RECIPIENT)
    pending = evidence_register(actor=investigator, case=case, kind="video", title="Raw",
                                file=ContentFile(b"x", name="raw.mp4"))
    with pytest.raises(CommandError, match=pending.exhibit):
        call_command("export_case", case.reference, str(tmp_path), *RECIPIENT)


# --- tampering -------------------------------------------------------------------------


def _problems(bag: Path, key_id: str | None = None) -> str:
    return "\n".join(verify_bag.verify(str(bag), key_id, quiet=True))


def test_changing_one_byte_of_any_file_fails_and_names_the_file(bag, tmp_path, capsys):
    pristine_verifier = tmp_path / "verify.py"
    shutil.copy(bag / "verify.py", pristine_verifier)
    files = sorted(p.relative_to(bag).as_posix() for p in bag.rglob("*") if p.is_file())
    assert len(files) > 15
    for relative in files:
        copy = tmp_path / "tampered"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(bag, copy)
        target = copy / relative
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        target.write_bytes(bytes(raw))
        result = run_verifier(copy, verifier=pristine_verifier)
        assert result.returncode == 1, relative
        assert "NOT VERIFIED" in result.stdout
        if not relative.startswith("tagmanifest-"):
            assert relative in result.stdout, (relative, result.stdout)


def test_deleting_an_items_folder_fails_even_with_the_manifests_redone(bag):
    shutil.rmtree(folder_of(bag, "E002"))
    assert "data/items/E002/item.json is listed in manifest-sha256.txt but missing" in _problems(bag)
    rebag(bag)
    problems = _problems(bag)
    assert "item folder data/items/E002 listed in the signed package manifest is missing" in problems
    assert run_verifier(bag).returncode == 1


def test_adding_a_file_fails_even_with_the_manifests_redone(bag):
    (folder_of(bag, "E001") / "content" / "extra.mp4").write_bytes(b"planted")
    assert "data/items/E001/content/extra.mp4 is in the bag but not listed in manifest-sha256.txt" in _problems(bag)
    rebag(bag)
    assert "data/items/E001/content/extra.mp4 is not in the signed package manifest (it was added)" in _problems(bag)


def test_editing_a_custody_entry_fails_and_names_it(bag):
    path = folder_of(bag, "E001") / "custody.json"
    entries = _load(path)
    entries[2]["details"]["to"] = "a private flat"
    _dump(path, entries)
    rebag(bag)
    problems = _problems(bag)
    assert ("UA-2022-0007/E001 custody entry 3: its content does not match its entry_hash "
            "(the entry was edited)") in problems
    result = run_verifier(bag)
    assert result.returncode == 1 and "the entry was edited" in result.stdout


def test_editing_an_entry_and_its_hash_still_fails_on_the_chain_and_the_log(bag):
    path = folder_of(bag, "E001") / "custody.json"
    entries = _load(path)
    entries[-1]["details"]["package_id"] = "another"
    entries[-1]["entry_hash"] = verify_bag.entry_hash(entries[-1])
    _dump(path, entries)
    rebag(bag)
    problems = _problems(bag)
    assert f"custody entry {len(entries)} is not in the signed log" in problems
    assert "the last custody entry is not the one the signed package manifest names" in problems


def test_dropping_the_last_entry_of_a_log_fails(bag):
    for name in ("custody.json", "proofs.json"):
        path = folder_of(bag, "E002") / name
        data = _load(path)
        if name == "custody.json":
            count = len(data)
            data = data[:-1]
        else:
            data["entries"] = data["entries"][:-1]
        _dump(path, data)
    rebag(bag)
    problems = _problems(bag)
    assert (f"UA-2022-0007/E002: the custody log has {count - 1} entries; the signed package manifest says {count} "
            "(entries were dropped or added)") in problems
    assert run_verifier(bag).returncode == 1


def test_swapping_two_entries_fails(bag):
    path = folder_of(bag, "E001") / "custody.json"
    entries = _load(path)
    entries[1], entries[2] = entries[2], entries[1]
    _dump(path, entries)
    rebag(bag)
    problems = _problems(bag)
    assert "UA-2022-0007/E001 custody entry 2: expected seq 2, found 3 (entries removed or reordered)" in problems
    assert run_verifier(bag).returncode == 1


def test_replacing_the_tree_head_fails(bag, items, investigator):
    custody_append(item=items["photo"], action="transfer", user=investigator)
    later = signing.head_as_dict(signing.sign_tree_head())  # a genuine head, but not this package's
    _dump(bag / "data" / "log" / "tree-head.json", later)
    rebag(bag)
    problems = _problems(bag)
    assert "data/log/tree-head.json is not the tree head the package manifest names" in problems
    assert "is not in the signed log" in problems
    result = run_verifier(bag)
    assert result.returncode == 1 and "it was replaced" in result.stdout


def test_an_edited_tree_head_fails_its_signature(bag):
    path = bag / "data" / "log" / "tree-head.json"
    head = _load(path)
    head["tree_size"] += 1
    _dump(path, head)
    rebag(bag)
    assert "tree head signature (size" in _problems(bag)


def _resign(bag: Path, key: Ed25519PrivateKey, *, replace_public_key: bool) -> str:
    public = key.public_key()
    key_id = signing.public_key_id(public)
    head_path = bag / "data" / "log" / "tree-head.json"
    head = _load(head_path)
    message = verify_bag.tree_head_message(head["tree_size"], bytes.fromhex(head["root_hash"]), head["timestamp_ms"])
    head["signature"] = base64.b64encode(key.sign(message)).decode()
    manifest_path = bag / "data" / "package-manifest.json"
    manifest = _load(manifest_path)
    manifest["tree_head"]["signature"] = head["signature"]
    if replace_public_key:
        head["key_id"] = manifest["key_id"] = key_id
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        (bag / "data" / "log" / "public-key.pem").write_bytes(pem)
    _dump(head_path, head)
    manifest["files"]["data/log/tree-head.json"] = verify_bag.file_digests(str(head_path), ("sha256",))["sha256"]
    manifest["files"]["data/log/public-key.pem"] = verify_bag.file_digests(
        str(bag / "data" / "log" / "public-key.pem"), ("sha256",))["sha256"]
    _dump(manifest_path, manifest)
    (bag / "data" / "package-manifest.json.sig").write_bytes(key.sign(manifest_path.read_bytes()))
    rebag(bag)
    return key_id


def test_signing_with_another_key_fails_against_the_enclosed_key(bag):
    _resign(bag, Ed25519PrivateKey.generate(), replace_public_key=False)
    problems = _problems(bag)
    assert "package manifest signature does not verify with the enclosed key" in problems
    assert "tree head signature (size" in problems and "does not verify with the enclosed key" in problems


def test_signing_with_another_key_and_enclosing_it_fails_against_the_published_key(bag):
    ours = signing.signing_key().key_id
    theirs = _resign(bag, Ed25519PrivateKey.generate(), replace_public_key=True)
    assert "package manifest signature does not verify" not in _problems(bag)  # self-consistent forgery...
    result = run_verifier(bag, "--key-id", ours)  # ...caught by the fingerprint the catalogue publishes
    assert result.returncode == 1
    assert f"the package is signed with key {theirs}, not the expected key {ours}" in result.stdout


def test_an_item_record_that_disagrees_with_the_digests_logged_on_arrival_is_tampering(bag, items):
    path = folder_of(bag, "E001") / "item.json"
    record = _load(path)
    record["sha512"] = "0" * 128
    _dump(path, record)
    rebag(bag)
    problems = _problems(bag)
    assert ("UA-2022-0007/E001: item.json's SHA-512 disagrees with the message_digest_calculation entry "
            "(custody entry 2): the item record was tampered with") in problems


def test_a_file_swapped_with_its_item_record_still_fails_on_the_digests_logged_on_arrival(bag):
    import hashlib

    content = folder_of(bag, "E002") / "content" / "crater_photo.jpg"
    forged = b"another photograph"
    content.write_bytes(forged)
    path = folder_of(bag, "E002") / "item.json"
    record = _load(path)
    record |= {"sha256": hashlib.sha256(forged).hexdigest(), "sha512": hashlib.sha512(forged).hexdigest()}
    _dump(path, record)
    rebag(bag)
    problems = _problems(bag)
    assert ("UA-2022-0007/E002: data/items/E002/content/crater_photo.jpg does not have the SHA-256 that the "
            "message_digest_calculation entry (custody entry 2) recorded on arrival") in problems
    assert run_verifier(bag).returncode == 1


def test_verify_py_finds_each_key_it_needs_by_key_id(bag):
    head = _load(bag / "data" / "log" / "tree-head.json")
    enclosed = bag / "data" / "log" / "keys" / f"{head['key_id']}.pem"
    assert enclosed.read_text() == (bag / "data" / "log" / "public-key.pem").read_text()
    assert _load(bag / "data" / "package-manifest.json")["tree_head"]["key_id"] == head["key_id"]
