"""The evidence admin: filing goes through evidence_register, custody is read-only, nothing is deleted.

Also re-registers the Case admin with its evidence inlines, since catalogue
may not import evidence.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from catalogue.admin import CaseAdmin, ReadOnlyAdminMixin
from catalogue.admin_refusals import (
    ServiceRefusal,
    ServiceRefusalInlineMixin,
    ServiceRefusalMixin,
    on_refusal,
    refusal_messages,
    save_rows_through,
)
from catalogue.models import Case
from catalogue.roles import INVESTIGATOR, user_has_role
from catalogue.selectors import cases_visible_to
from evidence import filing_notices, pipeline, storage
from evidence.consent_admin import ConsentAdminMixin
from evidence.custody import verify_chain
from evidence.exhibit_admin import ExhibitAdminMixin
from evidence.forms import (
    DESCRIPTION_FIELDS,
    FILING_FIELDS,
    TIME_FIELDS,
    EvidenceDescriptionForm,
    EvidenceFilingForm,
)
from evidence.map_admin import CaseMapAdminMixin, ItemMapAdminMixin
from evidence.models import CustodyEvent, EvidenceItem, ExportJob
from evidence.selectors import items_visible_to
from evidence.services import evidence_register, evidence_update_description
from evidence.times import ITEM_TIMES
from evidence.upload_admin import UploadAdminMixin
from evidence.verification_admin import VerificationAdminMixin, VerificationListFilter
from evidence.verification_records import with_signoff_count


def file_evidence(request, case: Case, data: dict) -> EvidenceItem:
    """File one item from an admin form, exactly as the API would (custody entries, pipeline queued)."""
    upload = data.get("file")
    item = evidence_register(
        actor=request.user, case=case, kind=data["kind"], title=data["title"],
        description=data.get("description", ""), file=upload, original_filename=upload.name if upload else "",
        source_url=data.get("source_url", ""), held_by=data.get("held_by", ""),
        declared_sha256=data.get("declared_sha256", ""), captured_by=data.get("captured_by", ""), via="admin",
        captured_at_zone=data.get("captured_at_zone") or "",
        **{field: data.get(field) or None for field in TIME_FIELDS},
    )
    filing_notices.after_filing(request, item)  # quarantined, failed, or a file already held: said so
    if item.staged_name:
        # If anything later in this save is refused, the rollback forgets the item: forget its upload too.
        on_refusal(request, partial(storage.discard, item.staged_name))
    return item


def can_file(user) -> bool:
    return user.is_superuser or (user_has_role(user, INVESTIGATOR) and user.has_perm("evidence.add_evidenceitem"))


class EvidenceFilingFormSet(BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls) -> str:
        return "new_evidence"

    def get_form_kwargs(self, index):
        # Capture times are read in the zone of the case's place unless the filer picks another.
        kwargs = super().get_form_kwargs(index)
        if self.instance is not None and self.instance.pk is not None:
            zone = EvidenceFilingForm.default_zone(EvidenceItem(case_id=self.instance.pk))
            kwargs["initial"] = {**kwargs.get("initial", {}), "captured_at_zone": zone}
        return kwargs


class EvidenceFilingInline(ServiceRefusalInlineMixin, admin.StackedInline):
    """Blank rows for new items only; filed items are listed by EvidenceListInline."""

    model = EvidenceItem
    form = EvidenceFilingForm
    formset = EvidenceFilingFormSet
    fields = FILING_FIELDS
    extra = 1
    can_delete = False
    verbose_name = _("new evidence item")
    verbose_name_plural = _("file new evidence (an upload, a URL to archive, or who holds the original)")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class EvidenceListInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvidenceItem
    fields = ["exhibit", "title", "kind", "state", "media_type", "size"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    verbose_name_plural = _("evidence filed")

    def get_queryset(self, request):
        return items_visible_to(request.user).order_by("number")


class CaseWithEvidenceAdmin(CaseMapAdminMixin, CaseAdmin):
    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None:
            inlines.append(EvidenceListInline)
        if can_file(request.user):
            inlines.append(EvidenceFilingInline)
        return inlines

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.evidence.exists():
            return False  # evidence is never deleted, so neither is the case that holds it
        return super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, EvidenceFilingFormSet):
            save_rows_through(request, formset, lambda data: file_evidence(request, form.instance, data))
        elif formset.model is EvidenceItem:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # a list only
        else:
            super().save_formset(request, form, formset, change)


admin.site.unregister(Case)
admin.site.register(Case, CaseWithEvidenceAdmin)


FILING_RECORD = ["exhibit", "case", "linked_cases", "state", "error", "withdrawn", "original_filename", "source_url",
                 "held_by", "capture_place", "capture_position_map", "filed_by", "created_at", "sealed_at"]
DERIVATION = ["derived_from_link", "relation", "derived_from_sha256", "derivation_method", "derived_by",
              "derivatives_list"]
# The metadata is shown as tables in the exhibit panel, the custody log as a timeline below the
# fields (evidence/exhibit_admin.py and its templates).
INTEGRITY = ["declared_sha256", "sha256", "sha512", "sha1", "md5", "size", "media_type"]


@admin.register(EvidenceItem)
class EvidenceItemAdmin(UploadAdminMixin, ExhibitAdminMixin, ItemMapAdminMixin, ConsentAdminMixin,
                        VerificationAdminMixin, ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ["exhibit", "title", "kind", "state", "media_type", "size", "verification_status"]
    list_filter = ["kind", "state", "media_type", ("case__sensitivity", admin.ChoicesFieldListFilter), "withdrawn",
                   VerificationListFilter, "graphic_content", "risk_to_person"]
    list_select_related = ["case"]
    search_fields = ["exhibit", "title", "^sha256", "case__reference"]
    autocomplete_fields = ["case"]
    ordering = ["-created_at"]
    actions = ["verify_custody_chains", "retry_failed_items"]

    def get_queryset(self, request):
        return with_signoff_count(items_visible_to(request.user))

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EvidenceFilingForm if obj is None else EvidenceDescriptionForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["case", *FILING_FIELDS]})]
        return [
            (None, {"fields": DESCRIPTION_FIELDS}),
            (_("Filing"), {"fields": FILING_RECORD}),
            (_("Integrity (set by the pipeline)"), {"fields": INTEGRITY}),
            (_("Derivation (set at filing, never changed)"), {"fields": DERIVATION}),
            (_("Verification (Berkeley Protocol: two people sign off)"), {"fields": ["verification_record"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*FILING_RECORD, *INTEGRITY, *DERIVATION, "verification_record"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case":
            kwargs["queryset"] = cases_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return can_file(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawal is a custody entry (evidence_withdraw), never a delete

    def save_model(self, request, obj, form, change):
        try:
            if change:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                # A time retyped changes its precision with it, though the precision menu was left alone.
                for name in ITEM_TIMES:
                    if {name, f"{name}_precision"} & set(changes):
                        changes[name] = form.cleaned_data[name]
                        changes[f"{name}_precision"] = form.cleaned_data[f"{name}_precision"]
                if changes:
                    evidence_update_description(actor=request.user, item=obj, **changes)
                return
            filing_notices.hold_success_message(request)
            item = file_evidence(request, form.cleaned_data["case"], form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefusal(exc) from exc
        for field in EvidenceItem._meta.concrete_fields:
            setattr(obj, field.attname, getattr(item, field.attname))
        obj._state.adding = False

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        # "Added successfully" only once the item is known not to be quarantined or failed.
        if not filing_notices.held_success(request, message, level):
            super().message_user(request, message, level, extra_tags, fail_silently)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The derivation displays name only items this viewer may see; the admin is shared
            # between requests, the object is not.
            obj._viewer = request.user
        return obj

    def _visible_to_viewer(self, obj):
        viewer = getattr(obj, "_viewer", None)
        return items_visible_to(viewer) if viewer is not None else EvidenceItem.objects.none()

    @staticmethod
    def _item_link(item: EvidenceItem) -> str:
        url = reverse("admin:evidence_evidenceitem_change", args=[item.pk])
        return format_html('<a href="{}">{}</a> ({})', url, item.exhibit, item.title)

    @admin.display(description=_("created by"))
    def filed_by(self, obj):
        # Plain text: a link to the user's page is a 403 for everyone but administrators.
        return obj.created_by.get_full_name() or obj.created_by.get_username()

    @admin.display(description=_("derived from"))
    def derived_from_link(self, obj):
        if obj.derived_from_id is None:
            return "—"
        source = self._visible_to_viewer(obj).filter(pk=obj.derived_from_id).first()
        if source is None:
            return "an item you may not see"
        return self._item_link(source)

    @admin.display(description=_("derivatives"))
    def derivatives_list(self, obj):
        rows = self._visible_to_viewer(obj).filter(derived_from=obj).order_by("exhibit")
        return format_html_join(", ", "{} [{}]", ((self._item_link(d), d.relation) for d in rows)) or "—"

    @admin.display(description=_("also linked to cases"))
    def linked_cases(self, obj):
        # Made through the API (evidence.case_links.item_link_case); shown here only as far as the viewer
        # may see the linked case.
        viewer = getattr(obj, "_viewer", None)
        if viewer is None:
            return "—"
        links = (obj.case_links.filter(case__in=cases_visible_to(viewer)).select_related("case", "linked_by")
                 .order_by("case__reference"))
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">{}</a>: {} ({}, {})',
            ((reverse("admin:catalogue_case_change", args=[link.case_id]), link.case.reference, link.reason,
              link.linked_by.get_username(), link.linked_at.date().isoformat()) for link in links),
        ) or "—"

    @admin.action(description=_("Verify custody chains"), permissions=["view"])
    def verify_custody_chains(self, request, queryset):
        for item in queryset.select_related(None).only("id", "exhibit").order_by("exhibit"):
            report = verify_chain(item)
            if report.ok:
                self.message_user(request, _("%(exhibit)s: custody chain intact (%(length)s entries).")
                                  % {"exhibit": item.exhibit, "length": report.length},
                                  messages.SUCCESS)
            else:
                self.message_user(
                    request, _("%(exhibit)s: custody chain broken at seq %(seq)s: %(problem)s.")
                    % {"exhibit": item.exhibit, "seq": report.broken_seq, "problem": report.problem},
                    messages.ERROR,
                )

    @admin.action(description=_("Retry failed items"), permissions=["change"])
    def retry_failed_items(self, request, queryset):
        for item in queryset.select_related(None).order_by("exhibit"):
            try:
                pipeline.retry(actor=request.user, item=item)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _("%(exhibit)s: not retried: %(reasons)s")
                                  % {"exhibit": item.exhibit, "reasons": " ".join(refusal_messages(exc))},
                                  messages.WARNING)
            else:
                self.message_user(request, _("%(exhibit)s: queued again for ingest.") % {"exhibit": item.exhibit},
                                  messages.SUCCESS)


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["exhibit", "seq", "action", "outcome", "actor", "occurred_at", "recorded_at"]
    list_filter = ["action", "outcome"]
    list_select_related = ["item"]
    search_fields = ["item__exhibit", "=entry_hash", "actor"]
    ordering = ["-log_index"]
    show_full_result_count = False
    fields = ["item", "seq", "action", "outcome", "actor", "actor_user", "occurred_at", "recorded_at",
              "details", "prev_hash", "entry_hash", "log_index"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(item__in=items_visible_to(request.user))

    @admin.display(ordering="item__exhibit")
    def exhibit(self, obj):
        return obj.item.exhibit


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "state", "recipient", "requested_by", "created_at", "finished_at", "attempts", "item_count",
                    "package_size"]
    list_filter = ["state"]
    list_select_related = ["case", "requested_by"]
    search_fields = ["case__reference", "recipient"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))

