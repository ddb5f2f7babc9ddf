"""A case's facets, denormalised: the codes of its crimes and the countries of its places.

The case list filters by crime (a group code stands for all its crimes) and by
country. Through the many-to-many tables that was a semi-join probed case by
case, newest first, until a page was full: 76 ms for a filtered page at
100,000 cases (bench/bench_api.py before catalogue migration 0012). With the
codes on the case row itself, PostgreSQL reads them from a GIN index (or, for a
common code, checks them on the rows it walks anyway), and has statistics of
how common each code is to choose between the two.

The two columns are a cache of the links, written only by the database:
triggers on the link tables, on a place's country and on a crime's code
(catalogue migration 0012) rewrite them in the statement that changes a link,
whichever door it came through (services, the admin, a bulk load). Nothing in
Python writes them: saving a case leaves them as they are in the database, so a
case object's own copy may be older than the row (refresh_from_db to read it).

`CodeSetField` is `text[]` on PostgreSQL and a JSON array in a text column on
SQLite (which has no arrays); `codes__overlaps=[...]` matches a case holding
any of the codes on both.
"""

from __future__ import annotations

import json

from django.db import models
from django.db.models import F, Lookup


class CodeSetField(models.Field):
    """A small set of short codes, stored sorted: an array on PostgreSQL, JSON text elsewhere."""

    description = "A set of short codes"

    def db_type(self, connection) -> str:
        return "text[]" if connection.vendor == "postgresql" else "text"

    def pre_save(self, model_instance, add):
        # The triggers are the only writers. A case row saved from Python writes the column back
        # as it stands in the database: the instance's copy is whatever it was when loaded, and a
        # save after links changed (case_update saves the case it was given) would put it back.
        # A new case has no links yet.
        return [] if add else F(self.attname)

    def get_db_prep_value(self, value, connection, prepared=False):
        codes = sorted(set(value or ()))
        return codes if connection.vendor == "postgresql" else json.dumps(codes)

    def from_db_value(self, value, expression, connection) -> list[str]:
        if value is None:
            return []
        return list(value) if isinstance(value, list) else json.loads(value)

    def to_python(self, value) -> list[str]:
        if isinstance(value, str):
            return json.loads(value)
        return list(value or ())


@CodeSetField.register_lookup
class Overlaps(Lookup):
    """`field__overlaps=[codes]`: the set holds at least one of the codes."""

    lookup_name = "overlaps"
    prepare_rhs = False  # a list of codes, not one value of the field

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # `&&` is what the GIN index (array_ops) answers.
        return f"{lhs} && %s::text[]", (*lhs_params, sorted(set(self.rhs)))

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        codes = sorted(set(self.rhs))
        if not codes:
            return "1 = 0", ()
        marks = ", ".join(["%s"] * len(codes))
        return f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value IN ({marks}))", (*lhs_params, *codes)
