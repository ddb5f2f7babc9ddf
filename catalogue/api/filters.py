"""Query filters for the case list (django-filter), and the backend that refuses
parameters it does not know: a misspelt filter must not silently list everything."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from catalogue.models import Case, CaseSource, CrimeCategory
from catalogue.rome_statute import codes_within

# Parameters that the pagination and the renderers read, not the filters.
GENERAL_PARAMS = {"cursor", "page_size", "ordering", "format"}


class StrictFilterBackend(DjangoFilterBackend):
    raise_exception = True

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(GENERAL_PARAMS) | set(getattr(view, "extra_query_params", ()))
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {name: f"Unknown parameter; this endpoint takes: {', '.join(sorted(known))}." for name in unknown}
            )
        if filterset_class is None or not set(request.query_params) & set(filterset_class.base_filters):
            # No filter asked for: the filter set would validate an empty form and
            # change nothing, at half a millisecond a request (bench/bench_api.py).
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        if issubclass(filterset_class, FilterSet):
            filterset_class = filterset_class.narrowed_to(frozenset(request.query_params))
        return filterset_class(**self.get_filterset_kwargs(request, queryset, view))


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is made once per class, not per request.

    django-filter builds a new form class, and a form field for every filter,
    on each request; that was a tenth of a list request (bench/bench_api.py).
    The fields depend only on the class's declared filters, and a form copies
    its fields when it is made, so one class serves every request.
    """

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    @classmethod
    def narrowed_to(cls, names: frozenset[str]) -> type[FilterSet]:
        """This filter set with only the filters among `names`. A filter the
        request leaves out changes nothing, yet each request copied and
        validated all of them (a third of the filtering time). Made once per
        set of names."""
        if "_narrowed" not in cls.__dict__:
            cls._narrowed = {}
        names = frozenset(name for name in names if name in cls.base_filters)
        if names not in cls._narrowed:
            narrowed = type(cls.__name__, (cls,), {"__module__": cls.__module__, "__doc__": cls.__doc__})
            narrowed.base_filters = {name: f for name, f in cls.base_filters.items() if name in names}
            cls._narrowed[names] = narrowed
        return cls._narrowed[names]


def is_small_number(value: str) -> bool:
    """ASCII digits that fit a database id. str.isdigit() alone also passes "²" (which int()
    refuses) and 5,000-digit strings (which int() refuses too): those are names, then."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def _id_or_name(value: str, prefix: str = "") -> Q:
    """A related row by its numeric id, or by name (case-insensitive, part of the name)."""
    value = value.strip()
    if is_small_number(value):
        return Q(**{f"{prefix}id": int(value)})
    return Q(**{f"{prefix}name__icontains": value})


class CaseFilter(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Full text (every word; place names in any spelling).")
    status = django_filters.MultipleChoiceFilter(choices=Case.Status.choices, distinct=False)
    sensitivity = django_filters.MultipleChoiceFilter(choices=Case.Sensitivity.choices, distinct=False)
    category = django_filters.CharFilter(
        method="filter_category",
        label="Elements of Crimes code, e.g. 7(1)(g)-1 or 8bis; a group (7(1)(g), 8(2)(b)) finds all its crimes.",
    )
    country = django_filters.CharFilter(method="filter_country", label="ISO 3166-1 alpha-2 code of a place, e.g. UA.")
    place = django_filters.CharFilter(method="filter_place", label="A place's id, or part of its name or any alias.")
    incident_after = django_filters.DateFilter(method="filter_incident_after", label="Incidents on or after (YYYY-MM-DD).")
    incident_before = django_filters.DateFilter(method="filter_incident_before", label="Incidents on or before (YYYY-MM-DD).")
    source = django_filters.CharFilter(method="filter_source", label="A source's id, or part of its name.")
    perpetrator = django_filters.CharFilter(method="filter_perpetrator", label="An alleged perpetrator's id, or part of the name.")

    class Meta:
        model = Case
        fields: list[str] = []

    # The related filters use EXISTS rather than joins: no duplicate rows, no DISTINCT; crimes and
    # countries are on the case row itself.

    def filter_q(self, queryset, name, value):
        from catalogue.search import search_cases

        return search_cases(queryset, value)

    def filter_category(self, queryset, name, value):
        # A group finds the cases qualified with any crime in it, and with the group itself
        # (cases filed before the Elements were split). The taxonomy is plain data: no query to expand it.
        # The codes are read off the case row (catalogue.facets), not probed through the links case by case.
        codes = codes_within(value.strip()) or [value.strip()]
        # Only the codes some case holds: a group's forty crimes, most held by nobody, led PostgreSQL
        # to guess that one case in six matched, and to walk the newest cases for a page that never
        # filled (1.5 s at 100,000 cases, bench/bench_http.py). Codes nobody holds change no answer.
        through = Case.categories.through
        held = CrimeCategory.objects.filter(Exists(through.objects.filter(crimecategory=OuterRef("pk"))), code__in=codes)
        codes = list(held.values_list("code", flat=True))
        if not codes:
            return queryset.none()
        return queryset.filter(category_codes__overlaps=codes)

    def filter_country(self, queryset, name, value):
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha() or not value.isascii():
            raise ValidationError({"country": _("Use the two letters of ISO 3166-1, e.g. UA.")})
        return queryset.filter(countries__overlaps=[value])

    def filter_place(self, queryset, name, value):
        value = value.strip()
        through = Case.places.through
        if is_small_number(value):
            match = Q(place_id=int(value))
        else:
            match = Q(place__name__icontains=value) | Q(place__aliases__icontains=value)
        return queryset.filter(Exists(through.objects.filter(match, case=OuterRef("pk"))))

    def filter_incident_after(self, queryset, name, value):
        # An incident that spans the date counts: it ends (or, with no end, starts) on or after it.
        return queryset.alias(_incident_last=Coalesce("incident_end", "incident_start")).filter(_incident_last__gte=value)

    def filter_incident_before(self, queryset, name, value):
        return queryset.filter(incident_start__lte=value)

    def filter_source(self, queryset, name, value):
        return queryset.filter(
            Exists(CaseSource.objects.filter(_id_or_name(value, "source__"), case=OuterRef("pk")))
        )

    def filter_perpetrator(self, queryset, name, value):
        through = Case.perpetrators.through
        return queryset.filter(Exists(through.objects.filter(_id_or_name(value, "actor__"), case=OuterRef("pk"))))
