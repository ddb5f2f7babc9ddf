"""Evidence items, their append-only custody log, and the global Merkle log's state."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Case, Place, ProtectedPerson
from evidence.times import ITEM_TIMES, Precision

sha256_validator = RegexValidator(
    r"^[0-9a-f]{64}$", "A SHA-256 digest is 64 hexadecimal characters (0-9, a-f)."
)


class DerivationRelation(models.TextChoices):
    """What a derived item is of its source."""

    COPY = "copy"
    EXCERPT = "excerpt"
    TRANSLATION = "translation"
    TRANSCRIPT = "transcript"
    REDACTION = "redaction"
    ENHANCEMENT = "enhancement"


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video"
        AUDIO = "audio"
        IMAGE = "image"
        DOCUMENT = "document"
        TESTIMONY = "testimony"
        INTERCEPT = "intercept"
        WEBPAGE = "webpage"
        DATASET = "dataset"
        PHYSICAL = "physical"
        OTHER = "other"

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        SEALED = "sealed", "Sealed"
        FAILED = "failed", "Failed (can be retried)"
        QUARANTINED = "quarantined", "Quarantined"
        # A record of media held by someone else: nothing to hash or store.
        REFERENCE = "reference", "Reference (not held)"

    Relation = DerivationRelation

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    number = models.PositiveIntegerField(editable=False)
    exhibit = models.CharField(max_length=60, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    held_by = models.CharField(max_length=200, blank=True, help_text="For references: who holds the original.")
    original_filename = models.CharField(max_length=255, blank=True)
    # Each time has a precision (evidence/times.py): unknown when there is no time,
    # and a time is shown only as far as it is known, so none is ever invented.
    captured_at = models.DateTimeField(null=True, blank=True)
    captured_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN)
    # The time zone the capture time was given in (an IANA name, e.g. Europe/Kyiv): the time itself is
    # stored in UTC, and shown again in this zone, as the witness told it.
    captured_at_zone = models.CharField(_("capture time zone"), max_length=64, blank=True)
    captured_by = models.CharField(max_length=200, blank=True)
    # Online media: when the source published it, when it reached the platform it
    # came from, and when we or the submitter acquired this copy; three facts a
    # court may need apart, and none of them is the capture.
    published_at = models.DateTimeField(null=True, blank=True, help_text="When the source published it.")
    published_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN)
    uploaded_at = models.DateTimeField(null=True, blank=True, help_text="When it was uploaded to the platform it came from.")
    uploaded_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN)
    acquired_at = models.DateTimeField(null=True, blank=True, help_text="When we or the submitter acquired this copy.")
    acquired_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN)
    capture_place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    declared_sha256 = models.CharField(_("declared SHA-256"), max_length=64, blank=True,
                                       validators=[sha256_validator])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Where the upload waits until the pipeline has hashed it (a storage name).
    staged_name = models.CharField(max_length=300, blank=True, editable=False)
    # Set only by the pipeline.
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True, editable=False)
    sha512 = models.CharField("SHA-512", max_length=128, blank=True, editable=False)
    sha1 = models.CharField("SHA-1", max_length=40, blank=True, editable=False)
    md5 = models.CharField("MD5", max_length=32, blank=True, editable=False)
    size = models.BigIntegerField(null=True, blank=True, editable=False)
    media_type = models.CharField(max_length=120, blank=True, db_index=True, editable=False)
    metadata = models.JSONField(default=dict, blank=True, editable=False)
    extracted_text = models.TextField(blank=True, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED, db_index=True, editable=False)
    error = models.TextField(blank=True, editable=False)
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn = models.BooleanField(default=False, editable=False)
    # A derivative (a translation, transcript, redacted copy, ...) names its source and the
    # source's SHA-256 as it was when linked, so a court can tell which bytes it was made from.
    # Set only at filing (evidence_register), never changed.
    derived_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="derivatives", editable=False)
    relation = models.CharField(max_length=16, choices=Relation.choices, blank=True, editable=False)
    derived_from_sha256 = models.CharField(_("SHA-256 of the source"), max_length=64, blank=True, editable=False)
    derivation_method = models.TextField(blank=True, editable=False, help_text="How the derivative was made.")
    derived_by = models.CharField(max_length=200, blank=True, editable=False,
                                  help_text="Who made the derivative (a person, lab or tool).")
    # Handling flags, set by people (evidence.services.item_set_flags): who may be shown it, and how.
    graphic_content = models.BooleanField(default=False, help_text="Shows graphic violence or injury.")
    risk_to_person = models.BooleanField(default=False, help_text="Disclosing it could put a person at risk.")
    risk_note = models.TextField(blank=True, help_text="Who is at risk, and from what.")
    # Pipeline bookkeeping (evidence/pipeline.py): a worker claims an item by
    # bumping `attempts` and keeps `claimed_at` fresh while it works, so a claim
    # left by a killed worker goes stale and can be retaken; `queued_at` lets the
    # sweeper re-queue work the broker lost without flooding it.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField(default=0, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="evidence_number_per_case"),
            models.CheckConstraint(condition=Q(size__isnull=True) | Q(size__gte=0), name="evidence_size_not_negative"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True, f"{name}_precision": Precision.UNKNOWN})
                    | (Q(**{f"{name}__isnull": False}) & ~Q(**{f"{name}_precision": Precision.UNKNOWN})),
                    name=f"evidence_{name}_precision_fits",
                    violation_error_message=f"{name}: a time needs a precision other than unknown, and no time "
                                            "has any other.",
                )
                for name in ITEM_TIMES
            ],
            # A link is whole or absent: a source without its relation and digest proves nothing.
            models.CheckConstraint(
                condition=Q(derived_from__isnull=True, relation="", derived_from_sha256="")
                | (Q(derived_from__isnull=False, relation__in=DerivationRelation.values) & ~Q(derived_from_sha256="")),
                name="evidence_derivation_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exhibit} — {self.title}"


class ItemConsentDependency(models.Model):
    """An exhibit that may be used only with a protected person's consent (their testimony,
    their image, ...): it is not exported unless that person's consent to use in legal
    proceedings is in force (evidence.export.consent_blocked)."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="consent_dependencies")
    person = models.ForeignKey(ProtectedPerson, on_delete=models.PROTECT, related_name="dependent_items")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "person"]
        verbose_name_plural = "consent dependencies"
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="consent_dependency_once")]

    def __str__(self) -> str:
        return f"{self.item.exhibit} depends on {self.person.pseudonym}"


