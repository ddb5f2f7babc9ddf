"""The global custody log as an RFC 9162 (Certificate Transparency v2) Merkle tree.

Pure functions, no ORM, so an offline verifier and the tests can use them as is.

Storage model: node (level k, index i) is the Merkle tree hash of leaves
[i * 2**k, (i + 1) * 2**k); level 0 holds the leaf hashes. A node is stored once
it is complete and never changes, so the store is append-only like the log.
Every root and proof here is assembled from O(log n) such nodes, read through a
``get_node(level, idx)`` callable, never from the whole log.

"Leaf" below always means a leaf *hash* (``leaf_hash(entry)``), as in RFC 9162.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

GetNode = Callable[[int, int], bytes]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the prefix keeps a leaf from passing for a node."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than n (n >= 2), RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC definition; O(n), the reference for tests."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_from_leaves(leaf_hashes[:k]), root_from_leaves(leaf_hashes[k:]))


def nodes_completed_by_append(
    index: int, leaf: bytes, get_node: GetNode
) -> list[tuple[int, int, bytes]]:
    """Every (level, idx, hash) node that becomes complete when leaf ``index`` lands.

    A node completes exactly when its right child does, i.e. while the index
    is odd at that level; its left sibling is then already stored.
    """
    if index < 0:
        raise ValueError(f"leaf index must be >= 0, got {index}")
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}")
    done = [(0, index, leaf)]
    level, idx, h = 0, index, leaf
    while idx & 1:
        h = node_hash(get_node(level, idx - 1), h)
        level, idx = level + 1, idx >> 1
        done.append((level, idx, h))
    return done


def subtree_ranges(start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) into the fewest aligned perfect (level, idx) nodes, left to right.

    For the ranges the RFC recursion produces (start a multiple of a power of
    two >= end - start) the sizes strictly decrease, and the range's MTH is the
    right fold of these nodes with ``node_hash``.
    """
    if not 0 <= start <= end:
        raise ValueError(f"invalid range [{start}, {end})")
    out: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            # the block may not cross a boundary of its own size
            level = min(level, (start & -start).bit_length() - 1)
        out.append((level, start >> level))
        start += 1 << level
    return out


def _range_hash(start: int, end: int, get_node: GetNode) -> bytes:
    """MTH(D[start:end]) for an RFC-aligned range, from popcount(end - start) nodes."""
    nodes = subtree_ranges(start, end)
    h = get_node(*nodes[-1])
    for level, idx in reversed(nodes[:-1]):
        h = node_hash(get_node(level, idx), h)
    return h


def root(size: int, get_node: GetNode) -> bytes:
    """MTH of the first ``size`` leaves (the caller vouches they are stored)."""
    if size < 0:
        raise ValueError(f"tree size must be >= 0, got {size}")
    return EMPTY_ROOT if size == 0 else _range_hash(0, size, get_node)


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf-side sibling first.

    Walks the RFC recursion top-down with absolute bounds [lo, hi). A left
    sibling is one perfect node; a right sibling is a range, and only the first
    one can be imperfect (below it every subtree is perfect), so O(log n) reads.
    """
    if size < 0 or not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_range_hash(lo + k, hi, get_node))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, get_node))
            lo += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, get_node: GetNode) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1.

    The RFC defines it for 0 < m < n; for m == n and m == 0 there is nothing to
    prove, and we return the empty list (which ``verify_consistency`` expects).
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    path: list[bytes] = []
    lo, hi, whole = 0, new_size, True  # `whole`: the RFC's b, "still the full old tree"
    while hi != old_size:
        k = _split(hi - lo)
        if old_size <= lo + k:
            path.append(_range_hash(lo + k, hi, get_node))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, get_node))
            lo, whole = lo + k, False
    if not whole:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}: a verifier knows the old root,
        # not this subtree, so it must be sent.
        path.append(_range_hash(lo, hi, get_node))
    path.reverse()
    return path


def _are_hashes(*values: bytes) -> bool:
    # Malformed lengths could shift bytes between concatenated hash inputs.
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step for step; ``leaf`` is the leaf hash.

    A bad proof is an answer (False), not an error. The size is bound by the
    signed tree head the root came from, not by the proof: a proof can also fit
    another size that shares its shape (e.g. index 0 at sizes 3 and 4).
    """
    if index < 0 or index >= size or not _are_hashes(leaf, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2 for 0 < m < n, plus the edges the RFC leaves open.

    m == n: the proof must be empty and the roots equal. m == 0: the empty tree
    is a prefix of every tree, so only an empty proof and ``old_root ==
    EMPTY_ROOT`` are asked; ``new_root`` cannot be checked without a proof.
    """
    if not 0 <= old_size <= new_size or not _are_hashes(old_root, new_root, *proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is one perfect subtree, so the proof omits its root.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


class MemoryTree:
    """The log in a dict keyed like the database table: (level, idx) -> hash."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def get_node(self, level: int, idx: int) -> bytes:
        try:
            return self._nodes[level, idx]
        except KeyError:
            raise LookupError(f"node ({level}, {idx}) is not stored") from None

    def append(self, entry: bytes) -> int:
        """Add ``entry`` as the next leaf and return its index."""
        index = self._size
        for level, idx, h in nodes_completed_by_append(index, leaf_hash(entry), self.get_node):
            self._nodes[level, idx] = h
        self._size += 1
        return index

    def _check_size(self, size: int | None) -> int:
        size = self._size if size is None else size
        if not 0 <= size <= self._size:
            raise ValueError(f"tree size {size} is outside 0..{self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        return root(self._check_size(size), self.get_node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self._check_size(size), self.get_node)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self._check_size(new_size), self.get_node)
