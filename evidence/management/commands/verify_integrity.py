"""`python manage.py verify_integrity`: every custody chain, every stored object, the log.

The log checks: every entry is the leaf logged at its index, every signed
tree head verifies and still matches the stored log, and consecutive heads
are consistent (RFC 9162 consistency proofs).

Read-only: it reports, it does not record (the scheduled fixity sweep records
checks in the custody logs). Exits 1 if anything is wrong.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from catalogue import access_chain
from evidence import content_store, ledger, ledger_keys, log_store, proven, signing, storage, timestamps, witness
from evidence.custody import event_as_entry, verify_entries
from evidence.models import CustodyEvent, EvidenceItem, LogNode, TreeHead

State = EvidenceItem.State


class Command(BaseCommand):
    help = "Verify every custody chain and every stored object; exit status 1 on any fault."

    def add_arguments(self, parser):
        parser.add_argument("--no-content", action="store_true", help="check the chains only, not the stored bytes")
        parser.add_argument("--case", help="only the items of this case reference")
        parser.add_argument("--witness", metavar="DIR",
                            help="also prove the log consistent with every head witnessed in DIR (evidence/witness.py)")

    def handle(self, *args, **options):
        items = EvidenceItem.objects.order_by("case_id", "number").select_related("case")
        if options["case"]:
            items = items.filter(case__reference=options["case"])
        total = items.count()
        faults: list[str] = []
        warnings: list[str] = []
        counts = {"items": 0, "chains_ok": 0, "objects_ok": 0, "entries": 0}
        checked_objects: dict[str, str] = {}  # sha256 -> "" if ok, else the problem
        started = time.monotonic()
        last_progress = 0.0
        stuck_after = timezone.now() - timedelta(seconds=settings.EVIDENCE_SWEEP_AFTER_SECONDS)

        for item in items.iterator(chunk_size=500):
            counts["items"] += 1
            events = list(CustodyEvent.objects.filter(item_id=item.pk).order_by("seq"))
            report = verify_entries([event_as_entry(e) for e in events])
            counts["entries"] += report.length
            if report.ok and report.length:
                counts["chains_ok"] += 1
            elif not report.length:
                faults.append(f"{item.exhibit}: the custody log is empty")
            else:
                faults.append(f"{item.exhibit}: custody entry {report.broken_seq}: {report.problem}")
            # The digests proven at sealing (the chain's entry), never the columns, are the truth.
            record = proven.from_entries(events)
            tampering = proven.column_problems(item, record)
            faults += [f"{item.exhibit}: {problem}" for problem in tampering]
            if proven.has_sealed_bytes(item) and record is not None and not options["no_content"]:
                if record.sha256 not in checked_objects:
                    checked_objects[record.sha256] = self.check_object(record.sha256, record.size)
                problem = checked_objects[record.sha256]
                if problem:
                    faults.append(f"{item.exhibit}: {problem}")
                elif not tampering:
                    counts["objects_ok"] += 1
            if item.state == State.FAILED:
                warnings.append(f"{item.exhibit}: failed ({item.error}); retry with evidence.pipeline.retry")
            elif item.state == State.QUARANTINED:
                warnings.append(f"{item.exhibit}: quarantined ({item.error})")
            elif item.state in (State.RECEIVED, State.PROCESSING) and item.created_at < stuck_after:
                warnings.append(f"{item.exhibit}: still {item.state} since {item.created_at:%Y-%m-%d %H:%M}")
            now = time.monotonic()
            if now - last_progress >= 1 or counts["items"] == total:
                last_progress = now
                self.progress(counts["items"], total)

        log_faults = self.check_log(options["case"])
        faults += log_faults
        if not options["case"]:
            stamp_faults, stamp_warnings = timestamps.audit()
            faults += stamp_faults
            warnings += stamp_warnings
        if options["witness"]:
            witnessed = witness.check_dir(options["witness"])
            faults += witnessed.faults
            warnings += witnessed.warnings
            self.stdout.write(f"Checked the log against {witnessed.checked} witnessed head(s) in {options['witness']}.")
        access_entries, access_faults = self.check_access_log(options["case"])
        faults += access_faults
        if total and self.stderr.isatty():
            self.stderr.write("")  # end the progress line
        for line in warnings:
            self.stdout.write(self.style.WARNING(f"warning: {line}"))
        for line in faults:
            self.stdout.write(self.style.ERROR(f"FAULT: {line}"))
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Checked {counts['items']} item(s), {counts['entries']} custody entries, "
            f"{len(checked_objects)} stored object(s) in {elapsed:.1f} s: "
            f"{counts['chains_ok']} chain(s) intact, {counts['objects_ok']} item(s) with intact content, "
            f"{len(warnings)} warning(s), {len(faults)} fault(s)."
        )
        if access_entries is not None:
            self.stdout.write(f"Checked {access_entries} access-log entries: {len(access_faults)} fault(s).")
        if faults:
            raise CommandError(f"{len(faults)} integrity fault(s) found.", returncode=1)
        self.stdout.write(self.style.SUCCESS("All custody chains and stored objects are intact."))

    def progress(self, done: int, total: int) -> None:
        line = f"verifying: {done}/{total} items"
        if self.stderr.isatty():
            sys.stderr.write(f"\r{line}")
            sys.stderr.flush()
        else:
            self.stderr.write(line)

    def check_object(self, sha256: str, size: int | None) -> str:
        name = storage.content_name(sha256)
        try:
            content_store.verify_object(name, sha256, size)
        except FileNotFoundError:
            return f"the stored object {name} is missing"
        except content_store.StoredObjectMismatch as exc:
            return str(exc)
        except OSError as exc:
            return f"the stored object {name} cannot be read: {exc}"
        return ""

    def check_access_log(self, only_case: str | None) -> tuple[int | None, list[str]]:
        """The access-log chain (who read what), which is global: skipped for one case."""
        if only_case:
            return None, []
        shown = [time.monotonic()]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - shown[0] >= 1:
                shown[0] = time.monotonic()
                self.stderr.write(f"verifying the access log: {done}/{total} entries")

        return access_chain.tip()[0], access_chain.verify(progress=progress)

    def check_log(self, only_case: str | None) -> list[str]:
        """Every integrated custody entry is a leaf of the global log, once, with no gap.
        Entries still queued for the sequencer are pending, not a fault (they are counted)."""
        if only_case:
            return []
        integrated = CustodyEvent.objects.filter(log_index__isnull=False)
        entries = integrated.count()
        leaves = log_store.size()
        faults = []
        pending = CustodyEvent.objects.filter(log_index__isnull=True).count()
        if pending:
            self.stdout.write(f"{pending} custody entries are pending: queued for the sequencer, not yet in the log.")
        if entries != leaves:
            faults.append(f"the global log holds {leaves} leaves but {entries} custody entries are integrated")
        beyond = integrated.filter(log_index__gte=leaves).count()
        if beyond:
            faults.append(f"{beyond} custody entries name a log index beyond the log's {leaves} leaves")
        dupes = integrated.values("log_index").annotate(n=Count("id")).filter(n__gt=1).count()
        if dupes:
            faults.append(f"{dupes} log index(es) are used by more than one custody entry")
        faults += self.check_leaves()
        faults += self.check_nodes()
        faults += self.check_heads(leaves)
        return faults

    def check_leaves(self) -> list[str]:
        """Each entry, recomputed from its stored fields, is the leaf logged at its index:
        an entry rewritten with its chain recomputed behind the triggers' back fails here."""
        faults = []
        events = CustodyEvent.objects.filter(log_index__isnull=False).order_by("log_index").select_related("item")
        batch: list[CustodyEvent] = []
        for event in events.iterator(chunk_size=2000):
            batch.append(event)
            if len(batch) == 2000:
                faults += self._compare_leaves(batch)
                batch = []
        return faults + self._compare_leaves(batch)

    @staticmethod
    def _compare_leaves(events: list[CustodyEvent]) -> list[str]:
        stored = log_store.leaves(e.log_index for e in events) if events else {}
        return [
            f"{e.item.exhibit}: custody entry {e.seq} differs from the entry logged at index {e.log_index}"
            for e in events if stored[e.log_index] != signing.entry_leaf_hash(e)
        ]

    @staticmethod
    def check_nodes(chunk: int = 5000) -> list[str]:
        """Every stored subtree hash is the hash of its two children. Roots and proofs
        trust these nodes, so the audit recomputes all of them once (O(n))."""
        faults = []
        top = LogNode.objects.order_by("-level").values_list("level", flat=True).first() or 0
        for level in range(1, top + 1):
            parents = LogNode.objects.filter(level=level).order_by("index").values_list("index", "hash")
            batch: list[tuple[int, bytes]] = []
            for row in parents.iterator(chunk_size=chunk):
                batch.append(row)
                if len(batch) == chunk:
                    faults += Command._compare_parents(level, batch)
                    batch = []
            faults += Command._compare_parents(level, batch)
        return faults

    @staticmethod
    def _compare_parents(level: int, parents: list[tuple[int, bytes]]) -> list[str]:
        if not parents:
            return []
        lo, hi = parents[0][0], parents[-1][0]
        children = dict(
            LogNode.objects.filter(level=level - 1, index__gte=2 * lo, index__lte=2 * hi + 1).values_list("index", "hash")
        )
        faults = []
        for index, digest in parents:
            left, right = children.get(2 * index), children.get(2 * index + 1)
            if left is None or right is None or ledger.node_hash(bytes(left), bytes(right)) != bytes(digest):
                faults.append(f"log node at level {level}, index {index} is not the hash of its children")
        return faults

    @staticmethod
    def check_heads(log_size: int) -> list[str]:
        """Every signed head verifies, the stored log still yields its root, and each
        head is consistent with the one before (nothing signed was later rewritten)."""
        faults = []
        previous = None
        trusted = ledger_keys.trusted_keys()
        for head in TreeHead.objects.order_by("tree_size", "timestamp"):
            label = f"signed tree head at size {head.tree_size}"
            problem = signing.head_signature_problem(head, trusted)
            if problem:
                faults.append(f"{label}: {problem}")
            if head.tree_size > log_size:
                faults.append(f"{label}: the log now holds only {log_size} entries")
                continue
            if log_store.root(head.tree_size).hex() != head.root_hash:
                faults.append(f"{label}: the stored log no longer gives the signed root")
            if previous is not None and previous.tree_size < head.tree_size:
                proof = log_store.consistency_proof(previous.tree_size, head.tree_size)
                if not ledger.verify_consistency(previous.tree_size, head.tree_size,
                                                 bytes.fromhex(previous.root_hash), bytes.fromhex(head.root_hash), proof):
                    faults.append(f"{label}: not consistent with the head at size {previous.tree_size}")
            previous = head
        return faults
