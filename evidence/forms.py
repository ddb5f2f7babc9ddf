"""Admin forms for filing and describing evidence.

They check what a person can fix on the page (which of file / URL / holder,
the declared digest, the size limit) before anything is stored; the service
(evidence.services.evidence_register) remains the rule and checks again.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from evidence.fetch import url_has_credentials
from evidence.hashing import normalise_sha256
from evidence.models import EvidenceItem
from evidence.services import FILE_AND_URL_REFUSED
from evidence.times import (
    DEFAULT_ZONE,
    ITEM_TIMES,
    ORDER,
    Precision,
    has_offset,
    in_zone,
    normalise,
    parse,
    partial_iso,
    zone_for_countries,
    zone_names,
    zone_or_none,
)

TIME_FIELDS = [field for name in ITEM_TIMES for field in (name, f"{name}_precision")]
FILING_FIELDS = ["kind", "title", "file", "source_url", "held_by", "declared_sha256",
                 "captured_at", "captured_at_zone", "captured_at_precision", "captured_by", "description",
                 *TIME_FIELDS[2:]]
FLAG_FIELDS = ["graphic_content", "risk_to_person", "risk_note"]
DESCRIPTION_FIELDS = ["title", "kind", "description", "captured_at", "captured_at_zone", "captured_at_precision",
                      "captured_by",
                      *TIME_FIELDS[2:], *FLAG_FIELDS]
TIME_HELP = _("ISO 8601, as far as known: 2022, 2022-03, 2022-03-16, 2022-03-16T14+02:00 (to the hour) or "
              "2022-03-16T14:05:00+02:00. Give the offset of the local time; a time of day without one is UTC. "
              "Leave empty if unknown: nothing is then dated.")
PRECISION_CHOICES = [("", _("as typed")), *Precision.choices]


class PartialTimeField(forms.CharField):
    """A time as far as it is known; cleans to (datetime, the precision the text gives) or None."""

    def __init__(self, help_text=TIME_HELP, **kwargs):
        # Wide enough for a full time with its offset (2022-03-16T08:15:00+02:00), which is how it is shown.
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 30}))
        super().__init__(required=False, max_length=40, help_text=help_text, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            raise ValidationError(_("Not a time this field reads (%(problem)s). %(help)s")
                                  % {"problem": exc, "help": TIME_HELP}) from exc


def _zone_choices() -> list[tuple[str, str]]:
    return [("", _("UTC, or the offset typed with the time")), *((name, name) for name in sorted(zone_names()))]


class ZoneField(forms.ChoiceField):
    """The IANA zone a capture time of day was given in (08:15 in Kharkiv: Europe/Kyiv)."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=_zone_choices, required=False, label=_("Time zone of the capture time"),
            help_text=_("A time typed without an offset is read in this zone, stored in UTC and shown again in "
                        "this zone. Preset to the zone of the case's place (or Europe/Kyiv)."), **kwargs)


def _precision_field(label) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=PRECISION_CHOICES, required=False, label=label,
        help_text=_("Only to make the typed time coarser (a full time known only to the day: choose day)."),
    )


