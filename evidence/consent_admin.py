"""The evidence item page's part in consent: which protected people an exhibit's use depends on.

A dependency is added here (evidence.services.item_add_consent_dependency) and never
changed or removed; whether the consent is in force is shown beside it, and decided
by catalogue.services.consent_in_force, as the export does.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue.admin import UntouchedInlinesMixin
from catalogue.admin_refusals import AddOnlyInlineMixin, ServiceRefusalInlineMixin, save_rows_through
from catalogue.models import ConsentScope, ProtectedPerson
from catalogue.roles import INVESTIGATOR, user_has_role
from catalogue.selectors import cases_visible_to
from catalogue.services import consent_in_force
from evidence.models import ItemConsentDependency
from evidence.services import item_add_consent_dependency


class ConsentDependencyInline(AddOnlyInlineMixin, ServiceRefusalInlineMixin, admin.TabularInline):
    model = ItemConsentDependency
    fields = ["person", "consent_for_legal_proceedings", "created_by", "created_at"]
    readonly_fields = ["consent_for_legal_proceedings", "created_by", "created_at"]
    extra = 0
    can_delete = False
    verbose_name = _("depends on the consent of")
    verbose_name_plural = _("depends on the consent of (not exported unless their consent to legal use is in force)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "person":
            kwargs["queryset"] = ProtectedPerson.objects.filter(case__in=cases_visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        user = request.user
        return user.is_superuser or user_has_role(user, INVESTIGATOR)


    @admin.display(description=_("consent to use in legal proceedings"))
    def consent_for_legal_proceedings(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        in_force = consent_in_force([obj.person_id], ConsentScope.LEGAL_PROCEEDINGS)
        return "in force" if obj.person_id in in_force else "withdrawn or not given: not exported"


class ConsentAdminMixin(UntouchedInlinesMixin):
    """For the evidence item admin: the dependency inline, saved through the service."""

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        return inlines if obj is None else [*inlines, ConsentDependencyInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ItemConsentDependency:
            item = form.instance
            save_rows_through(request, formset, lambda data: item_add_consent_dependency(
                actor=request.user, item=item, person=data["person"]))
            return
        super().save_formset(request, form, formset, change)
