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

from evidence.fetch import url_has_credentials
from evidence.hashing import normalise_sha256
from evidence.models import EvidenceItem

FILING_FIELDS = ["kind", "title", "file", "source_url", "held_by", "declared_sha256",
                 "captured_at", "captured_by", "description"]
DESCRIPTION_FIELDS = ["title", "kind", "description", "captured_at", "captured_by"]


class EvidenceFilingForm(forms.ModelForm):
    """A new item: an upload, a URL for the pipeline to fetch, or a reference to media held elsewhere."""

    file = forms.FileField(
        required=False,
        help_text="The original file. Its digests are computed on arrival; it is never altered.",
    )

    # Declared so that an address typed without a scheme is read as https (Django 6's default).
    source_url = forms.URLField(
        required=False, max_length=2000, assume_scheme="https",
        help_text="Or: the address of online media for the system to archive.",
    )

    class Meta:
        model = EvidenceItem
        fields = FILING_FIELDS
        help_texts = {
            "held_by": "Or: who holds the original, when the media is not handed over (a reference).",
            "declared_sha256": "Optional: the SHA-256 the submitter says their copy has (64 hex characters).",
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        limit = settings.EVIDENCE_MAX_UPLOAD_SIZE
        if upload is not None and upload.size > limit:
            raise ValidationError(
                f"The file is {upload.size} bytes ({filesizeformat(upload.size)}); "
                f"the limit is {limit} bytes ({filesizeformat(limit)})."
            )
        return upload

    def clean_source_url(self) -> str:
        value = self.cleaned_data.get("source_url") or ""
        if url_has_credentials(value):
            raise ValidationError("The URL carries a user name or password (user:pass@host): give the address "
                                  "without them. Media behind a login is filed as an upload or a reference.")
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
        has_any = cleaned.get("file") or cleaned.get("source_url") or cleaned.get("held_by")
        # A field with its own error was given; don't also ask for it.
        if not has_any and not ({"file", "source_url", "held_by"} & set(self.errors)):
            self.add_error("file", "Attach a file, give a source URL, or say who holds the original (a reference).")
        return cleaned


class EvidenceDescriptionForm(forms.ModelForm):
    """The descriptive fields an investigator may correct after filing (each change is a custody entry)."""

    class Meta:
        model = EvidenceItem
        fields = DESCRIPTION_FIELDS
