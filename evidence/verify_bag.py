#!/usr/bin/env python3
"""Check an evidence package (a BagIt bag) without trusting whoever made it.

    python3 verify.py [BAG_FOLDER] [--key-id FINGERPRINT ...] [--tsa-ca CA.pem]

Needs only Python 3.9+ and, for the Ed25519 signatures and the time-stamp
token, the `openssl` command (OpenSSL 3.0 or newer). BAG_FOLDER defaults to
the folder this file is in. --key-id is the fingerprint of a signing key as
published by the catalogue (GET /api/v1/log/key/; give it once per key after
a key rotation); give it to be sure the package was signed by such a key and
not by a key someone put in its place. --tsa-ca is the time-stamping
authority's CA certificate from a source you trust (default: the one enclosed).

What is checked, in this order (every problem is listed, not just the first):
 1. the bag: every file listed in the SHA-256 and SHA-512 manifests and tag
    manifests is present and has that digest, and no payload file is unlisted;
 2. the public keys' fingerprints, and the two signatures, each with the
    enclosed key whose fingerprint it names: the package manifest's and the
    tree head's; then the tree head's RFC 3161 time-stamp token, when there is
    one, with `openssl ts -verify` (a package without one gets a note);
 3. the signed package manifest: every file it lists has that SHA-256, every
    item folder it lists is there (and nothing else), each custody log has the
    length and the last entry it lists, and it names this tree head;
 4. each item: its custody log is an unbroken hash chain; every entry is in
    the Merkle log under the signed tree head (RFC 9162 inclusion proofs); its
    original file has the SHA-256 and SHA-512 recorded when it was sealed,
    and the digests and size that its custody log's message_digest_calculation
    entry recorded on arrival (item.json must agree with that entry too).

Exit status: 0 when everything checks, 1 when anything fails, 2 on bad usage.
This file deliberately imports nothing outside Python's standard library.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata

PACKAGE_FORMAT = "evidence-catalogue-package/1"
GENESIS_HASH = "0" * 64
ENTRY_FIELDS = ("item", "seq", "action", "outcome", "actor", "occurred_at", "recorded_at", "details", "prev_hash")
MANIFEST = "data/package-manifest.json"
MANIFEST_SIG = "data/package-manifest.json.sig"
HEAD = "data/log/tree-head.json"
PUBLIC_KEY = "data/log/public-key.pem"
KEYS_DIR = "data/log/keys"
HEAD_TOKEN = "data/log/tree-head.tsr"
TSA_CA = "data/log/tsa-ca.pem"
DIGEST_ACTION = "message_digest_calculation"


# --- hashing, exactly as the catalogue does it ----------------------------------


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(canonical_json({k: entry[k] for k in ENTRY_FIELDS})).hexdigest()


def leaf_hash_of_entry(entry: dict) -> bytes:
    """RFC 9162 leaf hash, SHA-256(0x00 || entry), of the entry's fields with its hash."""
    body = {k: entry[k] for k in ENTRY_FIELDS}
    body["entry_hash"] = entry["entry_hash"]
    return hashlib.sha256(b"\x00" + canonical_json(body)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list, root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, step for step."""
    if index < 0 or index >= size or any(len(h) != 32 for h in [leaf, root, *proof]):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def tree_head_message(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The bytes a tree head's signature covers: RFC 9162 TreeHeadDataV2."""
    return struct.pack(">QQB", timestamp_ms, tree_size, len(root_hash)) + root_hash + struct.pack(">H", 0)


def file_digests(path: str, algorithms=("sha256", "sha512")) -> dict:
    hashers = {a: hashlib.new(a) for a in algorithms}
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            for h in hashers.values():
                h.update(block)
    return {a: h.hexdigest() for a, h in hashers.items()}


def key_fingerprint(pem: str) -> str:
    """SHA-256 of the key's DER bytes (the body of the PEM), as the catalogue publishes it."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    return hashlib.sha256(base64.b64decode(body)).hexdigest()


def openssl_verify(public_key_path: str, message: bytes, signature: bytes) -> tuple:
    """(ok, why) from `openssl pkeyutl -verify -rawin` (Ed25519 signs the raw message)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False, "the openssl command was not found, so the signature could not be checked"
    with tempfile.TemporaryDirectory() as tmp:
        msg, sig = os.path.join(tmp, "msg"), os.path.join(tmp, "sig")
        with open(msg, "wb") as handle:
            handle.write(message)
        with open(sig, "wb") as handle:
            handle.write(signature)
        run = subprocess.run(
            [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", public_key_path, "-rawin", "-in", msg, "-sigfile", sig],
            capture_output=True, text=True,
        )
    if run.returncode == 0:
        return True, ""
    return False, (run.stdout + run.stderr).strip().splitlines()[0] if (run.stdout + run.stderr).strip() else "failed"


def openssl_ts_verify(message: bytes, token_path: str, ca_path: str) -> tuple:
    """(ok, why) from `openssl ts -verify`: is the token a valid stamp of these bytes by a TSA under this CA?"""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False, "the openssl command was not found, so the token could not be checked"
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "head.bin")
        with open(data, "wb") as handle:
            handle.write(message)
        run = subprocess.run([openssl, "ts", "-verify", "-data", data, "-in", token_path, "-CAfile", ca_path],
                             capture_output=True, text=True)
    if run.returncode == 0:
        return True, ""
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip() and "Verification" not in line]
    return False, lines[-1].strip() if lines else "openssl ts -verify failed"


