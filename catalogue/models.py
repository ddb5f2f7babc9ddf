"""Case records: the allegation, where and when, its legal qualification, who reported it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.facets import CodeSetField


class Team(models.Model):
    """A group of investigators; restricted cases are visible to their team only."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("members"))

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    class Precision(models.TextChoices):
        EXACT = "exact", _("Exact point")
        SETTLEMENT = "settlement", _("Settlement")
        DISTRICT = "district", _("District")
        REGION = "region", _("Region")
        COUNTRY = "country", _("Country")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    # Transliterations and other spellings (Kiev, Київ, Киев): searched alongside the name.
    aliases = models.JSONField(default=list, blank=True, verbose_name=_("aliases"))
    admin_area = models.CharField(_("administrative area"), max_length=200, blank=True)
    country = models.CharField(
        max_length=2,
        help_text=_("ISO 3166-1 alpha-2 code, e.g. UA."),
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two capital letters of ISO 3166-1."))],
        verbose_name=_("country"),
    )
    latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
        verbose_name=_("latitude"),
    )
    longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
        verbose_name=_("longitude"),
    )
    precision = models.CharField(max_length=16, choices=Precision.choices, default=Precision.SETTLEMENT, verbose_name=_("precision"))

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_on_globe",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_on_globe",
            ),
            models.UniqueConstraint(fields=["name", "country", "admin_area"], name="place_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class CrimeCategory(models.Model):
    """A crime of the ICC's Elements of Crimes, or a group of them (an article, a provision the
    Elements split into several crimes), loaded from catalogue/rome_statute.py by a migration."""

    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"))
    group = models.CharField(max_length=40, verbose_name=_("group"))
    name = models.CharField(max_length=300, verbose_name=_("name"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent"))
    # Cases are qualified with crimes: not with a group, nor with 8(2)(b)(xx), which has no elements.
    # Cases filed before the split keep the group they were given.
    selectable = models.BooleanField(default=True, verbose_name=_("selectable"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("crime category")
        ordering = ["position"]
        verbose_name_plural = _("crime categories")

    def __str__(self) -> str:
        return f"Art. {self.code} — {self.name}"


class Actor(models.Model):
    """An alleged perpetrator."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Military or police unit")
        PERSON = "person", _("Person")
        GROUP = "group", _("Armed group")
        STATE = "state", _("State or armed forces")

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    affiliation = models.CharField(max_length=200, blank=True, verbose_name=_("affiliation"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """Who reported something: graded per claim, on the case link (CaseSource)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        INTELLIGENCE = "intelligence", _("Intelligence service")
        NGO = "ngo", _("Non-governmental organisation")
        MEDIA = "media", _("News media")
        WITNESS = "witness", _("Witness")
        INTERCEPT = "intercept", _("Intercept")
        OPEN_SOURCE = "open_source", _("Open source")
        INTERNATIONAL_ORG = "international_org", _("International organisation")

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        UNDER_REVIEW = "under_review", _("Under review")
        VERIFIED = "verified", _("Verified")
        CORROBORATED = "corroborated", _("Corroborated")
        REFERRED = "referred", _("Referred")
        DISPUTED = "disputed", _("Disputed")
        CLOSED = "closed", _("Closed")

    class Sensitivity(models.TextChoices):
        OPEN = "open", _("Open")
        RESTRICTED = "restricted", _("Restricted (own team)")
        CONFIDENTIAL = "confidential", _("Confidential (own team, named roles)")

    class DatePrecision(models.TextChoices):
        # Incidents are dated, not timed (DateFields): a time of day, where known,
        # belongs to the evidence items' capture times, which have hour and exact.
        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")
        APPROXIMATE = "approximate", _("Approximate")
        UNKNOWN = "unknown", _("Unknown (no incident date)")

    reference = models.CharField(
        max_length=40, unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,5}-\d{4}-\d{4,6}$", _("Use the form UA-2022-0007."))],
        help_text=_("Permanent, human-readable reference, e.g. UA-2022-0007. Cannot be changed."),
        verbose_name=_("reference"),
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    incident_start = models.DateField(null=True, blank=True, verbose_name=_("incident start"))
    incident_end = models.DateField(null=True, blank=True, verbose_name=_("incident end"))
    date_precision = models.CharField(max_length=16, choices=DatePrecision.choices, default=DatePrecision.DAY, verbose_name=_("date precision"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REPORTED, db_index=True, verbose_name=_("status"))
    sensitivity = models.CharField(max_length=16, choices=Sensitivity.choices, default=Sensitivity.OPEN, db_index=True, verbose_name=_("sensitivity"))
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases", verbose_name=_("team"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    places = models.ManyToManyField(Place, related_name="cases", blank=True, verbose_name=_("places"))
    categories = models.ManyToManyField(CrimeCategory, related_name="cases", blank=True, verbose_name=_("categories"))
    perpetrators = models.ManyToManyField(Actor, related_name="cases", blank=True, verbose_name=_("perpetrators"))
    sources = models.ManyToManyField(Source, through="CaseSource", related_name="cases", blank=True, verbose_name=_("sources"))

    # Denormalised text the search step maintains: title, summary, places with aliases,
    # categories, and the items' extracted text. Searched with LIKE on SQLite and
    # through a stored tsvector + GIN index on PostgreSQL (see catalogue/search.py).
    search_text = models.TextField(blank=True, editable=False, verbose_name=_("search text"))
    # The codes of its crimes and the countries of its places, for the list's filters: a cache
    # of the links that only database triggers write (catalogue.facets, migration 0012).
    category_codes = CodeSetField(default=list, editable=False, verbose_name=_("crime codes"))
    countries = CodeSetField(default=list, editable=False, verbose_name=_("countries"))

    # The facets are left out of the history: the m2m history holds the links themselves.
    history = HistoricalRecords(m2m_fields=[places, categories, perpetrators],
                                excluded_fields=["category_codes", "countries"])

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-incident_start", "reference"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="case_title_required"),
            models.CheckConstraint(
                condition=Q(incident_end__isnull=True) | Q(incident_start__isnull=True)
                | Q(incident_end__gte=F("incident_start")),
                name="case_incident_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.incident_start and self.incident_end and self.incident_end < self.incident_start:
            raise ValidationError({"incident_end": _("The incident cannot end before it starts.")})
        if self.incident_start is None and self.incident_end is None:
            # A precision of a date nobody gave would say more than is known.
            self.date_precision = self.DatePrecision.UNKNOWN
        elif self.date_precision == self.DatePrecision.UNKNOWN:
            raise ValidationError({"date_precision": _("A date is given: say how precise it is (day, month, year "
                                                       "or approximate), or leave the dates empty.")})


class CaseSource(models.Model):
    """A source's claim about a case, graded on the Admiralty (NATO) system."""

    class Reliability(models.TextChoices):
        A = "A", _("A — Completely reliable")
        B = "B", _("B — Usually reliable")
        C = "C", _("C — Fairly reliable")
        D = "D", _("D — Not usually reliable")
        E = "E", _("E — Unreliable")
        F = "F", _("F — Reliability cannot be judged")

    class Credibility(models.TextChoices):
        CONFIRMED = "1", _("1 — Confirmed by other sources")
        PROBABLE = "2", _("2 — Probably true")
        POSSIBLE = "3", _("3 — Possibly true")
        DOUBTFUL = "4", _("4 — Doubtful")
        IMPROBABLE = "5", _("5 — Improbable")
        UNKNOWN = "6", _("6 — Truth cannot be judged")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_sources", verbose_name=_("case"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="case_links", verbose_name=_("source"))
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F, verbose_name=_("reliability"))
    credibility = models.CharField(max_length=1, choices=Credibility.choices, default=Credibility.UNKNOWN, verbose_name=_("credibility"))
    statement = models.TextField(blank=True, help_text=_("What this source claims, in the analyst's words."), verbose_name=_("statement"))
    reported_on = models.DateField(null=True, blank=True, verbose_name=_("reported on"))

    class Meta:
        verbose_name = _("case source")
        verbose_name_plural = _("case sources")
        ordering = ["id"]  # the order they were added: the API's fast path reads them so too
        constraints = [
            models.UniqueConstraint(fields=["case", "source"], name="case_source_once"),
            models.CheckConstraint(condition=Q(reliability__in=list("ABCDEF")), name="case_source_reliability_a_f"),
            models.CheckConstraint(condition=Q(credibility__in=list("123456")), name="case_source_credibility_1_6"),
        ]

    @property
    def grading(self) -> str:
        return f"{self.reliability}{self.credibility}"

    def __str__(self) -> str:
        return f"{self.source} ({self.grading})"


class VictimCount(models.Model):
    """A reported figure of victims by category, always with who reported it."""

    class Category(models.TextChoices):
        KILLED = "killed", _("Killed")
        INJURED = "injured", _("Injured")
        CHILDREN_KILLED = "children_killed", _("Children killed")
        CHILDREN_INJURED = "children_injured", _("Children injured")
        DETAINED = "detained", _("Detained")
        DEPORTED = "deported", _("Deported or forcibly transferred")
        MISSING = "missing", _("Missing")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victim_counts", verbose_name=_("case"))
    category = models.CharField(max_length=20, choices=Category.choices, verbose_name=_("category"))
    count = models.PositiveIntegerField(verbose_name=_("count"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="victim_counts", verbose_name=_("source"))
    as_of = models.DateField(null=True, blank=True, verbose_name=_("as of"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("victim count")
        verbose_name_plural = _("victim counts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "category", "source", "as_of"], name="victim_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.get_category_display().lower()}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only: entries cannot be updated.")

    def delete(self):
        raise PermissionError("The access log is append-only: entries cannot be deleted.")

    def bulk_create(self, objs, *args, **kwargs):
        raise PermissionError("Access-log entries are written by catalogue.access_chain.append only.")

    def bulk_update(self, objs, *args, **kwargs):
        raise PermissionError("The access log is append-only: entries cannot be updated.")


class AccessLog(models.Model):
    """Who read which case record, when and from where: append-only and hash-chained.

    Written only by catalogue.access_chain.append (through catalogue.services),
    which gives each entry the next `seq` and its hashes. Updates and deletes
    are refused here, in the admin and by database triggers.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="access_log", verbose_name=_("case"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"))
    at = models.DateTimeField(db_index=True, verbose_name=_("at"))
    via = models.CharField(max_length=20, verbose_name=_("via"))  # "api", "admin", "service", "command"
    action = models.CharField(max_length=40, default="read", verbose_name=_("action"))
    remote_addr = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("remote addr"))
    # Why, for reads that need a reason (revealing a protected identity).
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    seq = models.BigIntegerField(unique=True, editable=False, verbose_name=_("seq"))
    prev_hash = models.CharField(max_length=64, editable=False, verbose_name=_("prev hash"))
    entry_hash = models.CharField(max_length=64, editable=False, verbose_name=_("entry hash"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log")
        verbose_name_plural = _("access logs")
        ordering = ["-at"]
        constraints = [models.CheckConstraint(condition=Q(seq__gte=1), name="access_log_seq_from_one")]

    def __str__(self) -> str:
        return f"Access log entry {self.seq}"

    def save(self, *args, **kwargs):
        raise PermissionError("Access-log entries are written by catalogue.access_chain.append only.")

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only: entries cannot be deleted.")


class AccessLogState(models.Model):
    """The single row that serialises access-log appends (locked per append): entries and last hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, verbose_name=_("ID"))
    size = models.BigIntegerField(default=0, verbose_name=_("size"))
    tip = models.CharField(max_length=64, default="0" * 64, verbose_name=_("tip"))


class ProtectedPerson(models.Model):
    """A victim, witness or human source, known in the open only by a pseudonym.

    The identity (name, contact, anything that could locate the person) is
    encrypted at rest (catalogue/identity_vault.py) and revealed only through
    catalogue.services.protected_person_reveal, to holders of the
    `reveal_identity` permission, each time with a reason written to the access log.
    """

    class Role(models.TextChoices):
        VICTIM = "victim", _("Victim")
        WITNESS = "witness", _("Witness")
        SOURCE = "source", _("Human source")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="protected_people", verbose_name=_("case"))
    pseudonym = models.CharField(max_length=60, unique=True, editable=False, verbose_name=_("pseudonym"))
    role = models.CharField(max_length=10, choices=Role.choices, verbose_name=_("role"))
    identity_ciphertext = models.TextField(editable=False, verbose_name=_("identity ciphertext"))
    key_id = models.CharField(max_length=16, editable=False, verbose_name=_("key ID"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("protected person")
        ordering = ["case", "pseudonym"]
        verbose_name_plural = _("protected people")
        permissions = [("reveal_identity", "Can reveal the identity behind a pseudonym (logged)")]

    def __str__(self) -> str:
        return self.pseudonym


class ConsentScope(models.TextChoices):
    """What a protected person agreed their account, image or identity may be used for."""

    DOCUMENTATION = "documentation", _("Documentation only")
    LEGAL_PROCEEDINGS = "legal_proceedings", _("Use in legal proceedings")
    NAMED_RECIPIENTS = "named_recipients", _("Sharing with the named recipients")
    PUBLICATION = "publication", _("Publication")


class ConsentRecord(models.Model):
    """Informed consent given by a protected person, as it was given: never edited.

    Written by catalogue.services.consent_record; a withdrawal is a ConsentWithdrawal
    of its own, so the record of what was agreed stays as it was.
    """

    Scope = ConsentScope

    person = models.ForeignKey(ProtectedPerson, on_delete=models.PROTECT, related_name="consents", verbose_name=_("person"))
    scopes = models.JSONField(default=list, help_text="One or more of: " + ", ".join(ConsentScope.values) + ".", verbose_name=_("scopes"))
    scope_note = models.TextField(blank=True, help_text=_("Anything the person said about the use, in their terms."), verbose_name=_("scope note"))
    recipients = models.TextField(blank=True, help_text=_("Who may receive it: named recipients or categories "
                                                        "(e.g. the ICC Office of the Prosecutor), one a line."), verbose_name=_("recipients"))
    given_on = models.DateField(verbose_name=_("given on"))
    obtained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("obtained by"))
    interpreter = models.CharField(max_length=200, blank=True, verbose_name=_("interpreter"))
    interpreter_language = models.CharField(max_length=100, blank=True, verbose_name=_("interpreter language"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["person", "given_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(interpreter="") | ~Q(interpreter_language=""),
                                   name="consent_interpreter_has_language"),
        ]

    def __str__(self) -> str:
        return f"{self.person.pseudonym}: consent of {self.given_on}"

    def covers(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ConsentWithdrawal(models.Model):
    """A protected person withdrew a consent: a record of its own, written once
    (catalogue.services.consent_withdraw); the consent itself is not touched."""

    consent = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="withdrawal", verbose_name=_("consent"))
    person = models.ForeignKey(ProtectedPerson, on_delete=models.PROTECT, related_name="consent_withdrawals", verbose_name=_("person"))
    withdrawn_on = models.DateField(verbose_name=_("withdrawn on"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("consent withdrawal")
        verbose_name_plural = _("consent withdrawals")
        ordering = ["person", "withdrawn_on", "id"]

    def __str__(self) -> str:
        return f"{self.person.pseudonym}: withdrawn {self.withdrawn_on}"


class CaseChangeRequest(models.Model):
    """A lowering of a case's sensitivity, or a move to another team, waiting for a second pair of eyes.

    Written by catalogue.services.case_request_change and decided (once) by
    case_change_approve / case_change_reject, by a reviewer other than the
    requester. Both the request and the decision stay on the record; an
    approved change also shows in the case's edit history.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("case"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    reason = models.TextField(verbose_name=_("reason"))
    # What the case held when the request was made, and what it asks for (blank/NULL: unchanged).
    from_sensitivity = models.CharField(max_length=16, choices=Case.Sensitivity.choices, verbose_name=_("from sensitivity"))
    from_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+", verbose_name=_("from team"))
    sensitivity = models.CharField(max_length=16, choices=Case.Sensitivity.choices, blank=True, verbose_name=_("sensitivity"))
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("team"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, verbose_name=_("state"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True, verbose_name=_("decided by"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.TextField(blank=True, verbose_name=_("decision note"))

    class Meta:
        verbose_name = _("case change request")
        verbose_name_plural = _("case change requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["pending", "approved", "rejected"]),
                                   name="case_change_state_known"),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="case_change_decided_once_with_who_and_when",
            ),
            # Four eyes, held by the database too.
            models.CheckConstraint(condition=~Q(decided_by=F("requested_by")), name="case_change_not_self_decided"),
            models.CheckConstraint(condition=~Q(sensitivity="") | Q(team__isnull=False),
                                   name="case_change_asks_for_something"),
            models.UniqueConstraint(fields=["case"], condition=Q(state="pending"), name="case_change_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.describe()} ({self.state})"

    def describe(self) -> str:
        parts = []
        if self.sensitivity:
            parts.append(f"sensitivity {self.from_sensitivity} → {self.sensitivity}")
        if self.team_id:
            parts.append(f"team {self.from_team} → {self.team}")
        return ", ".join(parts)
