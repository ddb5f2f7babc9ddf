"""The investigators' admin for case records: thin doors onto catalogue.services and selectors.

Evidence on the case page is added by evidence/admin.py, which re-registers
the Case admin with its evidence inlines (catalogue never imports evidence).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.client_address import client_address
from catalogue import case_changes, services
from catalogue.admin_filters import CategoryFilter, IncidentDatesFilter, PerpetratorFilter, PlaceFilter, SourceFilter
from catalogue.admin_forms import CaseAdminForm, CategoriesField, PlaceAdminForm
from catalogue.admin_refusals import (
    AddOnlyInlineMixin,
    ServiceRefusal,
    ServiceRefusalInlineMixin,
    ServiceRefusalMixin,
    save_rows_through,
)
from catalogue.models import (
    AccessLog,
    Actor,
    Case,
    CaseChangeRequest,
    CaseSource,
    ConsentRecord,
    ConsentScope,
    ConsentWithdrawal,
    CrimeCategory,
    Place,
    ProtectedPerson,
    Source,
    Team,
    VictimCount,
)
from catalogue.roles import INVESTIGATOR, LEGAL, REVIEWER, user_has_role
from catalogue.search import search_cases
from catalogue.selectors import (
    actors_visible_to,
    cases_visible_to,
    places_visible_to,
    shared_records_changeable_by,
    shared_records_visible_to,
    sources_visible_to,
)


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


class SharedRecordAdminMixin:
    """Actors, places and sources follow the cases that use them (catalogue.selectors):
    hidden where only hidden cases use them (the changelist, the autocomplete
    widgets, the change page), and changed by investigators only where their team uses them."""

    def get_queryset(self, request):
        return shared_records_visible_to(request.user, self.model)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or shared_records_changeable_by(request.user, self.model).filter(pk=obj.pk).exists()

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.shared_record_update(actor=request.user, record=obj)  # the form has set the new values
            else:
                obj.full_clean()
                obj.save()
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefusal(exc) from exc


@admin.register(Place)
class PlaceAdmin(SharedRecordAdminMixin, ServiceRefusalMixin, admin.ModelAdmin):
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
            super().save_model(request, obj, form, change)
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
    """The Elements of Crimes are loaded by a migration and read by everyone."""

    list_display = ["code", "name", "group", "selectable", "note"]
    list_filter = ["group", "selectable"]
    search_fields = ["code", "name"]


@admin.register(Actor)
class ActorAdmin(SharedRecordAdminMixin, ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "affiliation"]
    list_filter = ["kind"]
    search_fields = ["name", "affiliation"]


@admin.register(Source)
class SourceAdmin(SharedRecordAdminMixin, ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]


class VisibleCaseRowsMixin:
    """Inline rows of a case go through the one visibility rule, like the case itself,
    and name only sources the user may see."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["queryset"] = sources_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CaseSourceInline(ServiceRefusalInlineMixin, VisibleCaseRowsMixin, admin.TabularInline):
    model = CaseSource
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "reliability", "credibility", "statement", "reported_on"]
    # Two lines, sized by case_rows.css: the default 40 columns pushed the row past 1400 px.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}
    verbose_name = _("source (Admiralty grading)")
    verbose_name_plural = _("sources (Admiralty grading: reliability A–F, credibility 1–6)")

    class Media:
        css = {"all": ["catalogue/case_rows.css"]}


class VictimCountInline(ServiceRefusalInlineMixin, VisibleCaseRowsMixin, admin.TabularInline):
    model = VictimCount
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["category", "count", "source", "as_of", "note"]
    verbose_name_plural = _("victim figures")

    class Media:
        css = {"all": ["catalogue/case_rows.css"]}


def can_set_status(user) -> bool:
    return user.is_superuser or user_has_role(user, REVIEWER)


class CaseAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    form = CaseAdminForm
    list_display = ["reference", "title", "status", "sensitivity", "team", "incident_start"]
    list_filter = ["status", "sensitivity", CategoryFilter, PlaceFilter, PerpetratorFilter, SourceFilter,
                   IncidentDatesFilter, "team", "date_precision"]
    list_select_related = ["team"]
    # Searched through catalogue.search, as the API's q is (get_search_results): these only switch
    # the search box and the autocomplete widgets on.
    search_fields = ["reference", "title"]
    search_help_text = _("Every word, in any spelling of a place (Kharkiv, Kharkov, Харків): reference, title, "
                         "summary, places, crimes, perpetrators and the evidence's text.")
    autocomplete_fields = ["places", "perpetrators"]
    filter_horizontal = ["categories"]
    inlines = [CaseSourceInline, VictimCountInline]
    fieldsets = [
        (None, {"fields": ["reference", "title", "summary", "status"]}),
        (_("When"), {"fields": [("incident_start", "incident_end", "date_precision")]}),
        (_("Where, what and who"), {"fields": ["places", "categories", "perpetrators"]}),
        (_("Access"), {"fields": ["sensitivity", "team", "filed_by", "created_at", "updated_at"]}),
    ]
    DESCRIPTIVE = ["title", "summary", "incident_start", "incident_end", "date_precision", "sensitivity",
                   "places", "categories", "perpetrators"]

    def get_queryset(self, request):
        return cases_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        # The API's transliteration-aware search (stored tsvector on PostgreSQL, LIKE on SQLite) over
        # the case's search text, which holds every alias of its places: "Харків" finds Kharkiv.
        # The evidence form's case picker (autocomplete) comes through here too.
        return search_cases(queryset, search_term), False

    @admin.display(description=_("created by"))
    def filed_by(self, obj):
        # Plain text: a link to the user's page is a 403 for everyone but administrators.
        user = obj.created_by if obj is not None and obj.created_by_id else None
        if user is None:
            return "-"
        return user.get_full_name() or user.get_username()

    def get_readonly_fields(self, request, obj=None):
        readonly = ["filed_by", "created_at", "updated_at"]
        if obj is None:
            return readonly + ["status"]  # a case starts as reported; review moves it on
        readonly += ["reference"]
        if len(services.status_steps(request.user, obj)) < 2:
            readonly.append("status")  # no step open to this user: shown, not offered
        if not (request.user.is_superuser or user_has_role(request.user, INVESTIGATOR)):
            readonly += [*self.DESCRIPTIVE, "team"]  # reviewers change the status only
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not (request.user.is_superuser or user_has_role(request.user, INVESTIGATOR)):
            return fieldsets
        title, access = fieldsets[-1]  # "Access" (by place: its title is translated)
        return [*fieldsets[:-1], (title, {**access, "fields": [*access["fields"], "change_reason"],
                                             "description": case_changes.REVIEW_NOTE})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "change_reason" not in flatten_fieldsets(self.get_fieldsets(request, obj)):
            form.base_fields.pop("change_reason", None)  # a declared field: only where it is asked for
        if obj is not None and "status" in form.base_fields:
            # Only the steps this user may take from here (the rules of services.case_set_status),
            # so a wrong one is never offered, rather than refused after saving.
            steps = services.status_steps(request.user, obj)
            status = form.base_fields["status"]
            status.choices = [(step, Case.Status(step).label) for step in steps]
            status.error_messages = {**status.error_messages, "invalid_choice": _(
                "A case cannot go from “%(status)s” to that status: the steps open to you are %(steps)s.") % {
                "status": Case.Status(obj.status).label,
                "steps": ", ".join(str(Case.Status(step).label) for step in steps[1:])}}
            status.help_text = _("The steps open from “%(status)s”; a case moves on through review, one step "
                                 "at a time.") % {"status": Case.Status(obj.status).label}
        if obj is not None and "team" in form.base_fields:
            form.base_fields["team"].required = False  # left blank: the owning team stays
            form.base_fields["team"].help_text = _("Another team is a request, which takes effect when another "
                                                    "reviewer approves it.")
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Only shared records the user may see can be picked or posted.
        if db_field.name == "places":
            kwargs["queryset"] = places_visible_to(request.user)
        elif db_field.name == "perpetrators":
            kwargs["queryset"] = actors_visible_to(request.user)
        elif db_field.name == "categories":
            kwargs["form_class"] = CategoriesField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        first_team = request.user.teams.order_by("pk").first()
        if first_team is not None:
            initial.setdefault("team", first_team.pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        filing = request.resolver_match is None or not request.resolver_match.url_name.endswith("_change")
        if db_field.name == "team" and filing and not request.user.is_superuser:
            # A new case belongs to one of the filer's teams; a move to any team is asked for
            # on the change page, and waits for a reviewer (catalogue.case_changes).
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
            # The form has written its values onto obj: put back what moves only through its own service
            # (status: case_set_status; a lower sensitivity or another team: a reviewed request).
            obj.status, obj.sensitivity, obj.team_id = (
                Case.objects.values_list("status", "sensitivity", "team_id").get(pk=obj.pk)
            )
            new_status = data["status"] if "status" in form.changed_data else None
            changes = {name: data[name] for name in form.changed_data if name in [*self.DESCRIPTIVE, "team"]}
            if "categories" in changes:
                changes["categories"] = [c.code for c in changes["categories"]]
            changes, asked = case_changes.split_reviewed(obj, changes)
            if changes:
                services.case_update(actor=request.user, case=obj, **changes)
            if asked:
                try:
                    change = case_changes.case_request_change(
                        actor=request.user, case=obj, reason=data.get("change_reason", ""), **asked)
                except ValidationError as exc:
                    raise ValidationError({("change_reason" if k == "reason" else k): v
                                           for k, v in exc.message_dict.items()}) from exc
                except case_changes.StateConflict as exc:
                    raise ValidationError({"change_reason": str(exc)}) from exc
                messages.warning(request, _("%(change)s: asked for as change request %(number)s. It takes effect once "
                                            "another reviewer approves it.")
                                 % {"change": change.describe().capitalize(), "number": change.pk})
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
                                           remote_addr=client_address(request))
        return super().change_view(request, object_id, form_url, extra_context)

    # Edit history is for reading: a revert would bypass the services, and a
    # case the user may not see has no history for them either.
    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such case.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("Reverting a case to an earlier version is not allowed."))
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such case.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


