"""A case's crime codes and countries on the case row (catalogue.facets), kept by triggers.

The columns are a cache of the links, so the database writes them itself: in
the statement that adds or removes a link, changes a place's country or a
crime's code, whichever door that statement came through. On PostgreSQL the
triggers are per statement, over the rows it changed (a bulk load is one
UPDATE, not one per row), and GIN indexes answer `&&`. SQLite has row
triggers only, and no arrays: a JSON array, rewritten per link.
"""

import catalogue.facets
from django.db import migrations

PG_FUNCTIONS = """
CREATE FUNCTION catalogue_case_facets_refresh(case_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    -- Grouped over the changed cases and joined, not a subquery per case row nor `c.id = ANY(...)`:
    -- a bulk load names every case, and either shape then costs cases x links.
    WITH changed AS (SELECT DISTINCT unnest(case_ids) AS id),
    codes AS (
        SELECT t.case_id, array_agg(DISTINCT x.code::text ORDER BY x.code::text) AS codes
        FROM changed JOIN catalogue_case_categories t ON t.case_id = changed.id
        JOIN catalogue_crimecategory x ON x.id = t.crimecategory_id GROUP BY t.case_id),
    countries AS (
        SELECT t.case_id, array_agg(DISTINCT x.country::text ORDER BY x.country::text) AS countries
        FROM changed JOIN catalogue_case_places t ON t.case_id = changed.id
        JOIN catalogue_place x ON x.id = t.place_id GROUP BY t.case_id)
    UPDATE catalogue_case c
    SET category_codes = coalesce(codes.codes, '{}'), countries = coalesce(countries.countries, '{}')
    FROM changed LEFT JOIN codes ON codes.case_id = changed.id LEFT JOIN countries ON countries.case_id = changed.id
    WHERE c.id = changed.id;
$$;

CREATE FUNCTION catalogue_case_facets_links_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_case_facets_refresh(ARRAY(SELECT DISTINCT case_id FROM added));
    RETURN NULL;
END $$;

CREATE FUNCTION catalogue_case_facets_links_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_case_facets_refresh(ARRAY(SELECT DISTINCT case_id FROM removed));
    RETURN NULL;
END $$;

CREATE FUNCTION catalogue_case_facets_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_case_facets_refresh(ARRAY(SELECT case_id FROM removed UNION SELECT case_id FROM added));
    RETURN NULL;
END $$;

CREATE FUNCTION catalogue_case_facets_place_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_case_facets_refresh(ARRAY(
        SELECT DISTINCT t.case_id FROM removed o JOIN added n ON n.id = o.id
        JOIN catalogue_case_places t ON t.place_id = n.id WHERE n.country IS DISTINCT FROM o.country));
    RETURN NULL;
END $$;

CREATE FUNCTION catalogue_case_facets_category_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalogue_case_facets_refresh(ARRAY(
        SELECT DISTINCT t.case_id FROM removed o JOIN added n ON n.id = o.id
        JOIN catalogue_case_categories t ON t.crimecategory_id = n.id WHERE n.code IS DISTINCT FROM o.code));
    RETURN NULL;
END $$;
"""

LINK_TABLES = ["catalogue_case_categories", "catalogue_case_places"]


