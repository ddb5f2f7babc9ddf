"""The global Merkle log kept in the database (hashing rules in evidence/ledger.py).

Appends are serialised by locking the single LogState row, so leaves take
consecutive indexes in commit order. Only complete subtree hashes are
stored (LogNode), which is all a root or a proof needs.
"""

from __future__ import annotations

from django.db import transaction

from evidence import ledger
from evidence.models import LogNode, LogState


class NodeCache:
    """Reads stored nodes, remembering the ones already fetched in this call."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}

    def __call__(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._nodes:
            row = LogNode.objects.filter(level=level, index=index).values_list("hash", flat=True).first()
            if row is None:
                raise ValueError(f"The log has no node at level {level}, index {index}.")
            self._nodes[key] = bytes(row)
        return self._nodes[key]


def append_leaf(entry: bytes) -> int:
    """Append one entry as the next leaf; returns its index. Call inside a transaction."""
    with transaction.atomic():
        state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
        index = state.size
        new_nodes = ledger.nodes_completed_by_append(index, ledger.leaf_hash(entry), NodeCache())
        LogNode.objects.bulk_create(
            [LogNode(level=level, index=idx, hash=digest) for level, idx, digest in new_nodes]
        )
        LogState.objects.filter(pk=1).update(size=index + 1)
        return index


def size() -> int:
    state = LogState.objects.filter(pk=1).first()
    return state.size if state else 0


def _check_size(tree_size: int) -> None:
    current = size()
    if tree_size < 0 or tree_size > current:
        raise ValueError(f"Tree size {tree_size} is beyond the log, which holds {current} entries.")


def root(tree_size: int | None = None) -> bytes:
    tree_size = size() if tree_size is None else tree_size
    _check_size(tree_size)
    return ledger.root(tree_size, NodeCache())


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    _check_size(tree_size)
    return ledger.inclusion_proof(index, tree_size, NodeCache())


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    _check_size(new_size)
    return ledger.consistency_proof(old_size, new_size, NodeCache())


def leaf(index: int) -> bytes:
    return NodeCache()(0, index)