def token_time(token_path: str) -> str:
    """The TSA's time from the token, as openssl prints it ("" if it cannot)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return ""
    run = subprocess.run([openssl, "ts", "-reply", "-in", token_path, "-text"], capture_output=True, text=True)
    for line in run.stdout.splitlines():
        if line.startswith("Time stamp:"):
            return line.split(":", 1)[1].strip()
    return ""


# --- the checks -----------------------------------------------------------------


class Report:
    def __init__(self, quiet: bool = False) -> None:
        self.problems: list = []
        self.quiet = quiet

    def ok(self, message: str) -> None:
        if not self.quiet:
            print(f"  ok    {message}")

    def fail(self, message: str) -> None:
        self.problems.append(message)
        print(f"  FAIL  {message}")

    def note(self, message: str) -> None:
        print(f"  note  {message}")


def _decode_path(path: str) -> str:
    return path.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _read_manifest(bag: str, name: str, report: Report) -> dict:
    entries = {}
    with open(os.path.join(bag, name), encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                report.fail(f"{name} line {number} is not 'digest path'")
                continue
            path = _decode_path(parts[1].strip())
            if path.startswith("/") or ".." in path.split("/"):
                report.fail(f"{name} names a path outside the bag: {path}")
                continue
            entries[unicodedata.normalize("NFC", path)] = parts[0].lower()
    return entries


def _files_under(bag: str, top: str) -> set:
    found = set()
    for folder, _dirs, files in os.walk(os.path.join(bag, top)):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), bag).replace(os.sep, "/")
            found.add(unicodedata.normalize("NFC", rel))
    return found


def check_bag(bag: str, report: Report) -> None:
    """RFC 8493: bagit.txt, complete payload manifests, and every listed file's digest."""
    if not os.path.isfile(os.path.join(bag, "bagit.txt")):
        report.fail("bagit.txt is missing: this is not a BagIt bag")
        return
    names = sorted(os.listdir(bag))
    manifests = [n for n in names if n.startswith("manifest-") and n.endswith(".txt")]
    tagmanifests = [n for n in names if n.startswith("tagmanifest-") and n.endswith(".txt")]
    for required in ("manifest-sha256.txt", "manifest-sha512.txt"):
        if required not in manifests:
            report.fail(f"{required} is missing")
    payload = _files_under(bag, "data")
    cache: dict = {}
    for name in manifests + tagmanifests:
        algorithm = name.split("-", 1)[1][:-4]
        if algorithm not in hashlib.algorithms_available:
            report.fail(f"{name} uses an algorithm this Python cannot compute")
            continue
        listed = _read_manifest(bag, name, report)
        bad = 0
        for path, expected in sorted(listed.items()):
            full = os.path.join(bag, *path.split("/"))
            if not os.path.isfile(full):
                report.fail(f"{path} is listed in {name} but missing from the bag")
                bad += 1
                continue
            if (path, algorithm) not in cache:
                cache[path, algorithm] = file_digests(full, (algorithm,))[algorithm]
            if cache[path, algorithm] != expected:
                report.fail(f"{path} does not match its {algorithm.upper()} digest in {name} (it was changed)")
                bad += 1
        if name.startswith("manifest-"):
            for path in sorted(payload - set(listed)):
                report.fail(f"{path} is in the bag but not listed in {name} (it was added)")
                bad += 1
        if not bad:
            report.ok(f"{name}: {len(listed)} files present with matching digests")
    for path in sorted(set(names) - set(manifests) - set(tagmanifests) - {"data"}):
        if os.path.isfile(os.path.join(bag, path)) and tagmanifests:
            if not any(path in _read_manifest(bag, t, Report(quiet=True)) for t in tagmanifests):
                report.fail(f"{path} is not listed in any tag manifest (it was added)")


