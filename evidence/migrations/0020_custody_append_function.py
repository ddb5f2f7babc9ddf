"""A custody append in one round trip on PostgreSQL: `evidence_custody_append`.

The portable append (evidence/custody.py) costs five round trips (BEGIN, lock
the item, read the chain's last entry, INSERT, COMMIT) and milliseconds of ORM
work per entry. This function does the same steps where the data
is, so an append outside a transaction is one autocommitted statement
(evidence/custody_pg.py calls it; SQLite keeps the Python path).

Why these choices:
- The lock and the read of the last entry are separate statements. A VOLATILE
  function takes a new snapshot per statement under READ COMMITTED, so after
  waiting on a concurrent writer's item lock it sees that writer's committed
  entry and chains onto it; one statement (a CTE) would read the chain as it
  was before the wait and repeat a seq.
- Each entry_hash is SHA-256 over the canonical JSON that evidence/custody.py
  hashes (sorted keys: action, actor, details, item, occurred_at, outcome,
  prev_hash, recorded_at, seq). Only the previous hash, the seq and the
  recording time are known here, under the lock; Python sends the rest of the
  bytes for each entry (before occurred_at's value, that value unless it is the
  recording time, and after it up to prev_hash's opening quote) and they are
  spliced in. The Python function stays the definition: tests compare the two.
- recorded_at is the database's clock_timestamp() read under the item's lock,
  as the portable path reads the host's clock under it, so it never goes back
  along a chain; it is written as evidence.custody.utc_iso writes it.
- The entries come as one JSON array, so the driver quotes one value rather
  than ten arrays of them (that cost more than the rest of the call).
- SECURITY INVOKER (the default): the insert runs with the caller's rights, so
  the application role, which owns nothing, goes through the same grants and
  custody triggers as any other insert. EXECUTE is PUBLIC's by default and
  `grant_app_role` grants it to the application role explicitly.
"""

from django.db import migrations

SIGNATURE = "evidence_custody_append(uuid, text, bigint, jsonb)"

PG_SQL = r"""
CREATE OR REPLACE FUNCTION evidence_custody_append(
    p_item uuid, p_actor text, p_actor_user bigint, p_entries jsonb
) RETURNS TABLE (id bigint, seq integer, recorded_at timestamptz, prev_hash varchar, entry_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_entry jsonb;
    v_seq integer;
    v_prev varchar;
    v_hash varchar;
    v_id bigint;
    v_recorded timestamptz;
    v_recorded_json text;
BEGIN
    PERFORM 1 FROM evidence_evidenceitem AS item WHERE item.id = p_item FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no evidence item %', p_item USING ERRCODE = 'no_data_found';
    END IF;
    -- A statement of its own, after the lock: see the note above.
    SELECT last.seq, last.entry_hash INTO v_seq, v_prev
        FROM evidence_custodyevent AS last WHERE last.item_id = p_item ORDER BY last.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        v_seq := 0;
        v_prev := repeat('0', 64);
    END IF;
    -- Taken under the item's lock, as the portable path takes it, so recorded_at
    -- never goes back along a chain; formatted as evidence.custody.utc_iso does.
    v_recorded := clock_timestamp();
    v_recorded_json := '"' || to_char(v_recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"';
    FOR v_entry IN SELECT value FROM jsonb_array_elements(p_entries) LOOP
        v_seq := v_seq + 1;
        -- "occurred" is occurred_at's JSON (null when unknown); absent, it happened when recorded.
        v_hash := encode(sha256(convert_to(
            (v_entry->>'before') || coalesce(v_entry->>'occurred', v_recorded_json) || (v_entry->>'after')
            || v_prev || '","recorded_at":' || v_recorded_json || ',"seq":' || v_seq || '}',
            'UTF8')), 'hex');
        INSERT INTO evidence_custodyevent AS e
            (item_id, seq, action, outcome, actor, actor_user_id, occurred_at, recorded_at, details,
             prev_hash, entry_hash)
        VALUES (p_item, v_seq, v_entry->>'action', v_entry->>'outcome', p_actor, p_actor_user,
                CASE WHEN v_entry ? 'occurred' THEN (v_entry->>'occurred_at')::timestamptz ELSE v_recorded END,
                v_recorded, v_entry->'details', v_prev, v_hash)
        RETURNING e.id INTO v_id;
        id := v_id;
        seq := v_seq;
        recorded_at := v_recorded;
        prev_hash := v_prev;
        entry_hash := v_hash;
        RETURN NEXT;
        v_prev := v_hash;
    END LOOP;
END;
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_SQL, params=None)  # the body holds %: no client-side params


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0019_translatable_labels"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
