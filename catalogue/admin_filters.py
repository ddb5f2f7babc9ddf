"""The case list's filters: what a case is about (crime, place, perpetrator, source) and when.

Each offers only records the user may see (catalogue.selectors), so a filter never names a
place or source that only a hidden case uses. Related filters use EXISTS, as the API's do:
no duplicate rows, no DISTINCT.
"""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from catalogue.models import Case, CaseSource, CrimeCategory
from catalogue.rome_statute import codes_within
from catalogue.selectors import actors_visible_to, cases_visible_to, places_visible_to, sources_visible_to


class CategoryFilter(admin.SimpleListFilter):
    """Elements-of-Crimes codes: every group (an article, a split provision), which finds the cases
    qualified with any crime in it, and every crime that a case the user may see holds."""

    title = _("crime (Elements of Crimes)")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        used = CrimeCategory.objects.filter(
            Exists(Case.categories.through.objects.filter(
                crimecategory=OuterRef("pk"), case__in=cases_visible_to(request.user)))
        )
        groups = CrimeCategory.objects.filter(Exists(CrimeCategory.objects.filter(parent=OuterRef("pk"))))
        group_codes = set(groups.values_list("code", flat=True))
        rows = (groups | used).order_by("position").values_list("code", "name")
        # The Elements' titles run to forty words: the code leads, the title is cut short.
        return [(code, f"{code} ({_('group')}) — {Truncator(name).chars(30)}" if code in group_codes
                 else f"{code} — {Truncator(name).chars(40)}") for code, name in rows]

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        codes = codes_within(code) or (code,)
        through = Case.categories.through
        return queryset.filter(Exists(through.objects.filter(case=OuterRef("pk"), crimecategory__code__in=codes)))


class _RelatedFilter(admin.SimpleListFilter):
    """A shared record (by id) among those the user may see."""

    def records(self, request):  # pragma: no cover - every subclass says
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [(str(record.pk), str(record)) for record in self.records(request).order_by("name")]

    def chosen(self) -> int | None:
        value = self.value()
        if not value:
            return None
        if not value.isdigit():
            raise IncorrectLookupParameters(f"{self.parameter_name} must be a number")
        return int(value)


class PlaceFilter(_RelatedFilter):
    title = _("place")
    parameter_name = "place"

    def records(self, request):
        return places_visible_to(request.user)

    def queryset(self, request, queryset):
        pk = self.chosen()
        if pk is None:
            return queryset
        return queryset.filter(Exists(Case.places.through.objects.filter(case=OuterRef("pk"), place_id=pk)))


class PerpetratorFilter(_RelatedFilter):
    title = _("alleged perpetrator")
    parameter_name = "perpetrator"

    def records(self, request):
        return actors_visible_to(request.user)

    def queryset(self, request, queryset):
        pk = self.chosen()
        if pk is None:
            return queryset
        return queryset.filter(Exists(Case.perpetrators.through.objects.filter(case=OuterRef("pk"), actor_id=pk)))


class SourceFilter(_RelatedFilter):
    title = _("source")
    parameter_name = "source"

    def records(self, request):
        return sources_visible_to(request.user)

    def queryset(self, request, queryset):
        pk = self.chosen()
        if pk is None:
            return queryset
        return queryset.filter(Exists(CaseSource.objects.filter(case=OuterRef("pk"), source_id=pk)))


class IncidentDatesFilter(admin.ListFilter):
    """Incidents between two dates, as the API's incident_after / incident_before read them:
    an incident that spans a date counts (it ends, or with no end starts, on or after `after`)."""

    title = _("incident dates")
    template = "admin/catalogue/case/incident_dates_filter.html"
    parameters = ("incident_after", "incident_before")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def dates(self) -> dict[str, date]:
        found = {}
        for name, text in self.used_parameters.items():
            if not text:
                continue
            try:
                found[name] = date.fromisoformat(text.strip())
            except ValueError as exc:
                raise IncorrectLookupParameters(f"{name}: not a date (YYYY-MM-DD)") from exc
        return found

    def queryset(self, request, queryset):
        dates = self.dates()
        if "incident_after" in dates:
            queryset = queryset.alias(_incident_last=Coalesce("incident_end", "incident_start")).filter(
                _incident_last__gte=dates["incident_after"])
        if "incident_before" in dates:
            queryset = queryset.filter(incident_start__lte=dates["incident_before"])
        return queryset

    def choices(self, changelist):
        # One choice: the form itself. The other parameters ride along as hidden fields.
        kept = [(key, value) for key, value in changelist.get_filters_params().items()
                if key not in self.parameters]
        yield {
            "after": self.used_parameters.get("incident_after", ""),
            "before": self.used_parameters.get("incident_before", ""),
            "kept": [(key, value[-1] if isinstance(value, list) else value) for key, value in kept],
            "search": changelist.query,
            "clear": changelist.get_query_string(remove=list(self.parameters)),
            "selected": bool(self.used_parameters),
        }
