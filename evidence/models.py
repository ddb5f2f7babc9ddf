"""Evidence items, their append-only custody log, and the global Merkle log's state."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Case, Place, ProtectedPerson
from evidence.times import ITEM_TIMES, Precision

sha256_validator = RegexValidator(
    r"^[0-9a-f]{64}$", _("A SHA-256 digest is 64 hexadecimal characters (0-9, a-f).")
)


class DerivationRelation(models.TextChoices):
    """What a derived item is of its source."""

    COPY = "copy", _("Copy")
    EXCERPT = "excerpt", _("Excerpt")
    TRANSLATION = "translation", _("Translation")
    TRANSCRIPT = "transcript", _("Transcript")
    REDACTION = "redaction", _("Redaction")
    ENHANCEMENT = "enhancement", _("Enhancement")


class CapturePositionSource(models.TextChoices):
    """Who or what stated a capture position."""

    EXIF_GPS = "exif_gps", _("EXIF GPS in the file")


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")
        TESTIMONY = "testimony", _("Testimony")
        INTERCEPT = "intercept", _("Intercept")
        WEBPAGE = "webpage", _("Webpage")
        DATASET = "dataset", _("Dataset")
        PHYSICAL = "physical", _("Physical")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        SEALED = "sealed", _("Sealed")
        FAILED = "failed", _("Failed (can be retried)")
        QUARANTINED = "quarantined", _("Quarantined")
        # A record of media held by someone else: nothing to hash or store.
        REFERENCE = "reference", _("Reference (not held)")

    Relation = DerivationRelation

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("case"))
    number = models.PositiveIntegerField(editable=False, verbose_name=_("number"))
    exhibit = models.CharField(max_length=60, unique=True, editable=False, verbose_name=_("exhibit"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    source_url = models.URLField(max_length=2000, blank=True, verbose_name=_("source URL"))
    held_by = models.CharField(max_length=200, blank=True, help_text=_("For references: who holds the original."), verbose_name=_("held by"))
    original_filename = models.CharField(max_length=255, blank=True, verbose_name=_("original filename"))
    # Each time has a precision (evidence/times.py): unknown when there is no time,
    # and a time is shown only as far as it is known, so none is ever invented.
    captured_at = models.DateTimeField(null=True, blank=True, verbose_name=_("captured at"))
    captured_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN, verbose_name=_("captured at precision"))
    # The time zone the capture time was given in (an IANA name, e.g. Europe/Kyiv): the time itself is
    # stored in UTC, and shown again in this zone, as the witness told it.
    captured_at_zone = models.CharField(_("capture time zone"), max_length=64, blank=True)
    captured_by = models.CharField(max_length=200, blank=True, verbose_name=_("captured by"))
    # Online media: when the source published it, when it reached the platform it
    # came from, and when we or the submitter acquired this copy; three facts a
    # court may need apart, and none of them is the capture.
    published_at = models.DateTimeField(null=True, blank=True, help_text=_("When the source published it."), verbose_name=_("published at"))
    published_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN, verbose_name=_("published at precision"))
    uploaded_at = models.DateTimeField(null=True, blank=True, help_text=_("When it was uploaded to the platform it came from."), verbose_name=_("uploaded at"))
    uploaded_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN, verbose_name=_("uploaded at precision"))
    acquired_at = models.DateTimeField(null=True, blank=True, help_text=_("When we or the submitter acquired this copy."), verbose_name=_("acquired at"))
    acquired_at_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.UNKNOWN, verbose_name=_("acquired at precision"))
    capture_place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("capture place"))
    # Where the capture happened as a point, when a source states one (evidence/capture_place.py):
    # today only the file's own EXIF GPS, filled by the pipeline and never over a place a person gave.
    # The precision is what that source supports (Place's scale), the uncertainty its radius in metres.
    capture_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, editable=False, verbose_name=_("capture latitude"))
    capture_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, editable=False, verbose_name=_("capture longitude"))
    capture_position_precision = models.CharField(max_length=16, choices=Place.Precision.choices, blank=True,
                                                  editable=False, verbose_name=_("capture position precision"))
    capture_position_uncertainty_m = models.FloatField(null=True, blank=True, editable=False,
                                                       verbose_name=_("capture position uncertainty (m)"))
    capture_position_source = models.CharField(max_length=16, choices=CapturePositionSource.choices, blank=True,
                                               editable=False, verbose_name=_("capture position source"))
    declared_sha256 = models.CharField(max_length=64, blank=True, validators=[sha256_validator], verbose_name=_("declared SHA-256"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    # Where the upload waits until the pipeline has hashed it (a storage name).
    staged_name = models.CharField(max_length=300, blank=True, editable=False, verbose_name=_("staged name"))
    # Set only by the pipeline.
    sha256 = models.CharField(max_length=64, blank=True, db_index=True, editable=False, verbose_name=_("SHA-256"))
    sha512 = models.CharField(max_length=128, blank=True, editable=False, verbose_name=_("SHA-512"))
    sha1 = models.CharField(max_length=40, blank=True, editable=False, verbose_name=_("SHA-1"))
    md5 = models.CharField(max_length=32, blank=True, editable=False, verbose_name=_("MD5"))
    size = models.BigIntegerField(null=True, blank=True, editable=False, verbose_name=_("size"))
    media_type = models.CharField(max_length=120, blank=True, db_index=True, editable=False, verbose_name=_("media type"))
    metadata = models.JSONField(default=dict, blank=True, editable=False, verbose_name=_("metadata"))
    extracted_text = models.TextField(blank=True, editable=False, verbose_name=_("extracted text"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED, db_index=True, editable=False, verbose_name=_("state"))
    error = models.TextField(blank=True, editable=False, verbose_name=_("error"))
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("sealed at"))
    withdrawn = models.BooleanField(default=False, editable=False, verbose_name=_("withdrawn"))
    # A derivative (a translation, transcript, redacted copy, ...) names its source and the
    # source's SHA-256 as it was when linked, so a court can tell which bytes it was made from.
    # Set only at filing (evidence_register), never changed.
    derived_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="derivatives", editable=False, verbose_name=_("derived from"))
    relation = models.CharField(max_length=16, choices=Relation.choices, blank=True, editable=False, verbose_name=_("relation"))
    derived_from_sha256 = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("derived from SHA-256"))
    derivation_method = models.TextField(blank=True, editable=False, help_text=_("How the derivative was made."), verbose_name=_("derivation method"))
    derived_by = models.CharField(max_length=200, blank=True, editable=False,
                                  help_text=_("Who made the derivative (a person, lab or tool)."), verbose_name=_("derived by"))
    # Handling flags, set by people (evidence.services.item_set_flags): who may be shown it, and how.
    graphic_content = models.BooleanField(default=False, help_text=_("Shows graphic violence or injury."), verbose_name=_("graphic content"))
    risk_to_person = models.BooleanField(default=False, help_text=_("Disclosing it could put a person at risk."), verbose_name=_("risk to person"))
    risk_note = models.TextField(blank=True, help_text=_("Who is at risk, and from what."), verbose_name=_("risk note"))
    # Pipeline bookkeeping (evidence/pipeline.py): a worker claims an item by
    # bumping `attempts` and keeps `claimed_at` fresh while it works, so a claim
    # left by a killed worker goes stale and can be retaken; `queued_at` lets the
    # sweeper re-queue work the broker lost without flooding it.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("claimed at"))
    attempts = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("attempts"))
    queued_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("queued at"))

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
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
            # A position is whole or absent: a point without its source and precision says nothing checkable.
            models.CheckConstraint(
                condition=Q(capture_latitude__isnull=True, capture_longitude__isnull=True,
                            capture_position_precision="", capture_position_source="",
                            capture_position_uncertainty_m__isnull=True)
                | (Q(capture_latitude__gte=-90, capture_latitude__lte=90,
                     capture_longitude__gte=-180, capture_longitude__lte=180)
                   & ~Q(capture_position_precision="") & ~Q(capture_position_source="")),
                name="evidence_capture_position_whole",
            ),
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

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="consent_dependencies", verbose_name=_("item"))
    person = models.ForeignKey(ProtectedPerson, on_delete=models.PROTECT, related_name="dependent_items", verbose_name=_("person"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("consent dependency")
        ordering = ["item", "person"]
        verbose_name_plural = _("consent dependencies")
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="consent_dependency_once")]

    def __str__(self) -> str:
        return f"{self.item.exhibit} depends on {self.person.pseudonym}"


class CaseEvidenceLink(models.Model):
    """An item linked to a case other than its own (evidence.case_links.item_link_case).

    The item's `case` stays its owner: its exhibit number, who may see it and the export
    that packs it all follow that case. A link only lets the other case's readers, who
    can also see the item, find it from there. Written once, with a custody entry.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence_links", verbose_name=_("case"))
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="case_links", verbose_name=_("item"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by"))
    linked_at = models.DateTimeField(verbose_name=_("linked at"))
    reason = models.TextField(verbose_name=_("reason"))

    class Meta:
        verbose_name = _("case evidence link")
        verbose_name_plural = _("case evidence links")
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
        CAPTURE = "capture", _("Capture")
        TRANSFER = "transfer", _("Transfer")
        ACCESSION = "accession", _("Accession")
        INGESTION = "ingestion", _("Ingestion")
        # PREMIS "ingestion start": a person asked for a failed item's ingest to run again
        # (evidence.pipeline.retry). Not "ingestion": that is the pipeline's own sealing entry.
        INGESTION_START = "ingestion_start", _("Ingestion start")
        MESSAGE_DIGEST_CALCULATION = "message_digest_calculation", _("Message digest calculation")
        FIXITY_CHECK = "fixity_check", _("Fixity check")
        FORMAT_IDENTIFICATION = "format_identification", _("Format identification")
        METADATA_EXTRACTION = "metadata_extraction", _("Metadata extraction")
        METADATA_MODIFICATION = "metadata_modification", _("Metadata modification")
        VALIDATION = "validation", _("Validation")
        REPLICATION = "replication", _("Replication")
        INDEXING = "indexing", _("Indexing")
        DISSEMINATION = "dissemination", _("Dissemination")
        PACKING = "packing", _("Packing")
        QUARANTINE = "quarantine", _("Quarantine")
        DEACCESSION = "deaccession", _("Deaccession")
        # Not a PREMIS event type (PREMIS has none for "a new object was made from this
        # one"): written on both items of a derived link (evidence_register).
        DERIVATION = "derivation", _("Derivation")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    # No index of its own: the unique (item, seq) index below leads with it.
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="custody", verbose_name=_("item"),
                             db_index=False)
    seq = models.PositiveIntegerField(verbose_name=_("seq"))
    action = models.CharField(max_length=40, choices=Action.choices, verbose_name=_("action"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    actor = models.CharField(max_length=200, verbose_name=_("actor"))  # "user:alice" or "agent:evidence-pipeline/1.0"
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor user"))
    # Null when nobody said when it happened, or said it only to the hour, day,
    # month or year: `details` then say as much as is known (evidence/times.py).
    occurred_at = models.DateTimeField(null=True, blank=True, verbose_name=_("occurred at"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    prev_hash = models.CharField(max_length=64, verbose_name=_("prev hash"))
    # Unique by a constraint (Meta), not unique=True, which on PostgreSQL also builds a
    # LIKE index that no query uses and every append pays for.
    entry_hash = models.CharField(max_length=64, verbose_name=_("entry hash"))
    # Position of this entry in the global Merkle log (0-based leaf index). Null
    # while the entry waits for the sequencer (evidence/sequencer.py), which sets
    # it once: the database refuses every other change to the row.
    log_index = models.BigIntegerField(unique=True, null=True, blank=True, verbose_name=_("log index"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["item", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["item", "seq"], name="custody_seq_per_item"),
            models.UniqueConstraint(fields=["entry_hash"], name="custody_entry_hash_unique"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="custody_seq_from_one"),
        ]
        # The sequencer's queue: entries not yet in the log, oldest first.
        indexes = [models.Index(fields=["id"], condition=Q(log_index__isnull=True), name="custody_pending")]

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

    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    index = models.BigIntegerField(verbose_name=_("index"))
    hash = models.BinaryField(max_length=32, verbose_name=_("hash"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("log node")
        verbose_name_plural = _("log nodes")
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="log_node_once")]


class LogState(models.Model):
    """The single row that serialises integration into the Merkle log: only the
    sequencer (evidence/sequencer.py) and the signer lock it, never a writer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, verbose_name=_("ID"))
    size = models.BigIntegerField(default=0, verbose_name=_("size"))


class SequencerLease(models.Model):
    """Who may integrate the log now, and until when (evidence/sequencer.py).

    One row per lease name. A sequencer that dies keeps it only until
    `expires_at`; the next one then takes it over. Integration itself locks
    LogState too, so even a holder that overran its lease cannot integrate twice.
    """

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    acquired_at = models.DateTimeField(null=True, blank=True)


class TreeHead(models.Model):
    """A signed tree head: tree size, root hash and time, signed with Ed25519."""

    tree_size = models.BigIntegerField(verbose_name=_("tree size"))
    root_hash = models.CharField(max_length=64, verbose_name=_("root hash"))
    timestamp = models.DateTimeField(verbose_name=_("timestamp"))
    signature = models.TextField(verbose_name=_("signature"))  # base64
    key_id = models.CharField(max_length=64, verbose_name=_("key ID"))  # SHA-256 of the public key (DER)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("tree head")
        verbose_name_plural = _("tree heads")
        ordering = ["-tree_size", "-timestamp"]
        get_latest_by = "tree_size"


class HeadTimestamp(models.Model):
    """An RFC 3161 time-stamp token over a head's signed bytes: a third party's word on when the head existed.

    Append-only like the head itself (refused by database triggers too). One per
    head: a second one, even a valid one, would only let a forger choose which
    of two tokens a reader sees.
    """

    head = models.ForeignKey(TreeHead, on_delete=models.PROTECT, related_name="timestamps", verbose_name=_("head"))
    token = models.BinaryField(verbose_name=_("token"))  # the DER TimeStampResp, as `openssl ts -verify -in` reads it
    tsa_url = models.CharField(max_length=500, verbose_name=_("TSA URL"))
    gen_time = models.DateTimeField(verbose_name=_("gen time"))  # the TSA's time, from inside the token
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("head timestamp")
        verbose_name_plural = _("head timestamps")
        constraints = [models.UniqueConstraint(fields=["head"], name="one_timestamp_per_head")]


class ExportJob(models.Model):
    """A court package being built for one case (BagIt), and where it ended up."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exports", verbose_name=_("case"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, verbose_name=_("state"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    # Storage name of the zipped bag, and its digest so a download can be checked.
    package_name = models.CharField(max_length=300, blank=True, verbose_name=_("package name"))
    package_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("package SHA-256"))
    package_size = models.BigIntegerField(null=True, blank=True, verbose_name=_("package size"))
    item_count = models.PositiveIntegerField(default=0, verbose_name=_("item count"))
    tree_size = models.BigIntegerField(null=True, blank=True, verbose_name=_("tree size"))
    # Who is building it: a token per claim, refreshed as the build goes on. A
    # claim left stale (its worker died) is taken over (evidence.export.export_run).
    claim = models.UUIDField(null=True, blank=True, editable=False, verbose_name=_("claim"))
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("claimed at"))
    attempts = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("attempts"))
    # The disclosure register: to whom and why (required by export_request; blank only
    # on jobs made before the register existed), and the exhibits the package holds.
    recipient = models.CharField(max_length=300, blank=True, verbose_name=_("recipient"))
    purpose = models.TextField(blank=True, verbose_name=_("purpose"))
    exhibits = models.JSONField(default=list, blank=True, verbose_name=_("exhibits"))

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at"]


class ExhibitAnalysis(models.Model):
    """One verification analysis of an exhibit (Berkeley Protocol, ch. VI): who did it, how, what it found.

    Written only by evidence.verification_records.analysis_record, which also writes its custody entry.
    """

    class Kind(models.TextChoices):
        # The Protocol's three stages; geolocation and chronolocation are content-analysis methods,
        # kept as kinds of their own so that "was it geolocated?" is a filter, not a text search.
        SOURCE = "source", _("Source analysis")
        TECHNICAL = "technical", _("Technical analysis")
        CONTENT = "content", _("Content analysis")
        GEOLOCATION = "geolocation", _("Content analysis: geolocation")
        CHRONOLOCATION = "chronolocation", _("Content analysis: chronolocation")

    class Confidence(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="analyses", verbose_name=_("item"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    method = models.TextField(help_text=_("How the analysis was done (tools, sources consulted, steps)."), verbose_name=_("method"))
    result = models.TextField(help_text=_("What it found."), verbose_name=_("result"))
    confidence = models.CharField(max_length=8, choices=Confidence.choices, verbose_name=_("confidence"))
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("analyst"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("exhibit analysis")
        ordering = ["item", "recorded_at", "id"]
        verbose_name_plural = _("exhibit analyses")
        constraints = [
            models.CheckConstraint(condition=~Q(method="") & ~Q(result=""), name="analysis_method_and_result"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.item_id}"


class ExhibitSignOff(models.Model):
    """A person's confirmation of an exhibit's analyses; two people's make it verified.

    One per person and item (the constraint refuses a second even if a service forgot to).
    """

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="signoffs", verbose_name=_("item"))
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signer"))
    note = models.TextField(verbose_name=_("note"))
    # The analyses on record when it was signed: what the signer confirmed.
    analyses = models.JSONField(default=list, verbose_name=_("analyses"))
    signed_at = models.DateTimeField(verbose_name=_("signed at"))

    class Meta:
        verbose_name = _("exhibit sign-off")
        verbose_name_plural = _("exhibit sign-offs")
        ordering = ["item", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "signer"], name="signoff_once_per_person"),
            models.CheckConstraint(condition=~Q(note=""), name="signoff_has_note"),
        ]

    def __str__(self) -> str:
        return f"sign-off of {self.item_id} by {self.signer_id}"


class ResumableUpload(models.Model):
    """A file arriving in pieces (evidence/resumable.py): staging, not evidence.

    Its bytes wait as storage objects under `uploads/<id>/`, one per accepted
    piece, outside the content store; only when the last byte has arrived does
    evidence_register file the item, and `item` names it. An upload abandoned
    before then is expired and its pieces removed: it never becomes an item.
    """

    class State(models.TextChoices):
        OPEN = "open", _("receiving")
        COMPLETE = "complete", _("filed as an item")
        EXPIRED = "expired", _("expired (abandoned)")
        CANCELLED = "cancelled", _("cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The name as the browser gave it, with the folder it sat in when a folder was dropped.
    filename = models.CharField(max_length=255)
    relative_path = models.CharField(max_length=1000, blank=True)
    kind = models.CharField(max_length=16, choices=EvidenceItem.Kind.choices)
    size = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    # [[storage name, bytes], ...] in order; their sizes add up to `offset`.
    pieces = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    item = models.OneToOneField(EvidenceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The last piece received (or the creation): abandoned uploads expire counted from here.
    touched_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(offset__lte=F("size")), name="upload_offset_within_size"),
            models.CheckConstraint(condition=Q(size__gt=0), name="upload_not_empty"),
            models.CheckConstraint(condition=Q(item__isnull=True) | Q(state="complete"),
                                   name="upload_item_only_when_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.relative_path or self.filename} ({self.offset}/{self.size})"
