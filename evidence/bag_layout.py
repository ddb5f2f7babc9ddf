"""What a court package holds and how each file is written (the bag itself: evidence/export.py).

    README.txt  verify.py  bagit.txt  bag-info.txt  manifest-sha{256,512}.txt  tagmanifest-sha{256,512}.txt
    data/case.json
    data/package-manifest.json  data/package-manifest.json.sig   (signed, Ed25519, raw 64 bytes)
    data/log/tree-head.json  data/log/public-key.pem  data/log/keys/<key id>.pem
    data/log/tree-head.tsr  data/log/tsa-ca.pem   (the head's RFC 3161 token and the TSA's CA, when stamped)
    data/items/E001/item.json  custody.json  proofs.json  content/<original file name>

Paths below are relative to the folder before `bagit.make_bag` moves the
payload under data/; the manifest names them as they end up in the bag.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from catalogue.models import Case
from evidence import ledger_keys, signing
from evidence.models import EvidenceItem, HeadTimestamp, TreeHead
from evidence.times import ITEM_TIMES, as_told
from evidence.verify_bag import HEAD_TOKEN, MANIFEST, MANIFEST_SIG, PACKAGE_FORMAT, TSA_CA

if TYPE_CHECKING:
    from evidence.export import Disclosure

VERIFIER_SOURCE = Path(__file__).with_name("verify_bag.py")


def _safe(text: str, limit: int = 120) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned[:limit]


def bag_name(case: Case, package_id: str) -> str:
    return f"{case.reference}_{_safe(package_id, 40)}"


def folder(item: EvidenceItem) -> str:
    return f"items/{_safe(item.exhibit.rsplit('/', 1)[-1]) or item.pk}"


def content_path(item: EvidenceItem) -> str:
    name = _safe(Path(item.original_filename or "").name) or f"original-{item.sha256[:16]}"
    return f"{folder(item)}/content/{name}"


def why_no_content(item: EvidenceItem) -> str | None:
    """None when the item's original bytes go in the package, else the reason in plain words."""
    if item.withdrawn:
        return "withdrawn from use: its metadata and custody log are included, its bytes are not"
    if item.state == EvidenceItem.State.SEALED and item.sha256:
        return None
    if item.state == EvidenceItem.State.REFERENCE:
        return f"a reference to media held by {item.held_by or 'someone else'}: the catalogue never held the bytes"
    if item.state == EvidenceItem.State.QUARANTINED:
        return f"quarantined, so its bytes are not released: {item.error or 'no reason recorded'}"
    if item.state == EvidenceItem.State.FAILED:
        return f"processing failed, so there are no sealed bytes: {item.error or 'no reason recorded'}"
    return f"not sealed (state: {item.state})"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def case_record(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference, "title": case.title, "summary": case.summary,
        "incident_start": _iso(case.incident_start), "incident_end": _iso(case.incident_end),
        "date_precision": case.date_precision, "status": case.status, "sensitivity": case.sensitivity,
        "team": case.team.name, "created_by": case.created_by.get_username(),
        "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
        "places": [
            {"name": p.name, "aliases": p.aliases, "admin_area": p.admin_area, "country": p.country,
             "latitude": str(p.latitude) if p.latitude is not None else None,
             "longitude": str(p.longitude) if p.longitude is not None else None, "precision": p.precision}
            for p in case.places.all()
        ],
        "categories": [{"code": c.code, "name": c.name} for c in case.categories.all()],
        "perpetrators": [
            {"name": a.name, "kind": a.kind, "affiliation": a.affiliation} for a in case.perpetrators.all()
        ],
        "sources": [
            {"name": cs.source.name, "kind": cs.source.kind, "reliability": cs.reliability,
             "credibility": cs.credibility, "grading": cs.grading, "statement": cs.statement,
             "reported_on": _iso(cs.reported_on)}
            for cs in case.case_sources.select_related("source")
        ],
        "victim_counts": [
            {"category": v.category, "count": v.count, "source": v.source.name, "as_of": _iso(v.as_of), "note": v.note}
            for v in case.victim_counts.select_related("source")
        ],
    }


