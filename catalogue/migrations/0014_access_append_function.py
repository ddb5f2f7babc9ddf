"""Access-log appends in one round trip on PostgreSQL, and case indexes that
readers never find half-merged.

`catalogue_access_append` (catalogue/access_chain.py calls it; SQLite keeps
the Python path):
- It locks the state row first, then hashes and inserts. The old optimistic
  append read the tip unlocked, hashed in Python, and moved the state only if
  the tip was unchanged; under load it lost that race most of the time (663
  of 800 appends of a list page from 4 processes on 2 cores fell back to the
  locked path), and a lost race cost its hashing, a failed statement and the
  five round trips of the lock besides. Here the lock comes first, so there
  is nothing to lose: a concurrent append waits on the row and then, under
  READ COMMITTED, SELECT ... FOR UPDATE returns the row as that append left it.
- Each entry_hash is SHA-256 over the canonical JSON that access_chain.py
  hashes (sorted keys: action, at, case, prev_hash, reason, remote_addr, seq,
  user, via). Only the case, the seq and the previous hash vary along a call,
  and only the last two need the lock; Python sends the rest of the bytes in
  three pieces (head, middle, tail) and they are spliced in. The Python
  function stays the definition: verify() recomputes every hash from the
  stored fields, and tests compare the pieces with it.
- The rows go in by one INSERT from unnest(): the statement is planned once
  per session (PL/pgSQL keeps its plans), where the VALUES list the client
  built was parsed and planned anew for every page.
- SECURITY INVOKER (the default): the insert runs with the caller's rights, so
  the application role goes through the same grants and append-only triggers
  as any other insert; `grant_app_role` grants EXECUTE on our functions.

The case table's GIN indexes (search text, crime codes, countries): by
default PostgreSQL queues new entries in a pending list of up to 4 MB that
every search scans in full until a vacuum or an overflow merges it. On the
100,000-case bench (never vacuumed) a rare word's search took 7-11 ms: merging
the search index's 234 pending pages (7,001 entries) took it to 5-6 ms, and a
vacuum of the dead entries besides to 1.1-1.5 ms. The crime-code and country arrays hold a few
elements per case: they are merged on write (fastupdate off). A case's search
vector can hold thousands of words and is rewritten by every non-HOT update of
the case, so it keeps the batched merge with a short list (256 kB, about 32
pages). The lists as they stand are merged here.
"""

from django.db import migrations

SIGNATURE = "catalogue_access_append(bigint[], integer, timestamptz, varchar, varchar, inet, varchar, text, text, text)"

PG_SQL = r"""
CREATE OR REPLACE FUNCTION catalogue_access_append(
    p_case_ids bigint[], p_user integer, p_at timestamptz, p_via varchar, p_action varchar,
    p_remote inet, p_reason varchar, p_head text, p_middle text, p_tail text
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_n integer := coalesce(array_length(p_case_ids, 1), 0);
    v_size bigint;
    v_prev varchar;
    v_prevs varchar[] := '{}';
    v_hashes varchar[] := '{}';
BEGIN
    IF v_n = 0 THEN
        RETURN 0;
    END IF;
    SELECT s.size, s.tip INTO v_size, v_prev FROM catalogue_accesslogstate AS s WHERE s.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        -- Only an emptied database lacks the row (migration 0006 makes it, triggers keep it).
        INSERT INTO catalogue_accesslogstate (id, size, tip) VALUES (1, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
        SELECT s.size, s.tip INTO v_size, v_prev FROM catalogue_accesslogstate AS s WHERE s.id = 1 FOR UPDATE;
    END IF;
    FOR i IN 1..v_n LOOP
        v_prevs[i] := v_prev;
        v_prev := encode(sha256(convert_to(
            p_head || p_case_ids[i] || ',"prev_hash":"' || v_prev || p_middle || (v_size + i) || p_tail,
            'UTF8')), 'hex');
        v_hashes[i] := v_prev;
    END LOOP;
    INSERT INTO catalogue_accesslog (case_id, user_id, at, via, action, remote_addr, reason, seq, prev_hash, entry_hash)
        SELECT e.case_id, p_user, p_at, p_via, p_action, p_remote, p_reason, v_size + e.n, e.prev_hash, e.entry_hash
        FROM unnest(p_case_ids, v_prevs, v_hashes) WITH ORDINALITY AS e (case_id, prev_hash, entry_hash, n);
    UPDATE catalogue_accesslogstate SET size = v_size + v_n, tip = v_prev WHERE id = 1;
    RETURN v_size + v_n;
END;
$$;
"""

# (index, storage parameter set here, parameter reset on the way back)
GIN_SETTINGS = [
    ("catalogue_case_category_codes_gin", "fastupdate = off", "fastupdate"),
    ("catalogue_case_countries_gin", "fastupdate = off", "fastupdate"),
    ("catalogue_case_search_vector_gin", "gin_pending_list_limit = 256", "gin_pending_list_limit"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PG_SQL, params=None)  # the body holds %: no client-side params
    for index, setting, _ in GIN_SETTINGS:
        schema_editor.execute(f"ALTER INDEX {index} SET ({setting})")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _, parameter in GIN_SETTINGS:
        schema_editor.execute(f"ALTER INDEX {index} RESET ({parameter})")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")


class Migration(migrations.Migration):

    dependencies = [
        ("catalogue", "0013_translatable_labels"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
