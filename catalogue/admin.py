"""The investigators' admin for case records: thin doors onto catalogue.services and selectors.

Evidence on the case page is added by evidence/admin.py, which re-registers
the Case admin with its evidence inlines (catalogue never imports evidence).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from catalogue import services
from catalogue.admin_forms import CaseAdminForm, PlaceAdminForm
from catalogue.admin_refusals import (
    ServiceRefusal,
    ServiceRefusalInlineMixin,
    ServiceRefusalMixin,
    save_rows_through,
)
from catalogue.models import (
    AccessLog,
    Actor,
    Case,
    CaseSource,
    CrimeCategory,
    Place,
    ProtectedPerson,
    Source,
    Team,
    VictimCount,
)
from catalogue.roles import INVESTIGATOR, REVIEWER, user_has_role
from catalogue.selectors import cases_visible_to


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes these through the admin, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    form = PlaceAdminForm
    list_display = ["name", "admin_area", "country", "precision", "latitude", "longitude"]
    list_filter = ["country", "precision"]
    search_fields = ["name", "admin_area"]

    def get_search_results(self, request, queryset, search_term):
        unsearched = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # JSON text may hold "Київ" as-is (PostgreSQL) or \u-escaped (SQLite): look for both.
            escaped = json.dumps(term)[1:-1]
            alias_match = Q(aliases__icontains=term) | Q(aliases__icontains=escaped)
            queryset = unsearched.filter(Q(pk__in=queryset.values("pk")) | alias_match)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()  # the ModelForm has run the model's full_clean
            return
        fields = {name: value for name, value in form.cleaned_data.items() if name in {f.name for f in Place._meta.fields}}
        try:
            place = services.place_create(**fields)
        except ValidationError as exc:
            raise ServiceRefusal(exc) from exc
        obj.pk = place.pk
        obj._state.adding = False


@admin.register(CrimeCategory)
class CrimeCategoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The Rome Statute taxonomy is loaded by a migration and read by everyone."""

    list_display = ["code", "name", "group"]
    list_filter = ["group"]
    search_fields = ["code", "name"]


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "affiliation"]
    list_filter = ["kind"]
    search_fields = ["name", "affiliation"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]


