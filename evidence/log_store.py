"""The global Merkle log kept in the database (hashing rules in evidence/ledger.py).

Leaves are integrated by one sequencer at a time (evidence/sequencer.py),
under the lock of the single LogState row, so they take consecutive indexes
with no gap and none twice. Writers never take that lock: a custody entry
waits in its own row until the sequencer integrates it. Only complete subtree
hashes are stored (LogNode), which is all a root or a proof needs.

Every read here costs one query for the nodes, whatever the size of the log:
the pure function is first run against a recorder that answers with
placeholder hashes, which tells us exactly which (level, index) nodes it
will ask for (that depends only on the sizes and indexes, never on the hash
values); those are fetched in one query and the function runs again on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import connection, transaction

from evidence import ledger
from evidence.models import LogNode, LogState

T = TypeVar("T")
_PLACEHOLDER = b"\x00" * ledger.HASH_SIZE
_FETCH_CHUNK = 2000


class LogIntegrityError(RuntimeError):
    """A node that the log's size says must exist is not stored: the table was tampered with."""


class TreeSizeError(ValueError):
    """A tree size or leaf index outside the log (the API answers 400/404)."""


def fetch_nodes(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of these (level, index) nodes, in one query (per 2,000 nodes).

    Plain SQL: building the same filter as ORM Q objects cost ten times the
    query itself. A row-value IN (VALUES ...) list works on PostgreSQL and SQLite
    alike, and PostgreSQL answers it with one index probe per node.
    """
    wanted = sorted(set(keys))
    found: dict[tuple[int, int], bytes] = {}
    quote = connection.ops.quote_name
    table = quote(LogNode._meta.db_table)
    for start in range(0, len(wanted), _FETCH_CHUNK):
        chunk = wanted[start:start + _FETCH_CHUNK]
        sql = (
            f"SELECT {quote('level')}, {quote('index')}, {quote('hash')} FROM {table} "
            f"WHERE ({quote('level')}, {quote('index')}) IN (VALUES {', '.join(['(%s, %s)'] * len(chunk))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for key in chunk for value in key])
            for level, index, digest in cursor.fetchall():
                found[level, index] = bytes(digest)
    return found


def _stored(nodes: dict[tuple[int, int], bytes]) -> ledger.GetNode:
    def get_node(level: int, index: int) -> bytes:
        try:
            return nodes[level, index]
        except KeyError:
            raise LogIntegrityError(f"The log has no stored node at level {level}, index {index}.") from None

    return get_node


def with_nodes(compute: Callable[[ledger.GetNode], T]) -> T:
    """Run ``compute(get_node)`` with every node it reads fetched in one query."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return _PLACEHOLDER

    compute(record)
    return compute(_stored(fetch_nodes(wanted)))


def append_leaf(entry: bytes) -> int:
    """Append one entry as the next leaf; returns its index. Call inside a transaction."""
    return append_leaves([entry])


def append_leaves(entries: list[bytes]) -> int:
    """Append entries as consecutive leaves under the LogState lock; returns the first one's index.

    The sequencer integrates custody entries through `integrate_leaf_hashes`;
    this is for callers that hold raw leaf data (the tests and benchmarks of the log itself).
    """
    with transaction.atomic(savepoint=False):
        state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
        return integrate_leaf_hashes(state.size, [ledger.leaf_hash(entry) for entry in entries])


def integrate_leaf_hashes(first: int, leaves: list[bytes]) -> int:
    """Write leaves ``first``, ``first + 1``, ... and the subtrees they complete, and grow the log.

    The caller holds the LogState row locked and passes its size as ``first``.
    One read of the stored left siblings and one insert for the whole batch.
    """
    def completed(get_stored: ledger.GetNode) -> list[tuple[int, int, bytes]]:
        # Nodes completed earlier in this batch are read from here, not the table.
        made: dict[tuple[int, int], bytes] = {}

        def get(level: int, index: int) -> bytes:
            return made[level, index] if (level, index) in made else get_stored(level, index)

        for offset, leaf in enumerate(leaves):
            for level, index, digest in ledger.nodes_completed_by_append(first + offset, leaf, get):
                made[level, index] = digest
        return [(level, index, digest) for (level, index), digest in made.items()]

    if not leaves:
        return first
    _insert_nodes(with_nodes(completed))
    LogState.objects.filter(pk=1).update(size=first + len(leaves))
    return first


def _insert_nodes(nodes: list[tuple[int, int, bytes]]) -> None:
    """Store new nodes; on PostgreSQL in one INSERT with no model instance per node.

    A sequencer's batch writes about two nodes per leaf. Sent as two lists of
    numbers in text and one string of hashes, 32 bytes each, so the driver quotes
    three values rather than every element of three arrays (that cost more than the insert).
    """
    if connection.vendor != "postgresql":
        LogNode.objects.bulk_create([LogNode(level=level, index=idx, hash=digest) for level, idx, digest in nodes])
        return
    quote = connection.ops.quote_name
    levels, indexes, hashes = zip(*nodes, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(LogNode._meta.db_table)} ({quote('level')}, {quote('index')}, {quote('hash')}) "
            f"SELECT v.level, v.index, substring(%s::bytea FROM (v.n::integer - 1) * {ledger.HASH_SIZE} + 1 "
            f"FOR {ledger.HASH_SIZE}) "
            "FROM unnest(string_to_array(%s, ',')::smallint[], string_to_array(%s, ',')::bigint[]) "
            "WITH ORDINALITY AS v(level, index, n)",
            [b"".join(hashes), ",".join(map(str, levels)), ",".join(map(str, indexes))],
        )


def size() -> int:
    """Entries in the log (committed ones: the row only changes with the nodes it counts)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size FROM {connection.ops.quote_name(LogState._meta.db_table)} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def check_size(tree_size: int, current: int | None = None) -> int:
    current = size() if current is None else current
    if tree_size < 0 or tree_size > current:
        raise TreeSizeError(f"Tree size {tree_size} is beyond the log, which holds {current} entries.")
    return tree_size


def root(tree_size: int | None = None) -> bytes:
    tree_size = size() if tree_size is None else check_size(tree_size)
    return with_nodes(lambda get: ledger.root(tree_size, get))


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    check_size(tree_size)
    if not 0 <= index < tree_size:
        raise TreeSizeError(f"Leaf index {index} is not in a tree of size {tree_size}.")
    return with_nodes(lambda get: ledger.inclusion_proof(index, tree_size, get))


def inclusion_proofs(indexes: Iterable[int], tree_size: int) -> dict[int, list[bytes]]:
    """Proofs for many leaves against one tree size, still in one query for the nodes."""
    check_size(tree_size)
    indexes = sorted(set(indexes))
    for index in indexes:
        if not 0 <= index < tree_size:
            raise TreeSizeError(f"Leaf index {index} is not in a tree of size {tree_size}.")
    return with_nodes(lambda get: {i: ledger.inclusion_proof(i, tree_size, get) for i in indexes})


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    check_size(new_size)
    if not 0 <= old_size <= new_size:
        raise TreeSizeError(f"No consistency proof from size {old_size} to size {new_size}.")
    return with_nodes(lambda get: ledger.consistency_proof(old_size, new_size, get))


def leaf(index: int) -> bytes:
    return leaves([index])[index]


def leaves(indexes: Iterable[int]) -> dict[int, bytes]:
    """The stored leaf hashes at these indexes (one query)."""
    indexes = list(indexes)
    get = _stored(fetch_nodes((0, i) for i in indexes))
    return {i: get(0, i) for i in indexes}