class CaseEvidenceLink(models.Model):
    """An item linked to a case other than its own (evidence.case_links.item_link_case).

    The item's `case` stays its owner: its exhibit number, who may see it and the export
    that packs it all follow that case. A link only lets the other case's readers, who
    can also see the item, find it from there. Written once, with a custody entry.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence_links")
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="case_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()
    reason = models.TextField()

    class Meta:
        ordering = ["item", "case"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="case_link_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="case_link_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} linked to case {self.case_id}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Custody entries are append-only: they cannot be updated.")

    def delete(self):
        raise PermissionError("Custody entries are append-only: they cannot be deleted.")


class CustodyEvent(models.Model):
    """One entry of an item's custody log, hash-chained to the one before it.

    Created only by `evidence.custody.custody_append`. Updates and deletes are
    refused here, in the admin and by database triggers.
    """

    class Action(models.TextChoices):
        # PREMIS event types (https://id.loc.gov/vocabulary/preservation/eventType).
        CAPTURE = "capture"
        TRANSFER = "transfer"
        ACCESSION = "accession"
        INGESTION = "ingestion"
        # PREMIS "ingestion start": a person asked for a failed item's ingest to run again
        # (evidence.pipeline.retry). Not "ingestion": that is the pipeline's own sealing entry.
        INGESTION_START = "ingestion_start"
        MESSAGE_DIGEST_CALCULATION = "message_digest_calculation"
        FIXITY_CHECK = "fixity_check"
        FORMAT_IDENTIFICATION = "format_identification"
        METADATA_EXTRACTION = "metadata_extraction"
        METADATA_MODIFICATION = "metadata_modification"
        VALIDATION = "validation"
        REPLICATION = "replication"
        INDEXING = "indexing"
        DISSEMINATION = "dissemination"
        PACKING = "packing"
        QUARANTINE = "quarantine"
        DEACCESSION = "deaccession"
        # Not a PREMIS event type (PREMIS has none for "a new object was made from this
        # one"): written on both items of a derived link (evidence_register).
        DERIVATION = "derivation"

    class Outcome(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="custody")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    actor = models.CharField(max_length=200)  # "user:alice" or "agent:evidence-pipeline/1.0"
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Null when nobody said when it happened, or said it only to the hour, day,
    # month or year: `details` then say as much as is known (evidence/times.py).
    occurred_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # Position of this entry in the global Merkle log (0-based leaf index).
    log_index = models.BigIntegerField(unique=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["item", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["item", "seq"], name="custody_seq_per_item"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="custody_seq_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} #{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Custody entries are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Custody entries are append-only: they cannot be deleted.")


class LogNode(models.Model):
    """A complete ("perfect") subtree hash of the Merkle log: level 0 are the leaves.

    Stored once when complete and never changed, so any root or proof needs
    only O(log n) rows (see evidence/ledger.py).
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="log_node_once")]