def item_record(item: EvidenceItem, content_file: str | None) -> dict[str, Any]:
    return {
        "id": str(item.pk), "exhibit": item.exhibit, "case": item.case.reference, "kind": item.kind,
        "title": item.title, "description": item.description, "source_url": item.source_url,
        "held_by": item.held_by, "original_filename": item.original_filename,
        # Times only as far as known ("2022-03"), each with its precision (evidence/times.py).
        **{field: value for name in ITEM_TIMES for field, value in (
            (name, as_told(getattr(item, name), getattr(item, f"{name}_precision"))),
            (f"{name}_precision", getattr(item, f"{name}_precision")))},
        "captured_by": item.captured_by,
        "capture_place": str(item.capture_place) if item.capture_place else "",
        "declared_sha256": item.declared_sha256, "sha256": item.sha256, "sha512": item.sha512,
        "sha1": item.sha1, "md5": item.md5, "size": item.size, "media_type": item.media_type,
        "metadata": item.metadata, "state": item.state, "error": item.error,
        "sealed_at": _iso(item.sealed_at), "withdrawn": item.withdrawn,
        "created_by": item.created_by.get_username(), "created_at": _iso(item.created_at),
        # What this item was made from, by id and by the digest its source had when linked.
        "derived_from": str(item.derived_from_id) if item.derived_from_id else None, "relation": item.relation,
        "derived_from_sha256": item.derived_from_sha256, "derivation_method": item.derivation_method,
        "derived_by": item.derived_by,
        "content": {"included": content_file is not None,
                    "file": f"data/{content_file}" if content_file else None,
                    "why_not": why_no_content(item) if content_file is None else ""},
    }