class ItemTimesMixin(forms.Form):
    """Each time typed as far as known, and its precision: what was typed, or coarser if said so."""

    captured_at = PartialTimeField(label=_("Captured at"), help_text=_(
        "As far as known: 2022, 2022-03, 2022-03-16, 2022-03-16T08 (to the hour) or 2022-03-16T08:15. A time of "
        "day is read in the time zone below (08:15 in Kharkiv: Europe/Kyiv), unless typed with its own offset "
        "(+02:00). Leave empty if unknown: nothing is then dated."))
    captured_at_zone = ZoneField()
    captured_at_precision = _precision_field(_("Capture time: precision"))
    published_at = PartialTimeField(label=_("Published at"))
    published_at_precision = _precision_field(_("Publication time: precision"))
    uploaded_at = PartialTimeField(label=_("Uploaded to the platform at"))
    uploaded_at_precision = _precision_field(_("Upload time: precision"))
    acquired_at = PartialTimeField(label=_("Acquired (this copy) at"))
    acquired_at_precision = _precision_field(_("Acquisition time: precision"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and not instance._state.adding:
            # Shown only as far as known: a month is "2022-03", never its first midnight.
            for name in ITEM_TIMES:
                self.initial[name] = partial_iso(getattr(instance, name), getattr(instance, f"{name}_precision")) or ""
                self.initial[f"{name}_precision"] = ""
            # The capture time in the zone it was given in, with that zone's offset then.
            zone = instance.captured_at_zone
            self.initial["captured_at_zone"] = zone
            if zone:
                self.initial["captured_at"] = in_zone(instance.captured_at, instance.captured_at_precision, zone) or ""
        elif not self.initial.get("captured_at_zone"):
            self.initial["captured_at_zone"] = self.default_zone(instance)

    @staticmethod
    def default_zone(instance) -> str:
        case_id = getattr(instance, "case_id", None) if instance is not None else None
        if case_id is None:
            return DEFAULT_ZONE
        from catalogue.models import Place

        countries = list(Place.objects.filter(cases__id=case_id).order_by("pk").values_list("country", flat=True))
        return zone_for_countries(countries)

    def _capture_in_zone(self, cleaned) -> None:
        """Read a capture time typed without an offset in the chosen zone; refuse an offset the zone
        did not have then (the time and the zone would disagree on the instant)."""
        if "captured_at" in self.errors or "captured_at_zone" in self.errors:
            return
        try:
            zone = zone_or_none(cleaned.get("captured_at_zone") or "")
        except ValueError as exc:
            self.add_error("captured_at_zone", str(exc))
            return
        text = (self.data.get(self.add_prefix("captured_at")) or "").strip()
        if zone is None or not cleaned.get("captured_at"):
            return
        value, typed = cleaned["captured_at"]
        if typed not in (Precision.HOUR, Precision.EXACT):
            return  # a date is the calendar date as given, in any zone
        if not has_offset(text):
            cleaned["captured_at"] = parse(text, zone=zone)
            return
        local = value.astimezone(zone)
        if local.utcoffset() != value.utcoffset():
            self.add_error("captured_at_zone", _(
                "The time typed has its own offset (%(typed)s), but %(zone)s was at %(local)s then: remove the "
                "offset to read the time in %(zone)s, or choose the zone the offset belongs to.") % {
                "typed": value.strftime("%z"), "zone": zone.key, "local": local.strftime("%z")})

    def clean(self):
        cleaned = super().clean()
        self._capture_in_zone(cleaned)
        for name in ITEM_TIMES:
            key = f"{name}_precision"
            if name in self.errors or key in self.errors:
                continue
            value, typed = cleaned.get(name) or (None, None)
            cleaned[name] = value  # the model field takes the datetime, whatever is refused below
            said = cleaned.get(key) or None
            if value is not None and said and ORDER.index(said) > ORDER.index(typed):
                self.add_error(key, _("The time typed is known only to the %(precision)s; it cannot be more precise.")
                               % {"precision": Precision(typed).label.lower()})
                continue
            try:
                cleaned[name], cleaned[key] = normalise(value, said or typed)
            except ValueError as exc:
                self.add_error(key, str(exc))
        return cleaned


class EvidenceFilingForm(ItemTimesMixin, forms.ModelForm):
    """A new item: an upload, a URL for the pipeline to fetch, or a reference to media held elsewhere."""

    file = forms.FileField(
        required=False, label=_("File"),
        help_text=_("The original file. Its digests are computed on arrival; it is never altered."),
    )

    # Declared so that an address typed without a scheme is read as https (Django 6's default).
    source_url = forms.URLField(
        required=False, max_length=2000, assume_scheme="https", label=_("Source URL"),
        help_text=_("Or: the address of online media for the system to archive."),
    )

    class Meta:
        model = EvidenceItem
        fields = FILING_FIELDS
        help_texts = {
            "held_by": _("Or: who holds the original, when the media is not handed over (a reference)."),
            "declared_sha256": _("Optional: the SHA-256 the submitter says their copy has (64 hex characters)."),
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        limit = settings.EVIDENCE_MAX_UPLOAD_SIZE
        if upload is not None and upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s bytes (%(size_readable)s); the limit is %(limit)s bytes (%(limit_readable)s).")
                % {"size": upload.size, "size_readable": filesizeformat(upload.size),
                   "limit": limit, "limit_readable": filesizeformat(limit)}
            )
        return upload

    def clean_source_url(self) -> str:
        value = self.cleaned_data.get("source_url") or ""
        if url_has_credentials(value):
            raise ValidationError(_("The URL carries a user name or password (user:pass@host): give the address "
                                  "without them. Media behind a login is filed as an upload or a reference."))
        return value

    def clean_declared_sha256(self) -> str:
        value = (self.cleaned_data.get("declared_sha256") or "").strip()
        if not value:
            return ""
        try:
            return normalise_sha256(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file") and cleaned.get("source_url"):
            self.add_error("source_url", FILE_AND_URL_REFUSED)
        has_any = cleaned.get("file") or cleaned.get("source_url") or cleaned.get("held_by")
        # A field with its own error was given; don't also ask for it.
        if not has_any and not ({"file", "source_url", "held_by"} & set(self.errors)):
            self.add_error("file", _("Attach a file, give a source URL, or say who holds the original (a reference)."))
        return cleaned


class EvidenceDescriptionForm(ItemTimesMixin, forms.ModelForm):
    """The descriptive fields an investigator may correct after filing (each change is a custody entry)."""

    class Meta:
        model = EvidenceItem
        fields = DESCRIPTION_FIELDS
