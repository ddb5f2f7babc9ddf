"""The admin's door onto verification per exhibit (evidence.verification_records).

The item list shows each item's status (a subquery in the list's own statement)
and filters by it; the item page lists analyses and sign-offs and links to a
small page with two forms, recording an analysis and signing off. That page is
for everyone who may view the item: reviewers only view items in the admin, and
the service, not the page, decides who may write.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from catalogue.admin_refusals import refusal_messages
from catalogue.case_changes import StateConflict
from catalogue.roles import INVESTIGATOR, REVIEWER, user_access
from evidence.models import ExhibitAnalysis
from evidence.verification_records import (
    PARTIAL,
    UNVERIFIED,
    VERIFIED,
    analysis_record,
    filter_by_status,
    signoff_record,
    status_for,
    verification_of,
)

STATUS_LABELS = {UNVERIFIED: _("unverified"), PARTIAL: _("one sign-off"), VERIFIED: _("verified")}


class AnalysisForm(forms.Form):
    kind = forms.ChoiceField(choices=ExhibitAnalysis.Kind.choices)
    method = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    result = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    confidence = forms.ChoiceField(choices=ExhibitAnalysis.Confidence.choices)


class SignOffForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000,
                           help_text=_("What you checked and confirm."))


class VerificationListFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        return filter_by_status(queryset, self.value()) if self.value() in STATUS_LABELS else queryset


def _may_record(viewer) -> bool:
    """Whether to offer the button: legal staff only read (the service still decides for the rest)."""
    if viewer is None:
        return True
    return viewer.is_superuser or bool(user_access(viewer).roles & {INVESTIGATOR, REVIEWER})


class VerificationAdminMixin:
    """For EvidenceItemAdmin: expects get_queryset to carry `signoff_count` (with_signoff_count)."""

    @admin.display(description=_("verification"), ordering="signoff_count")
    def verification_status(self, obj):
        return STATUS_LABELS[status_for(getattr(obj, "signoff_count", 0))]

    @admin.display(description=_("verification"))
    def verification_record(self, obj):
        record = verification_of(obj)
        analyses = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((a["kind"], a["method"], a["result"], a["confidence"], a["analyst"], a["recorded_at"])
             for a in record["analyses"]),
        )
        signoffs = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((s["signer"], s["note"], s["signed_at"]) for s in record["signoffs"]),
        )
        url = reverse("admin:evidence_evidenceitem_verification", args=[obj.pk])
        return format_html(
            '<p class="verification-status">{}: <strong>{}</strong></p>'
            '<table class="verification-analyses"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>"
            '<table class="verification-signoffs"><thead><tr><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>"
            "{}",
            _("Status"), STATUS_LABELS[record["status"]],
            _("kind"), _("method"), _("result"), _("confidence"), _("by"), _("recorded at"),
            analyses or format_html('<tr><td colspan="6">{}</td></tr>', _("none yet")),
            _("signed off by"), _("note"), _("signed at"),
            signoffs or format_html('<tr><td colspan="3">{}</td></tr>', _("none yet")),
            format_html('<p><a class="button" href="{}">{}</a></p>', url, _("Record an analysis or sign off"))
            if _may_record(getattr(obj, "_viewer", None)) else "",
        )

    def get_urls(self):
        own = [path("<path:object_id>/verification/", self.admin_site.admin_view(self.verification_view),
                    name="evidence_evidenceitem_verification")]
        return own + super().get_urls()

    def verification_view(self, request, object_id):
        item = self.get_object(request, object_id)
        if item is None or not self.has_view_permission(request, item):
            raise Http404(_("No evidence item with this id, or not one you may see."))
        analysis_form, signoff_form = AnalysisForm(prefix="analysis"), SignOffForm(prefix="signoff")
        if request.method == "POST":
            if "signoff-note" in request.POST:
                signoff_form = SignOffForm(request.POST, prefix="signoff")
                form, write = signoff_form, signoff_record
            else:
                analysis_form = AnalysisForm(request.POST, prefix="analysis")
                form, write = analysis_form, analysis_record
            if form.is_valid():
                try:
                    write(actor=request.user, item=item, **form.cleaned_data)
                except (ValidationError, PermissionDenied, StateConflict) as exc:
                    error = ValidationError(str(exc)) if isinstance(exc, StateConflict) else exc
                    messages.error(request, _("Nothing was saved. %(reasons)s") % {"reasons": " ".join(refusal_messages(error))})
                else:
                    done = _("%(exhibit)s: signed off.") if write is signoff_record else _("%(exhibit)s: analysis recorded.")
                    messages.success(request, done % {"exhibit": item.exhibit})
                    return HttpResponseRedirect(reverse("admin:evidence_evidenceitem_change", args=[item.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": item,
            "title": _("Verification of %(exhibit)s") % {"exhibit": item.exhibit}, "item": item, "record": self.verification_record(item),
            "analysis_form": analysis_form, "signoff_form": signoff_form,
        }
        return TemplateResponse(request, "admin/evidence/evidenceitem/verification.html", context)