def _write_json(path: Path, data: Any) -> bytes:
    raw = (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return raw


def write_payload(
    directory: Path, *, case: Case, items: list[EvidenceItem], entries_by_item: dict[str, list[dict]],
    proofs: dict[int, list[bytes]], head: TreeHead, key: signing.SigningKey, content_files: dict[str, str],
    package_id: str, exported_by: str, stamp: HeadTimestamp | None = None, disclosure: Disclosure | None = None,
) -> dict[str, bytes]:
    """Write everything under data/ (content is already there) and sign the package manifest.

    Returns the tag files (README.txt, verify.py) to place beside data/ once the
    bag is made; their digests are in the signed manifest too.
    """
    head_dict = signing.head_as_dict(head)
    files: dict[str, str] = {}

    def record(relative: str, raw: bytes) -> None:
        files[f"data/{relative}"] = hashlib.sha256(raw).hexdigest()

    record("case.json", _write_json(directory / "case.json", case_record(case)))
    record("log/tree-head.json", _write_json(directory / "log" / "tree-head.json", head_dict))
    pem = key.public_pem.encode("ascii")
    (directory / "log" / "public-key.pem").write_bytes(pem)  # kept for verifiers of the first format
    record("log/public-key.pem", pem)
    # Every key the package's signatures need, by key id: after a rotation the
    # head may be signed by a key other than the manifest's.
    keys = {key.key_id: key.public_pem}
    head_pem = keys.get(head.key_id) or ledger_keys.public_pem(head.key_id)
    if head_pem:
        keys[head.key_id] = head_pem
    for key_id, key_pem in sorted(keys.items()):
        raw = key_pem.encode("ascii")
        (directory / "log" / "keys").mkdir(parents=True, exist_ok=True)
        (directory / "log" / "keys" / f"{key_id}.pem").write_bytes(raw)
        record(f"log/keys/{key_id}.pem", raw)
    timestamp = None
    if stamp is not None:
        token = bytes(stamp.token)
        (directory / HEAD_TOKEN.removeprefix("data/")).write_bytes(token)
        record(HEAD_TOKEN.removeprefix("data/"), token)
        timestamp = {"file": HEAD_TOKEN, "tsa_url": stamp.tsa_url, "gen_time": _iso(stamp.gen_time),
                     "ca_file": None}
        if settings.LEDGER_TSA_CA_FILE:
            ca = Path(settings.LEDGER_TSA_CA_FILE).read_bytes()
            (directory / TSA_CA.removeprefix("data/")).write_bytes(ca)
            record(TSA_CA.removeprefix("data/"), ca)
            timestamp["ca_file"] = TSA_CA

    listed = []
    for item in items:
        item_id, base = str(item.pk), folder(item)
        entries = entries_by_item[item_id]
        content = content_files.get(item_id)
        record(f"{base}/item.json", _write_json(directory / base / "item.json", item_record(item, content)))
        record(f"{base}/custody.json", _write_json(directory / base / "custody.json", entries))
        item_proofs = {
            "tree_size": head.tree_size, "root_hash": head.root_hash,
            "entries": [
                {"seq": e["seq"], "log_index": e["log_index"], "entry_hash": e["entry_hash"],
                 "audit_path": [h.hex() for h in proofs[e["log_index"]]]}
                for e in entries
            ],
        }
        record(f"{base}/proofs.json", _write_json(directory / base / "proofs.json", item_proofs))
        if content:
            files[f"data/{content}"] = item.sha256  # copied and re-hashed by export._copy_content
        listed.append({
            "id": item_id, "exhibit": item.exhibit, "folder": f"data/{base}", "state": item.state,
            "withdrawn": item.withdrawn, "content_file": f"data/{content}" if content else None,
            "sha256": item.sha256 if content else None, "size": item.size if content else None,
            "custody_entries": len(entries),
            "last_entry_hash": entries[-1]["entry_hash"] if entries else None,
            "last_log_index": entries[-1]["log_index"] if entries else None,
        })

    tag_files = {
        "README.txt": readme(case=case, items=items, content_files=content_files, head=head_dict,
                             key_id=key.key_id, package_id=package_id, exported_by=exported_by,
                             disclosure=disclosure).encode("utf-8"),
        "verify.py": VERIFIER_SOURCE.read_bytes(),
    }
    for name, raw in tag_files.items():
        files[name] = hashlib.sha256(raw).hexdigest()

    manifest = {
        "format": PACKAGE_FORMAT, "package_id": package_id, "case": case.reference,
        "created_at": _iso(datetime.now(UTC)), "exported_by": exported_by, "key_id": key.key_id,
        # Signed with the rest, so the recipient named in the package cannot be changed unseen.
        "recipient": disclosure.recipient if disclosure else None,
        "purpose": disclosure.purpose if disclosure else None,
        "tree_head": {k: head_dict[k] for k in ("tree_size", "root_hash", "timestamp_ms", "signature", "key_id")},
        "timestamp": timestamp,
        "items": listed, "files": dict(sorted(files.items())),
    }
    raw = _write_json(directory / MANIFEST.removeprefix("data/"), manifest)
    (directory / MANIFEST_SIG.removeprefix("data/")).write_bytes(key.sign(raw))
    return tag_files


def write_tag_files(directory: Path, tag_files: dict[str, bytes]) -> None:
    for name, raw in tag_files.items():
        (directory / name).write_bytes(raw)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def bag_info(case: Case, package_id: str, disclosure: Disclosure | None = None) -> dict[str, str]:
    info = {
        "Source-Organization": "Evidence catalogue",
        "External-Identifier": case.reference,
        "External-Description": f"Court package for case {case.reference}: {case.title}"[:500],
        "Internal-Sender-Identifier": package_id,
        "Bag-Software-Agent": "evidence-catalogue export (bagit.py)",
    }
    if disclosure is not None:
        # RFC 8493 reserves no label for a recipient; these are ours. One line each,
        # because bag-info folds long values but has no line breaks of its own.
        info["Disclosed-To"] = _one_line(disclosure.recipient)
        info["Disclosure-Purpose"] = _one_line(disclosure.purpose)
    return info


def readme(*, case: Case, items: list[EvidenceItem], content_files: dict[str, str], head: dict,
           key_id: str, package_id: str, exported_by: str, disclosure: Disclosure | None = None) -> str:
    lines = []
    for item in items:
        content = content_files.get(str(item.pk))
        if content:
            held = f"original file included: data/{content} ({item.size} bytes, SHA-256 {item.sha256})"
        else:
            held = f"no file: {why_no_content(item)}"
        lines.append(f"  {item.exhibit}  [{item.kind}]  {item.title}\n      {held}")
    exhibits = "\n".join(lines) or "  (this case has no exhibits you may see)"
    if disclosure is not None:
        disclosed = (f"Disclosed to: {disclosure.recipient}\nPurpose: "
                     + "\n         ".join(disclosure.purpose.splitlines()))
    else:
        disclosed = "Disclosed to: (no recipient was recorded for this package)"
    return README_TEMPLATE.format(
        reference=case.reference, title=case.title, exported_by=exported_by, package_id=package_id,
        disclosed=disclosed,
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), exhibits=exhibits, key_id=key_id,
        tree_size=head["tree_size"], root_hash=head["root_hash"], head_time=head["timestamp"],
    )