admin.site.register(Case, CaseAdmin)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who read which case: for superusers only."""

    list_display = ["seq", "at", "user", "case_reference", "via", "action", "reason", "remote_addr"]
    list_filter = ["via", "action"]
    actions = None  # no bulk delete, whatever the permissions say
    list_select_related = ["user", "case"]
    search_fields = ["case__reference", "user__username"]
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, obj):
        return obj.case.reference  # the title too would push the other columns off the side


class ProtectedPersonAddForm(forms.ModelForm):
    """What an investigator types is encrypted by the service; only the pseudonym stays readable."""

    name = forms.CharField(max_length=200)
    contact = forms.CharField(max_length=300, required=False, help_text=_("How to reach the person safely."))
    details = forms.CharField(widget=forms.Textarea, required=False,
                              help_text=_("Anything else that identifies the person. Stored encrypted."))

    class Meta:
        model = ProtectedPerson
        fields = ["case", "role"]


class ProtectedPersonRevealForm(forms.ModelForm):
    reveal_reason = forms.CharField(
        max_length=500, required=False, label=_("Reason to reveal the identity"),
        help_text=_("Needs the 'reveal_identity' permission. The reason is written to the access log."),
    )

    class Meta:
        model = ProtectedPerson
        fields: list[str] = []


class UntouchedInlinesMixin:
    """A POST that carries no management form for an inline leaves that inline alone (no rows
    added, none changed) rather than failing the whole page: scripts and older forms post
    only the fields they mean to change (e.g. the reveal reason alone)."""

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "POST" and f"{prefix}-TOTAL_FORMS" not in request.POST:
            data = request.POST.copy()
            data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
            kwargs["data"] = data
        return kwargs


class ProtectedPersonRecordForm(forms.ModelForm):
    """The person page for those who may record consent but not reveal identities."""

    class Meta:
        model = ProtectedPerson
        fields: list[str] = []


def can_record_consent(user) -> bool:
    return user.is_active and user.is_staff and (user.is_superuser or user_has_role(user, INVESTIGATOR))


class ConsentRecordForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=ConsentScope.choices, widget=forms.CheckboxSelectMultiple,
                                       help_text=_("What the person agreed to."))

    class Meta:
        model = ConsentRecord
        fields = ["scopes", "scope_note", "recipients", "given_on", "obtained_by", "interpreter",
                  "interpreter_language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obtained_by"].required = False
        self.fields["obtained_by"].help_text = _("Left empty: you.")


class ConsentRecordInline(AddOnlyInlineMixin, ServiceRefusalInlineMixin, admin.StackedInline):
    """Consents as given: added here, never changed or deleted (a withdrawal is its own record)."""

    model = ConsentRecord
    form = ConsentRecordForm
    extra = 0
    can_delete = False
    raw_id_fields = ["obtained_by"]
    readonly_fields = ["recorded_by", "recorded_at", "withdrawn"]
    verbose_name_plural = _("consent records (kept as given; record a withdrawal below)")

    def get_fields(self, request, obj=None):
        return [*ConsentRecordForm.Meta.fields, *self.readonly_fields]

    def has_add_permission(self, request, obj=None):
        return can_record_consent(request.user)

    @admin.display(description=_("withdrawn"))
    def withdrawn(self, obj):
        withdrawal = getattr(obj, "withdrawal", None) if obj is not None and obj.pk else None
        return _("on %(date)s") % {"date": withdrawal.withdrawn_on} if withdrawal else _("no")


class ConsentWithdrawalInline(AddOnlyInlineMixin, ServiceRefusalInlineMixin, admin.TabularInline):
    """Withdrawals: added here, never changed or deleted."""

    model = ConsentWithdrawal
    fk_name = "person"
    fields = ["consent", "withdrawn_on", "note", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("consent withdrawals")

    def get_formset(self, request, obj=None, **kwargs):
        request._consent_person = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "consent":
            person = getattr(request, "_consent_person", None)
            kwargs["queryset"] = (ConsentRecord.objects.filter(person=person) if person is not None
                                  else ConsentRecord.objects.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return can_record_consent(request.user)


@admin.register(ProtectedPerson)
class ProtectedPersonAdmin(UntouchedInlinesMixin, ServiceRefusalMixin, admin.ModelAdmin):
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
        if obj is None:
            kwargs["form"] = ProtectedPersonAddForm
        elif request.user.has_perm("catalogue.reveal_identity"):
            kwargs["form"] = ProtectedPersonRevealForm
        else:
            kwargs["form"] = ProtectedPersonRecordForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else [ConsentRecordInline, ConsentWithdrawalInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # "Changing" is only the reveal form and adding consent records; the record itself never changes.
        return request.user.has_perm("catalogue.reveal_identity") or can_record_consent(request.user)

    def save_formset(self, request, form, formset, change):
        person = form.instance
        if formset.model is ConsentRecord:
            save_rows_through(request, formset, lambda data: services.consent_record(
                actor=request.user, person=person, scopes=data.get("scopes") or [], given_on=data.get("given_on"),
                obtained_by=data.get("obtained_by"), recipients=data.get("recipients", ""),
                scope_note=data.get("scope_note", ""), interpreter=data.get("interpreter", ""),
                interpreter_language=data.get("interpreter_language", "")))
        elif formset.model is ConsentWithdrawal:
            save_rows_through(request, formset, lambda data: services.consent_withdraw(
                actor=request.user, consent=data["consent"], withdrawn_on=data.get("withdrawn_on"),
                note=data.get("note", "")))
        else:
            super().save_formset(request, form, formset, change)

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
                    remote_addr=client_address(request),
                )
                shown = "; ".join(f"{k}: {v}" for k, v in identity.items())
                messages.warning(request, _("%(pseudonym)s is %(identity)s. This reveal has been logged.")
                                 % {"pseudonym": obj.pseudonym, "identity": shown})
        except (ValidationError, PermissionDenied) as exc:
            raise ServiceRefusal(exc) from exc


@admin.register(CaseChangeRequest)
class CaseChangeRequestAdmin(admin.ModelAdmin):
    """Requests to lower a case's sensitivity or move it to another team: read by the roles,
    decided by a reviewer other than the requester (the actions below, through catalogue.case_changes)."""

    # Who asked and who decided, each with its time, in one column apiece: nine columns did not fit 1400 px.
    list_display = ["id", "case_reference", "describe", "state", "asked", "reason", "decided"]
    list_filter = ["state"]
    list_select_related = ["case", "requested_by", "decided_by", "from_team", "team"]
    search_fields = ["case__reference", "reason"]
    readonly_fields = ["case", "state", "from_sensitivity", "sensitivity", "from_team", "team", "reason",
                       "requested_by", "requested_at", "decided_by", "decided_at", "decision_note"]
    actions = ["approve_selected", "reject_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or any(
            user_has_role(user, role) for role in (INVESTIGATOR, REVIEWER, LEGAL)))

    def has_add_permission(self, request):
        return False  # asked for on the case's own page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_set_status(request.user):
            actions.pop("approve_selected", None)
            actions.pop("reject_selected", None)
        return actions

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, obj):
        return obj.case.reference  # the title too would push the other columns off the side

    @admin.display(description=_("asked by"), ordering="requested_at")
    def asked(self, obj):
        return f"{obj.requested_by}, {date_format(localtime(obj.requested_at), 'SHORT_DATETIME_FORMAT')}"

    @admin.display(description=_("decided by"), ordering="decided_at")
    def decided(self, obj):
        if obj.decided_by_id is None:
            return "-"
        return f"{obj.decided_by}, {date_format(localtime(obj.decided_at), 'SHORT_DATETIME_FORMAT')}"

    @admin.display(description=_("change"))
    def describe(self, obj):
        return obj.describe()

    def _decide(self, request, queryset, decide, verb) -> None:
        for change in queryset.select_related("case", "requested_by"):
            try:
                decide(actor=request.user, request=change)
            except (ValidationError, PermissionDenied, case_changes.StateConflict) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                messages.error(request, _("Change request %(number)s (%(case)s): %(problem)s")
                               % {"number": change.pk, "case": change.case.reference, "problem": text})
            else:
                messages.success(request, verb % {"number": change.pk, "case": change.case.reference})

    @admin.action(description=_("Approve the selected changes (never your own request)"))
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, case_changes.case_change_approve,
                     _("Change request %(number)s (%(case)s) approved and applied."))

    @admin.action(description=_("Reject the selected changes"))
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, case_changes.case_change_reject,
                     _("Change request %(number)s (%(case)s) rejected."))