def _load_json(bag: str, path: str, report: Report):
    try:
        with open(os.path.join(bag, *path.split("/")), "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        report.fail(f"{path} is missing")
    except (ValueError, UnicodeDecodeError) as exc:
        report.fail(f"{path} is not valid JSON ({exc})")
    return None


def enclosed_keys(bag: str, report: Report) -> dict:
    """fingerprint -> path of every enclosed public key; the fingerprint is computed, never taken from a name."""
    paths = []
    keys_dir = os.path.join(bag, *KEYS_DIR.split("/"))
    if os.path.isdir(keys_dir):
        paths += [f"{KEYS_DIR}/{name}" for name in sorted(os.listdir(keys_dir)) if name.endswith(".pem")]
    paths.append(PUBLIC_KEY)  # the first format's single key
    found = {}
    for relative in paths:
        full = os.path.join(bag, *relative.split("/"))
        if not os.path.isfile(full):
            continue
        with open(full, encoding="ascii", errors="replace") as handle:
            try:
                found.setdefault(key_fingerprint(handle.read()), full)
            except ValueError:
                report.fail(f"{relative} is not a PEM public key")
    return found


def check_signatures(bag: str, report: Report, expected_key_ids=None):
    """Returns (manifest, head) when both parse; signatures checked with openssl."""
    manifest = _load_json(bag, MANIFEST, report)
    head = _load_json(bag, HEAD, report)
    keys = enclosed_keys(bag, report)
    if not keys:
        report.fail(f"{PUBLIC_KEY} is missing: the signatures cannot be checked")
        return manifest, head
    expected = [k.strip().lower() for k in (expected_key_ids or []) if k and k.strip()]

    def key_for(label: str, data) -> str | None:
        named = data.get("key_id") if isinstance(data, dict) else None
        if named not in keys:
            if len(keys) == 1 and named is None:
                return next(iter(keys.values()))
            report.fail(f"the {label} names key {named}, but no enclosed public key has that fingerprint")
            return None
        return keys[named]

    used = []
    for data in (manifest, head):
        named = data.get("key_id") if isinstance(data, dict) else None
        if named in keys and named not in used:
            used.append(named)
    for fingerprint in used:
        print(f"  key   signing key fingerprint (SHA-256): {fingerprint}")
        if expected and fingerprint not in expected:
            report.fail(f"the package is signed with key {fingerprint}, not the expected key {' or '.join(expected)}")
        elif expected:
            report.ok("the signing key is the expected one")

    sig_path = os.path.join(bag, *MANIFEST_SIG.split("/"))
    manifest_key = key_for("package manifest", manifest)
    if not os.path.isfile(sig_path):
        report.fail(f"{MANIFEST_SIG} is missing: the package manifest is unsigned")
    elif manifest_key:
        with open(os.path.join(bag, *MANIFEST.split("/")), "rb") as handle:
            message = handle.read()
        with open(sig_path, "rb") as handle:
            ok, why = openssl_verify(manifest_key, message, handle.read())
        (report.ok if ok else report.fail)(
            "package manifest signature" + ("" if ok else f" does not verify with the enclosed key: {why}")
        )
    head_key = key_for("tree head", head)
    if isinstance(head, dict) and head_key:
        try:
            message = head_message(head)
            signature = base64.b64decode(head["signature"], validate=True)
        except (KeyError, ValueError, TypeError) as exc:
            report.fail(f"{HEAD} is malformed ({exc})")
        else:
            ok, why = openssl_verify(head_key, message, signature)
            (report.ok if ok else report.fail)(
                f"tree head signature (size {head['tree_size']}, root {head['root_hash'][:16]}...)"
                + ("" if ok else f" does not verify with the enclosed key: {why}")
            )
    return manifest, head


def head_message(head: dict) -> bytes:
    return tree_head_message(int(head["tree_size"]), bytes.fromhex(head["root_hash"]), int(head["timestamp_ms"]))


def check_timestamp(bag: str, head: dict, report: Report, tsa_ca: str | None) -> None:
    """The head's RFC 3161 token, if the package has one: a valid stamp of the head's signed bytes."""
    token = os.path.join(bag, *HEAD_TOKEN.split("/"))
    if not os.path.isfile(token):
        report.note("this package holds no RFC 3161 time-stamp token: the tree head's time rests on the "
                    "catalogue's signature alone")
        return
    ca = tsa_ca or os.path.join(bag, *TSA_CA.split("/"))
    if not os.path.isfile(ca):
        report.note(f"{HEAD_TOKEN} cannot be checked: no TSA CA certificate ({TSA_CA} is absent; give --tsa-ca)")
        return
    try:
        message = head_message(head)
    except (KeyError, ValueError, TypeError):
        return  # already reported as a malformed head
    ok, why = openssl_ts_verify(message, token, ca)
    if ok:
        when = token_time(token)
        report.ok(f"RFC 3161 time-stamp token: the tree head existed at {when or 'the time the token states'}"
                  + (" (CA given with --tsa-ca)" if tsa_ca else ""))
    else:
        report.fail(f"the time-stamp token {HEAD_TOKEN} does not verify for this tree head: {why}")


def check_manifest(bag: str, manifest: dict, head: dict, report: Report) -> None:
    if manifest.get("format") != PACKAGE_FORMAT:
        report.fail(f"the package manifest is not of the format {PACKAGE_FORMAT}")
    signed_head = manifest.get("tree_head", {})
    for field in ("tree_size", "root_hash", "timestamp_ms", "signature", "key_id"):
        if field == "key_id" and field not in signed_head:
            continue  # the first format did not name it here
        if signed_head.get(field) != (head or {}).get(field):
            report.fail(f"{HEAD} is not the tree head the package manifest names ({field} differs): it was replaced")
            break
    bad = 0
    for path, expected in sorted(manifest.get("files", {}).items()):
        full = os.path.join(bag, *path.split("/"))
        if not os.path.isfile(full):
            report.fail(f"{path} is listed in the signed package manifest but missing")
            bad += 1
        elif file_digests(full, ("sha256",))["sha256"] != expected:
            report.fail(f"{path} differs from the SHA-256 in the signed package manifest")
            bad += 1
    signed_files = set(manifest.get("files", {})) | {MANIFEST, MANIFEST_SIG}
    for path in sorted(_files_under(bag, "data") - signed_files):
        report.fail(f"{path} is not in the signed package manifest (it was added)")
        bad += 1
    listed_folders = {item.get("folder") for item in manifest.get("items", [])}
    on_disk = set()
    items_dir = os.path.join(bag, "data", "items")
    if os.path.isdir(items_dir):
        on_disk = {f"data/items/{name}" for name in os.listdir(items_dir)}
    for folder in sorted(listed_folders - on_disk):
        report.fail(f"the item folder {folder} listed in the signed package manifest is missing (it was deleted)")
        bad += 1
    for folder in sorted(on_disk - listed_folders):
        report.fail(f"the item folder {folder} is not in the signed package manifest (it was added)")
        bad += 1
    if not bad:
        report.ok(f"signed package manifest: {len(manifest.get('files', {}))} files and "
                  f"{len(listed_folders)} item folders as listed")


def check_item(bag: str, listed: dict, head: dict, report: Report) -> None:
    folder, exhibit = listed.get("folder", "?"), listed.get("exhibit", "?")
    if not os.path.isdir(os.path.join(bag, *folder.split("/"))):
        return  # already reported by check_manifest
    entries = _load_json(bag, f"{folder}/custody.json", report)
    proofs = _load_json(bag, f"{folder}/proofs.json", report)
    item = _load_json(bag, f"{folder}/item.json", report)
    if not isinstance(entries, list) or not isinstance(proofs, dict) or not isinstance(item, dict):
        return
    problems_before = len(report.problems)
    # 1. the chain
    prev = GENESIS_HASH
    for position, entry in enumerate(entries, start=1):
        where = f"{exhibit} custody entry {position}"
        try:
            if entry["seq"] != position:
                report.fail(f"{where}: expected seq {position}, found {entry['seq']} (entries removed or reordered)")
            elif entry["item"] != listed.get("id"):
                report.fail(f"{where} belongs to another item ({entry['item']})")
            elif entry["prev_hash"] != prev:
                report.fail(f"{where}: prev_hash does not match the previous entry (entries removed or reordered)")
            elif entry_hash(entry) != entry["entry_hash"]:
                report.fail(f"{where}: its content does not match its entry_hash (the entry was edited)")
            prev = entry["entry_hash"]
        except (KeyError, TypeError):
            report.fail(f"{where} is malformed")
    # 2. what the signed manifest says the log holds
    if len(entries) != listed.get("custody_entries"):
        report.fail(f"{exhibit}: the custody log has {len(entries)} entries; the signed package manifest "
                    f"says {listed.get('custody_entries')} (entries were dropped or added)")
    elif entries and entries[-1].get("entry_hash") != listed.get("last_entry_hash"):
        report.fail(f"{exhibit}: the last custody entry is not the one the signed package manifest names")
    # 3. inclusion of every entry under the signed head
    try:
        size, root = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
        by_index = {int(p["log_index"]): p for p in proofs.get("entries", [])}
    except (KeyError, ValueError, TypeError):
        report.fail(f"{exhibit}: proofs.json or the tree head is malformed")
        return
    if proofs.get("tree_size") != size:
        report.fail(f"{exhibit}: the proofs are for tree size {proofs.get('tree_size')}, the head is size {size}")
    for entry in entries:
        try:
            proof = by_index.get(int(entry["log_index"]))
            path = [bytes.fromhex(h) for h in proof["audit_path"]] if proof else None
            leaf = leaf_hash_of_entry(entry)
        except (KeyError, ValueError, TypeError):
            report.fail(f"{exhibit} custody entry {entry.get('seq')}: its inclusion proof is malformed")
            continue
        if path is None:
            report.fail(f"{exhibit} custody entry {entry.get('seq')}: "
                        f"no inclusion proof for log index {entry['log_index']}")
        elif not verify_inclusion(leaf, int(entry["log_index"]), size, path, root):
            report.fail(f"{exhibit} custody entry {entry.get('seq')} is not in the signed log at index "
                        f"{entry['log_index']} (the inclusion proof fails)")
    # 4. the original bytes
    content = listed.get("content_file")
    if content:
        full = os.path.join(bag, *content.split("/"))
        if not os.path.isfile(full):
            report.fail(f"{exhibit}: the original file {content} is missing")
        else:
            digests = file_digests(full)
            for algorithm in ("sha256", "sha512"):
                recorded = item.get(algorithm)
                if recorded and digests[algorithm] != recorded:
                    report.fail(f"{exhibit}: {content} does not have the {algorithm.upper()} "
                                "recorded when it was sealed")
            if listed.get("sha256") != item.get("sha256"):
                report.fail(f"{exhibit}: item.json's SHA-256 is not the one in the signed package manifest")
            check_arrival_digests(exhibit, content, entries, item, digests, os.path.getsize(full), report)
    if len(report.problems) == problems_before:
        held = f"original file {listed.get('sha256', '')[:16]}..." if content else f"no bytes ({listed.get('state')})"
        report.ok(f"{exhibit}: {len(entries)} custody entries chained and in the signed log; {held}")


def check_arrival_digests(exhibit: str, content: str, entries: list, item: dict, digests: dict, size: int,
                          report: Report) -> None:
    """The file against the digests its custody log recorded on arrival (an entry that is itself
    chained and in the signed log), and item.json against that entry."""
    recorded = [e for e in entries if isinstance(e, dict) and e.get("action") == DIGEST_ACTION
                and e.get("outcome", "success") == "success" and isinstance(e.get("details"), dict)]
    if not recorded:
        report.fail(f"{exhibit}: its custody log has no {DIGEST_ACTION} entry, so {content} cannot be traced "
                    "to the digests recorded on arrival")
        return
    entry = recorded[-1]
    where = f"the {DIGEST_ACTION} entry (custody entry {entry.get('seq')})"
    actual = {"sha256": digests["sha256"], "sha512": digests["sha512"], "size": size}
    for field, name in (("sha256", "SHA-256"), ("sha512", "SHA-512"), ("size", "size")):
        logged = entry["details"].get(field)
        if logged is None:
            continue  # an entry made before sizes were recorded
        if logged != actual[field]:
            report.fail(f"{exhibit}: {content} does not have the {name} that {where} recorded on arrival")
        if item.get(field) != logged:
            report.fail(f"{exhibit}: item.json's {name} disagrees with {where}: the item record was tampered with")


def verify(bag: str, expected_key_id=None, quiet: bool = False, tsa_ca: str | None = None) -> list:
    """Run every check and return the list of problems (empty when the package is intact).
    ``expected_key_id``: one fingerprint or a list of them (after a key rotation)."""
    report = Report(quiet)
    bag = os.path.abspath(bag)
    if isinstance(expected_key_id, str):
        expected_key_id = [expected_key_id]
    print(f"Checking the evidence package in {bag}")
    print("1. BagIt manifests")
    check_bag(bag, report)
    print("2. Signing keys, signatures and the time-stamp token")
    manifest, head = check_signatures(bag, report, expected_key_id)
    if isinstance(head, dict):
        check_timestamp(bag, head, report, tsa_ca)
    if isinstance(manifest, dict) and isinstance(head, dict):
        print("3. The signed package manifest")
        check_manifest(bag, manifest, head, report)
        print("4. Each item: custody chain, inclusion proofs, original bytes")
        for listed in manifest.get("items", []):
            check_item(bag, listed, head, report)
    return report.problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check an evidence package offline.")
    parser.add_argument("bag", nargs="?", default=os.path.dirname(os.path.abspath(__file__)),
                        help="the package folder (default: the folder holding this file)")
    parser.add_argument("--key-id", action="append",
                        help="a signing key fingerprint published by the catalogue (repeat it for several keys)")
    parser.add_argument("--tsa-ca", help="the time-stamping authority's CA certificate (default: the enclosed one)")
    parser.add_argument("--quiet", action="store_true", help="print only problems and the verdict")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.bag):
        print(f"{args.bag} is not a folder", file=sys.stderr)
        return 2
    problems = verify(args.bag, args.key_id, args.quiet, args.tsa_ca)
    print()
    if problems:
        print(f"NOT VERIFIED: {len(problems)} problem(s) found:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("VERIFIED: every file, custody entry, inclusion proof and signature checks.")
    if not args.key_id:
        print("Compare the key fingerprint above with the one the catalogue publishes, or run again with --key-id.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