README_TEMPLATE = """\
EVIDENCE PACKAGE FOR CASE {reference}
{title}

Prepared by the evidence catalogue on {when} for {exported_by}.
Package identifier: {package_id}
{disclosed}

This folder is a "bag" in the BagIt format (RFC 8493), a standard used by
archives and courts to move files so that any change can be detected.

WHAT IS IN IT

  data/case.json                the case record: what is alleged, where, when,
                                its legal qualification and its sources
  data/items/<exhibit>/         one folder per exhibit:
      item.json                 its description and the digests (fingerprints)
                                computed when it was received
      content/<file>            the original file, bit for bit, when held
      custody.json              its custody log: who held it and what was done
                                with it, each entry chained to the one before
      proofs.json               proof that each custody entry is in the
                                catalogue's public, append-only log
  data/log/tree-head.json       the signed summary ("tree head") of that log
  data/log/public-key.pem       the key that checks the signatures
  data/log/keys/                every key the signatures need, named by fingerprint
  data/log/tree-head.tsr        when present: an independent time-stamping
                                authority's token (RFC 3161) that the tree head
                                existed at the time it states; tsa-ca.pem is
                                that authority's certificate
  data/package-manifest.json    a list of everything in this package, signed
                                (the signature is package-manifest.json.sig)
  verify.py                     a program that checks all of the above
  manifest-*.txt, tagmanifest-*.txt, bagit.txt, bag-info.txt: BagIt's lists

EXHIBITS

{exhibits}

HOW TO CHECK IT

On any computer with Python 3 and OpenSSL 3 (no network needed), in this folder:

    python3 verify.py --key-id {key_id}

It prints each check and ends with VERIFIED, or NOT VERIFIED and a list of
what is wrong. The --key-id value is the fingerprint of the catalogue's
signing key; confirm it from a source you trust (the catalogue publishes it
at /api/v1/log/key/), not only from this file.

The package is signed against the catalogue's log as it stood with
{tree_size} entries (root {root_hash}, signed {head_time}).

WHAT A SUCCESSFUL CHECK MEANS

  - No file was changed, added or removed since the package was made.
  - Each original file has the digests recorded when it was first received.
  - No custody entry was edited, removed or reordered.
  - Every custody entry, including the "packing" entry that records this
    export, is in the catalogue's append-only log, whose summary the
    catalogue signed; the catalogue cannot later deny or rewrite them
    without its signed summaries contradicting each other.

You need not trust verify.py: it is one short file that you can read, and
each check can be repeated with other tools (for example the Library of
Congress "bagit" program for the manifests, and openssl for the signatures).
"""