class LogState(models.Model):
    """The single row that serialises appends to the Merkle log (locked per append)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)


class TreeHead(models.Model):
    """A signed tree head: tree size, root hash and time, signed with Ed25519."""

    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    signature = models.TextField()  # base64
    key_id = models.CharField(max_length=64)  # SHA-256 of the public key (DER)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-tree_size", "-timestamp"]
        get_latest_by = "tree_size"


class HeadTimestamp(models.Model):
    """An RFC 3161 time-stamp token over a head's signed bytes: a third party's word on when the head existed.

    Append-only like the head itself (refused by database triggers too). One per
    head: a second one, even a valid one, would only let a forger choose which
    of two tokens a reader sees.
    """

    head = models.ForeignKey(TreeHead, on_delete=models.PROTECT, related_name="timestamps")
    token = models.BinaryField()  # the DER TimeStampResp, as `openssl ts -verify -in` reads it
    tsa_url = models.CharField(max_length=500)
    gen_time = models.DateTimeField()  # the TSA's time, from inside the token
    recorded_at = models.DateTimeField()

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["head"], name="one_timestamp_per_head")]


class ExportJob(models.Model):
    """A court package being built for one case (BagIt), and where it ended up."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Storage name of the zipped bag, and its digest so a download can be checked.
    package_name = models.CharField(max_length=300, blank=True)
    package_sha256 = models.CharField(_("package SHA-256"), max_length=64, blank=True)
    package_size = models.BigIntegerField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    tree_size = models.BigIntegerField(null=True, blank=True)
    # Who is building it: a token per claim, refreshed as the build goes on. A
    # claim left stale (its worker died) is taken over (evidence.export.export_run).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField(default=0, editable=False)
    # The disclosure register: to whom and why (required by export_request; blank only
    # on jobs made before the register existed), and the exhibits the package holds.
    recipient = models.CharField(max_length=300, blank=True)
    purpose = models.TextField(blank=True)
    exhibits = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ExhibitAnalysis(models.Model):
    """One verification analysis of an exhibit (Berkeley Protocol, ch. VI): who did it, how, what it found.

    Written only by evidence.verification_records.analysis_record, which also writes its custody entry.
    """

    class Kind(models.TextChoices):
        # The Protocol's three stages; geolocation and chronolocation are content-analysis methods,
        # kept as kinds of their own so that "was it geolocated?" is a filter, not a text search.
        SOURCE = "source", "Source analysis"
        TECHNICAL = "technical", "Technical analysis"
        CONTENT = "content", "Content analysis"
        GEOLOCATION = "geolocation", "Content analysis: geolocation"
        CHRONOLOCATION = "chronolocation", "Content analysis: chronolocation"

    class Confidence(models.TextChoices):
        LOW = "low"
        MEDIUM = "medium"
        HIGH = "high"

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="analyses")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    method = models.TextField(help_text="How the analysis was done (tools, sources consulted, steps).")
    result = models.TextField(help_text="What it found.")
    confidence = models.CharField(max_length=8, choices=Confidence.choices)
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "recorded_at", "id"]
        verbose_name_plural = "exhibit analyses"
        constraints = [
            models.CheckConstraint(condition=~Q(method="") & ~Q(result=""), name="analysis_method_and_result"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.item_id}"


class ExhibitSignOff(models.Model):
    """A person's confirmation of an exhibit's analyses; two people's make it verified.

    One per person and item (the constraint refuses a second even if a service forgot to).
    """

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="signoffs")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    # The analyses on record when it was signed: what the signer confirmed.
    analyses = models.JSONField(default=list)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "signer"], name="signoff_once_per_person"),
            models.CheckConstraint(condition=~Q(note=""), name="signoff_has_note"),
        ]

    def __str__(self) -> str:
        return f"sign-off of {self.item_id} by {self.signer_id}"