class VisibleCaseRowsMixin:
    """Inline rows of a case go through the one visibility rule, like the case itself."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))


class CaseSourceInline(ServiceRefusalInlineMixin, VisibleCaseRowsMixin, admin.TabularInline):
    model = CaseSource
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "reliability", "credibility", "statement", "reported_on"]
    verbose_name = "source (Admiralty grading)"
    verbose_name_plural = "sources (Admiralty grading: reliability A–F, credibility 1–6)"


class VictimCountInline(ServiceRefusalInlineMixin, VisibleCaseRowsMixin, admin.TabularInline):
    model = VictimCount
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["category", "count", "source", "as_of", "note"]
    verbose_name_plural = "victim figures"


def can_set_status(user) -> bool:
    return user.is_superuser or user_has_role(user, REVIEWER)


class CaseAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    form = CaseAdminForm
    list_display = ["reference", "title", "status", "sensitivity", "team", "incident_start"]
    list_filter = ["status", "sensitivity", "team", "date_precision"]
    list_select_related = ["team"]
    search_fields = ["reference", "title", "summary", "places__name"]
    autocomplete_fields = ["places", "perpetrators"]
    filter_horizontal = ["categories"]
    inlines = [CaseSourceInline, VictimCountInline]
    fieldsets = [
        (None, {"fields": ["reference", "title", "summary", "status"]}),
        ("When", {"fields": [("incident_start", "incident_end", "date_precision")]}),
        ("Where, what and who", {"fields": ["places", "categories", "perpetrators"]}),
        ("Access", {"fields": ["sensitivity", "team", "created_by", "created_at", "updated_at"]}),
    ]
    DESCRIPTIVE = ["title", "summary", "incident_start", "incident_end", "date_precision", "sensitivity",
                   "places", "categories", "perpetrators"]

    def get_queryset(self, request):
        return cases_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_by", "created_at", "updated_at"]
        if obj is None:
            return readonly + ["status"]  # a case starts as reported; review moves it on
        readonly += ["reference", "team"]
        if not can_set_status(request.user):
            readonly.append("status")
        if not (request.user.is_superuser or user_has_role(request.user, INVESTIGATOR)):
            readonly += self.DESCRIPTIVE  # reviewers change the status only
        return readonly

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        first_team = request.user.teams.order_by("pk").first()
        if first_team is not None:
            initial.setdefault("team", first_team.pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team" and not request.user.is_superuser:
            kwargs["queryset"] = request.user.teams.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one case at a time, and only without evidence
        return actions

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                case = services.case_create(
                    actor=request.user, team=data["team"], title=data["title"], reference=data.get("reference", ""),
                    summary=data.get("summary", ""), incident_start=data.get("incident_start"),
                    incident_end=data.get("incident_end"),
                    date_precision=data.get("date_precision") or Case.DatePrecision.DAY,
                    sensitivity=data.get("sensitivity") or Case.Sensitivity.OPEN,
                    places=data.get("places", []), categories=[c.code for c in data.get("categories", [])],
                    perpetrators=data.get("perpetrators", []),
                )
                # The inlines were bound to the form's instance: give it the saved row.
                for field in Case._meta.concrete_fields:
                    setattr(obj, field.attname, getattr(case, field.attname))
                obj._state.adding = False
                obj._state.db = case._state.db
                return
            stored_status = Case.objects.values_list("status", flat=True).get(pk=obj.pk)
            new_status = data["status"] if "status" in form.changed_data else None
            obj.status = stored_status  # status moves only through case_set_status
            changes = {name: data[name] for name in form.changed_data if name in self.DESCRIPTIVE}
            if "categories" in changes:
                changes["categories"] = [c.code for c in changes["categories"]]
            if changes:
                services.case_update(actor=request.user, case=obj, **changes)
            if new_status:
                try:
                    services.case_set_status(actor=request.user, case=obj, status=new_status)
                except PermissionDenied as exc:
                    raise ValidationError({"status": str(exc)}) from exc  # shown on the field that asked
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefusal(exc) from exc

    def save_related(self, request, form, formsets, change):
        # The many-to-many fields were set by the service; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        case = form.instance
        if formset.model is CaseSource:
            save_rows_through(request, formset, lambda d: services.case_add_source(
                case=case, source=d["source"], reliability=d["reliability"], credibility=d["credibility"],
                statement=d.get("statement", ""), reported_on=d.get("reported_on"),
            ))
        elif formset.model is VictimCount:
            save_rows_through(request, formset, lambda d: services.case_add_victim_count(
                case=case, category=d["category"], count=d["count"], source=d["source"],
                as_of=d.get("as_of"), note=d.get("note", ""),
            ))
        else:
            super().save_formset(request, form, formset, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            case = self.get_object(request, unquote(object_id))
            if case is not None and self.has_view_or_change_permission(request, case):
                services.access_log_record(user=request.user, case=case, via="admin",
                                           remote_addr=request.META.get("REMOTE_ADDR"))
        return super().change_view(request, object_id, form_url, extra_context)

    # Edit history is for reading: a revert would bypass the services, and a
    # case the user may not see has no history for them either.
    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such case.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Reverting a case to an earlier version is not allowed.")
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such case.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


admin.site.register(Case, CaseAdmin)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who read which case: for superusers only."""

    list_display = ["at", "user", "case", "via", "action", "reason", "remote_addr"]
    list_filter = ["via", "action"]
    list_select_related = ["user", "case"]
    search_fields = ["case__reference", "user__username"]
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class ProtectedPersonAddForm(forms.ModelForm):
    """What an investigator types is encrypted by the service; only the pseudonym stays readable."""

    name = forms.CharField(max_length=200)
    contact = forms.CharField(max_length=300, required=False, help_text="How to reach the person safely.")
    details = forms.CharField(widget=forms.Textarea, required=False,
                              help_text="Anything else that identifies the person. Stored encrypted.")

    class Meta:
        model = ProtectedPerson
        fields = ["case", "role"]


class ProtectedPersonRevealForm(forms.ModelForm):
    reveal_reason = forms.CharField(
        max_length=500, required=False, label="Reason to reveal the identity",
        help_text="Needs the 'reveal_identity' permission. The reason is written to the access log.",
    )

    class Meta:
        model = ProtectedPerson
        fields: list[str] = []


@admin.register(ProtectedPerson)
class ProtectedPersonAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    """Pseudonyms in the open; an identity is shown once, to a permitted user, with a logged reason."""

    list_display = ["pseudonym", "role", "case", "created_at"]
    list_filter = ["role"]
    list_select_related = ["case"]
    search_fields = ["pseudonym", "case__reference"]
    readonly_fields = ["pseudonym", "role", "case", "key_id", "created_by", "created_at"]
    raw_id_fields = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ProtectedPersonAddForm if obj is None else ProtectedPersonRevealForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # "Changing" is only the reveal form; the record itself never changes.
        return request.user.has_perm("catalogue.reveal_identity")

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                identity = {k: form.cleaned_data[k] for k in ("name", "contact", "details")}
                created = services.protected_person_create(actor=request.user, case=form.cleaned_data["case"],
                                                           role=form.cleaned_data["role"], identity=identity)
                obj.pk, obj.pseudonym = created.pk, created.pseudonym
                return
            reason = form.cleaned_data.get("reveal_reason", "")
            if reason:
                identity = services.protected_person_reveal(
                    actor=request.user, person=obj, reason=reason, via="admin",
                    remote_addr=request.META.get("REMOTE_ADDR"),
                )
                shown = "; ".join(f"{k}: {v}" for k, v in identity.items())
                messages.warning(request, f"{obj.pseudonym} is {shown}. This reveal has been logged.")
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefusal(exc) from exc