def pg_triggers() -> list[str]:
    sql = []
    for table in LINK_TABLES:
        sql += [
            f"CREATE TRIGGER {table}_facets_added AFTER INSERT ON {table} REFERENCING NEW TABLE AS added "
            f"FOR EACH STATEMENT EXECUTE FUNCTION catalogue_case_facets_links_added()",
            f"CREATE TRIGGER {table}_facets_removed AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed "
            f"FOR EACH STATEMENT EXECUTE FUNCTION catalogue_case_facets_links_removed()",
            f"CREATE TRIGGER {table}_facets_changed AFTER UPDATE ON {table} "
            f"REFERENCING OLD TABLE AS removed NEW TABLE AS added "
            f"FOR EACH STATEMENT EXECUTE FUNCTION catalogue_case_facets_links_changed()",
        ]
    for table, function in [("catalogue_place", "place_changed"), ("catalogue_crimecategory", "category_changed")]:
        sql.append(f"CREATE TRIGGER {table}_facets_changed AFTER UPDATE ON {table} "
                   f"REFERENCING OLD TABLE AS removed NEW TABLE AS added "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION catalogue_case_facets_{function}()")
    return sql


# SQLite: one statement that rewrites both facets of the cases matching {where}.
SQLITE_REFRESH = """
UPDATE catalogue_case SET
    category_codes = (SELECT json_group_array(code) FROM (
        SELECT DISTINCT x.code AS code FROM catalogue_case_categories t
        JOIN catalogue_crimecategory x ON x.id = t.crimecategory_id WHERE t.case_id = catalogue_case.id ORDER BY 1)),
    countries = (SELECT json_group_array(country) FROM (
        SELECT DISTINCT x.country AS country FROM catalogue_case_places t
        JOIN catalogue_place x ON x.id = t.place_id WHERE t.case_id = catalogue_case.id ORDER BY 1))
WHERE {where};
"""


def sqlite_triggers() -> list[str]:
    sql = []
    for table in LINK_TABLES:
        sql += [
            f"CREATE TRIGGER {table}_facets_added AFTER INSERT ON {table} BEGIN "
            + SQLITE_REFRESH.format(where="id = NEW.case_id") + " END",
            f"CREATE TRIGGER {table}_facets_removed AFTER DELETE ON {table} BEGIN "
            + SQLITE_REFRESH.format(where="id = OLD.case_id") + " END",
            f"CREATE TRIGGER {table}_facets_changed AFTER UPDATE ON {table} BEGIN "
            + SQLITE_REFRESH.format(where="id IN (OLD.case_id, NEW.case_id)") + " END",
        ]
    sql += [
        "CREATE TRIGGER catalogue_place_facets_changed AFTER UPDATE OF country ON catalogue_place BEGIN "
        + SQLITE_REFRESH.format(where="id IN (SELECT case_id FROM catalogue_case_places WHERE place_id = NEW.id)")
        + " END",
        "CREATE TRIGGER catalogue_crimecategory_facets_changed AFTER UPDATE OF code ON catalogue_crimecategory BEGIN "
        + SQLITE_REFRESH.format(
            where="id IN (SELECT case_id FROM catalogue_case_categories WHERE crimecategory_id = NEW.id)")
        + " END",
    ]
    return sql


TRIGGERS = [f"{table}_facets_{event}" for table in LINK_TABLES for event in ("added", "removed", "changed")] + [
    "catalogue_place_facets_changed", "catalogue_crimecategory_facets_changed",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for statement in pg_triggers():
            schema_editor.execute(statement)
        schema_editor.execute("SELECT catalogue_case_facets_refresh(ARRAY(SELECT id FROM catalogue_case))")
        for column in ("category_codes", "countries"):
            # A case inserted in SQL (a bulk load) has no links yet: empty, not NULL.
            schema_editor.execute(f"ALTER TABLE catalogue_case ALTER COLUMN {column} SET DEFAULT '{{}}'")
            # A larger sample, so that rarely held codes are among the element statistics and the
            # planner does not take a rare code for a common one (and walk every case for a page).
            schema_editor.execute(f"ALTER TABLE catalogue_case ALTER COLUMN {column} SET STATISTICS 1000")
        # Arrays' own GIN operator class: `&&` and `@>`, with per-element statistics for the planner.
        schema_editor.execute("CREATE INDEX catalogue_case_category_codes_gin ON catalogue_case "
                              "USING gin (category_codes)")
        schema_editor.execute("CREATE INDEX catalogue_case_countries_gin ON catalogue_case USING gin (countries)")
    elif vendor == "sqlite":
        for statement in sqlite_triggers():
            schema_editor.execute(statement)
        schema_editor.execute(SQLITE_REFRESH.format(where="1 = 1"))
    else:
        raise RuntimeError(f"No triggers written for case facets on the {vendor} database.")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in LINK_TABLES + ["catalogue_place", "catalogue_crimecategory"]:
            for name in TRIGGERS:
                if name.startswith(table + "_facets"):
                    schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in ["links_added()", "links_removed()", "links_changed()", "place_changed()",
                         "category_changed()", "refresh(bigint[])"]:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS catalogue_case_facets_{function}")
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_case_category_codes_gin")
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_case_countries_gin")
    else:
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0011_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="category_codes",
            field=catalogue.facets.CodeSetField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="case",
            name="countries",
            field=catalogue.facets.CodeSetField(default=list, editable=False),
        ),
        migrations.RunPython(install, uninstall),
    ]
