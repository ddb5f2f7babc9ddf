"""Full-text search over case records (and evidence items), transliteration-aware.

`Case.search_text` is the denormalised text of a case: reference, title,
summary, its places with every alias (Kyiv, Kiev, Київ, Киев), categories,
perpetrators and its items' titles and extracted text, case-folded.
`index_case` rebuilds it; the case services and the ingest pipeline call it.

On PostgreSQL the text is matched through a STORED tsvector column with a
GIN index (catalogue migration 0003): an expression index recomputes
`to_tsvector` per row as soon as a query also orders by date (see
PERFORMANCE.md). On SQLite every term must occur in `search_text` (LIKE).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Iterable

from django.db import connection
from django.db.models import Lookup, Q, QuerySet

if TYPE_CHECKING:
    from catalogue.models import Case

# Extracted text is capped so that a case's tsvector stays far below
# PostgreSQL's 1 MB limit whatever its items hold.
MAX_ITEM_TEXT = 100_000
MAX_SEARCH_TEXT = 400_000
MAX_TERMS = 12

_WORD = re.compile(r"\w+", re.UNICODE)
_PUNCTUATION = re.compile(r"[^\w\s]+", re.UNICODE)


def fold(text: str) -> str:
    """Case-folded, NFKC-normalised text: what is stored and what is searched."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def terms(q: str) -> list[str]:
    """The words of a query, folded; punctuation only separates them."""
    return list(dict.fromkeys(_WORD.findall(fold(q))))[:MAX_TERMS]


def tsquery_text(words: Iterable[str]) -> str:
    """A to_tsquery() string: every word, each also as a prefix. Words from
    `terms` hold only letters, digits and '_', so nothing needs escaping."""
    return " & ".join(f"{word}:*" for word in words)


class TextSearchMatch(Lookup):
    """`search_text__fts=<words>`: the stored tsvector beside the column matches.

    Registered on the field instances below, so it reads the sibling column
    `search_vector` that only the PostgreSQL migration creates.
    """

    lookup_name = "fts"

    def as_sql(self, compiler, connection):  # pragma: no cover - SQLite never builds it
        raise NotImplementedError("Full-text match is PostgreSQL-only; search_cases falls back to LIKE.")

    def as_postgresql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(self.lhs.alias)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{alias}.search_vector @@ to_tsquery('simple', {rhs_sql})", rhs_params


def _register() -> None:
    from catalogue.models import Case

    field = Case._meta.get_field("search_text")
    if "fts" not in field.get_instance_lookups():
        field.register_lookup(TextSearchMatch)


def search_cases(queryset: QuerySet[Case], q: str) -> QuerySet[Case]:
    """The cases of `queryset` whose text holds every word of `q` (as a word prefix
    on PostgreSQL, as a substring on SQLite). A blank query filters nothing."""
    words = terms(q)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        _register()
        return queryset.filter(search_text__fts=tsquery_text(words))
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition)


def search_items(queryset: QuerySet, q: str) -> QuerySet:
    """Evidence items whose title, description, exhibit, filename or extracted text
    hold every word of `q` (for the evidence list's `q` filter)."""
    words = terms(q)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        from evidence.models import EvidenceItem

        field = EvidenceItem._meta.get_field("extracted_text")
        if "fts" not in field.get_instance_lookups():
            field.register_lookup(TextSearchMatch)
        return queryset.filter(extracted_text__fts=tsquery_text(words))
    condition = Q()
    for word in words:
        condition &= (
            Q(title__icontains=word) | Q(description__icontains=word) | Q(exhibit__icontains=word)
            | Q(original_filename__icontains=word) | Q(extracted_text__icontains=word)
        )
    return queryset.filter(condition)


def case_text(case: Case) -> str:
    """Everything a case should be found by, folded, one field per line."""
    parts: list[str] = [case.reference, case.title, case.summary]
    for place in case.places.all():
        parts += [place.name, place.admin_area, place.country, *[str(a) for a in (place.aliases or [])]]
    for category in case.categories.all():
        parts += [category.code, category.name]
    for actor in case.perpetrators.all():
        parts += [actor.name, actor.affiliation]
    # Items are read through the reverse relation by name so that catalogue
    # does not import evidence (dependencies point one way).
    related = getattr(case, "evidence", None)
    if related is not None:
        for title, description, exhibit, filename, text in related.values_list(
            "title", "description", "exhibit", "original_filename", "extracted_text"
        ).order_by("number"):
            parts.append(item_text(exhibit=exhibit, title=title, description=description, filename=filename, text=text))
    # Punctuation becomes space, as it does in queries: PostgreSQL's parser would
    # otherwise read "UA-2022-0042" as "ua", "-2022", "-0042".
    return _PUNCTUATION.sub(" ", fold("\n".join(p for p in parts if p)))[:MAX_SEARCH_TEXT]


def item_text(*, exhibit: str, title: str, description: str, filename: str, text: str) -> str:
    """The folded text one evidence item adds to its case's search text."""
    parts = [exhibit, title, description, filename, (text or "")[:MAX_ITEM_TEXT]]
    return _PUNCTUATION.sub(" ", fold("\n".join(p for p in parts if p)))


def index_case_add(case: Case, addition: str) -> None:
    """Append one item's text to its case's search text, in the database.

    The pipeline seals items one by one; rebuilding the whole case each time
    would cost O(items) per seal, O(items²) per case.
    """
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    from catalogue.models import Case

    if addition:
        Case.objects.filter(pk=case.pk).update(
            search_text=Substr(Concat(F("search_text"), Value("\n" + addition)), 1, MAX_SEARCH_TEXT)
        )


def index_case(case: Case) -> str:
    """Rebuild a case's search text (and so, on PostgreSQL, its stored tsvector).

    Written with a queryset update: it is derived data, not an edit, so it
    neither bumps `updated_at` nor adds a history record.
    """
    from catalogue.models import Case

    text = case_text(case)
    Case.objects.filter(pk=case.pk).update(search_text=text)
    case.search_text = text
    return text

