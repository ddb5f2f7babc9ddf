"""The RFC 9162 Merkle log in evidence/ledger.py, checked against the RFC itself.

Expected values come from an independent naive implementation written here
straight from the RFC 9162 recursive definitions (MTH, PATH, PROOF) over the
full leaf list, and from the published Certificate Transparency test vectors.
No database: the module is pure.
"""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.ledger import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_completed_by_append,
    root,
    root_from_leaves,
    subtree_ranges,
    verify_consistency,
    verify_inclusion,
)

# --- the naive reference, from RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 ------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + entries[0])
    k = _k(n)
    return _sha(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:]))


def naive_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return naive_path(m, entries[:k]) + [naive_mth(entries[k:])]
    return naive_path(m - k, entries[k:]) + [naive_mth(entries[:k])]


def naive_subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [naive_mth(entries)]
    k = _k(n)
    if m <= k:
        return naive_subproof(m, entries[:k], b) + [naive_mth(entries[k:])]
    return naive_subproof(m - k, entries[k:], False) + [naive_mth(entries[:k])]


def naive_proof(m: int, entries: list[bytes]) -> list[bytes]:
    return naive_subproof(m, entries, True)


# --- the RFC 6962 / CT reference test tree -----------------------------------

CT_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# Published CT vectors (certificate-transparency merkle tree tests), 0-based.
CT_INCLUSION = {
    (0, 1): [],
    (1, 2): ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
CT_CONSISTENCY = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def _tree(entries: list[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for e in entries:
        tree.append(e)
    return tree


def _entries(n: int, salt: bytes = b"") -> list[bytes]:
    return [salt + i.to_bytes(4, "big") for i in range(n)]


def _flip(proof: list[bytes], element: int, byte: int, mask: int) -> list[bytes]:
    bad = bytearray(proof[element])
    bad[byte] ^= mask
    return proof[:element] + [bytes(bad)] + proof[element + 1 :]


CT_TREE = _tree(CT_INPUTS)
BIG_ENTRIES = _entries(300, b"big")
BIG_TREE = _tree(BIG_ENTRIES)
BIG_LEAVES = [leaf_hash(e) for e in BIG_ENTRIES]
hyp = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- known answers ------------------------------------------------------------


def test_it_hashes_leaves_and_nodes_with_the_rfc_domain_prefixes() -> None:
    """Leaves are SHA-256(0x00||entry), nodes SHA-256(0x01||l||r), empty is SHA-256("")."""
    assert EMPTY_ROOT == _sha(b"") == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert leaf_hash(b"abc") == _sha(b"\x00abc")
    assert node_hash(b"L" * 32, b"R" * 32) == _sha(b"\x01" + b"L" * 32 + b"R" * 32)
    assert root_from_leaves([]) == EMPTY_ROOT
    assert MemoryTree().root() == EMPTY_ROOT
    assert root_from_leaves([leaf_hash(b"x")]) == leaf_hash(b"x")


def test_it_reproduces_the_published_roots_of_the_reference_tree() -> None:
    """Roots of the 1..8-leaf CT test trees match the published values and the RFC."""
    leaves = [leaf_hash(e) for e in CT_INPUTS]
    for n, expected in CT_ROOTS.items():
        assert naive_mth(CT_INPUTS[:n]).hex() == expected
        assert root_from_leaves(leaves[:n]).hex() == expected
        assert CT_TREE.root(n).hex() == expected


def test_it_reproduces_the_published_inclusion_proofs() -> None:
    """Inclusion proofs in the reference tree equal the CT vectors and the naive PATH."""
    for (index, size), expected in CT_INCLUSION.items():
        proof = CT_TREE.inclusion_proof(index, size)
        assert [p.hex() for p in proof] == expected
        assert proof == naive_path(index, CT_INPUTS[:size])
        assert verify_inclusion(
            leaf_hash(CT_INPUTS[index]), index, size, proof, CT_TREE.root(size)
        )


def test_it_reproduces_the_published_consistency_proofs() -> None:
    """Consistency proofs in the reference tree equal the CT vectors and the naive PROOF."""
    for (m, n), expected in CT_CONSISTENCY.items():
        proof = CT_TREE.consistency_proof(m, n)
        assert [p.hex() for p in proof] == expected
        assert proof == naive_proof(m, CT_INPUTS[:n])
        assert verify_consistency(m, n, CT_TREE.root(m), CT_TREE.root(n), proof)


def test_it_agrees_with_the_naive_definitions_for_every_small_tree() -> None:
    """For every size up to 40, every PATH and PROOF equals the RFC recursion and verifies."""
    entries = _entries(40, b"small")
    tree = _tree(entries)
    for n in range(1, 41):
        assert tree.root(n) == naive_mth(entries[:n])
        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert proof == naive_path(i, entries[:n])
            assert verify_inclusion(leaf_hash(entries[i]), i, n, proof, tree.root(n))
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == naive_proof(m, entries[:n])
            assert verify_consistency(m, n, tree.root(m), tree.root(n), proof)


def test_it_stores_each_node_when_its_right_child_arrives() -> None:
    """Appending leaf 7 completes (0,7), (1,3), (2,1), (3,0), reading only left siblings."""
    asked: list[tuple[int, int]] = []

    def get_node(level: int, idx: int) -> bytes:
        asked.append((level, idx))
        return CT_TREE.get_node(level, idx)

    leaf = leaf_hash(CT_INPUTS[7])
    done = nodes_completed_by_append(7, leaf, get_node)
    assert [(lvl, i) for lvl, i, _ in done] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert done[0][2] == leaf
    assert done[-1][2].hex() == CT_ROOTS[8]
    assert asked == [(0, 6), (1, 2), (2, 0)]
    assert [(lvl, i) for lvl, i, _ in nodes_completed_by_append(6, leaf, get_node)] == [(0, 6)]


def test_it_splits_ranges_into_aligned_perfect_subtrees() -> None:
    """[0,13) is 8+4+1; [8,13) is 4+1; an unaligned range still gets aligned blocks."""
    assert subtree_ranges(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert subtree_ranges(8, 13) == [(2, 2), (0, 12)]
    assert subtree_ranges(3, 9) == [(0, 3), (2, 1), (0, 8)]
    assert subtree_ranges(5, 5) == []


# --- properties ---------------------------------------------------------------


@hyp
@given(n=st.integers(1, 300), salt=st.binary(max_size=8))
def test_it_verifies_every_proof_of_a_random_tree(n: int, salt: bytes) -> None:
    """root() equals root_from_leaves for every prefix; all PATHs and PROOFs to n verify."""
    entries = _entries(n, salt)
    tree = _tree(entries)
    leaves = [leaf_hash(e) for e in entries]
    for size in range(n + 1):
        assert tree.root(size) == root_from_leaves(leaves[:size])
    top = tree.root()
    for i in range(n):
        assert verify_inclusion(leaves[i], i, n, tree.inclusion_proof(i), top)
    for m in range(n + 1):
        assert verify_consistency(m, n, tree.root(m), top, tree.consistency_proof(m, n))


@hyp
@given(data=st.data())
def test_it_rejects_a_tampered_inclusion_proof(data: st.DataObject) -> None:
    """Any flipped byte, other index, other leaf, or other size breaks an inclusion proof."""
    n = data.draw(st.integers(2, 300))
    i = data.draw(st.integers(0, n - 1))
    proof, top = BIG_TREE.inclusion_proof(i, n), BIG_TREE.root(n)
    assert verify_inclusion(BIG_LEAVES[i], i, n, proof, top)

    element = data.draw(st.integers(0, len(proof) - 1))
    byte, mask = data.draw(st.integers(0, 31)), data.draw(st.integers(1, 255))
    assert not verify_inclusion(BIG_LEAVES[i], i, n, _flip(proof, element, byte, mask), top)

    j = data.draw(st.integers(0, n + 3).filter(lambda j: j != i))
    assert not verify_inclusion(BIG_LEAVES[i], j, n, proof, top)
    assert not verify_inclusion(BIG_LEAVES[j % n], i, n, proof, top) or j % n == i

    # Against the other size's own root, a proof only passes if it *is* that proof.
    other = data.draw(st.integers(i + 1, 300).filter(lambda s: s != n))
    genuine = BIG_TREE.inclusion_proof(i, other) == proof
    assert verify_inclusion(BIG_LEAVES[i], i, other, proof, BIG_TREE.root(other)) == genuine
    # A size whose path has another length is refused whatever root is offered.
    if len(BIG_TREE.inclusion_proof(i, other)) != len(proof):
        assert not verify_inclusion(BIG_LEAVES[i], i, other, proof, top)
    assert not verify_inclusion(BIG_LEAVES[i], i, n, proof[:-1], top)
    assert not verify_inclusion(BIG_LEAVES[i], i, n, proof + [top], top)


@hyp
@given(data=st.data())
def test_it_rejects_a_tampered_consistency_proof(data: st.DataObject) -> None:
    """Any flipped byte, other old size or other new size breaks a consistency proof."""
    n = data.draw(st.integers(2, 300))
    m = data.draw(st.integers(1, n - 1))
    proof = BIG_TREE.consistency_proof(m, n)
    old, new = BIG_TREE.root(m), BIG_TREE.root(n)
    assert verify_consistency(m, n, old, new, proof)

    element = data.draw(st.integers(0, len(proof) - 1))
    byte, mask = data.draw(st.integers(0, 31)), data.draw(st.integers(1, 255))
    assert not verify_consistency(m, n, old, new, _flip(proof, element, byte, mask))

    m2 = data.draw(st.integers(1, n).filter(lambda s: s != m))
    genuine = BIG_TREE.consistency_proof(m2, n) == proof
    assert verify_consistency(m2, n, BIG_TREE.root(m2), new, proof) == genuine
    assert not verify_consistency(m2, n, old, new, proof) or genuine
    n2 = data.draw(st.integers(m, 300).filter(lambda s: s != n))
    genuine = BIG_TREE.consistency_proof(m, n2) == proof
    assert verify_consistency(m, n2, old, BIG_TREE.root(n2), proof) == genuine
    if len(BIG_TREE.consistency_proof(m, n2)) != len(proof):
        assert not verify_consistency(m, n2, old, new, proof)
    assert not verify_consistency(m, n, new, old, proof) or old == new
    assert not verify_consistency(m, n, old, new, proof[:-1])
    assert not verify_consistency(m, n, old, new, proof + [new])


def test_it_relies_on_the_signed_tree_head_to_bind_the_size() -> None:
    """RFC 9162 verification does not bind the size: index 0's proof at size 3 also fits size 4.

    Hence the API must sign (size, root) together and verifiers must take the
    size from the signed tree head, never from the proof request.
    """
    leaves = [leaf_hash(e) for e in CT_INPUTS]
    proof3, root3 = CT_TREE.inclusion_proof(0, 3), CT_TREE.root(3)
    assert verify_inclusion(leaves[0], 0, 4, proof3, root3)
    cons = CT_TREE.consistency_proof(2, 3)
    assert verify_consistency(2, 4, CT_TREE.root(2), root3, cons)
    # What the algorithm does bind is the path length: at size 8 it is too short.
    assert not verify_inclusion(leaves[0], 0, 8, proof3, root3)
    assert not verify_consistency(2, 8, CT_TREE.root(2), root3, cons)


# --- edges and invalid arguments ----------------------------------------------


def test_it_treats_equal_and_zero_sizes_as_the_documented_edge_cases() -> None:
    """m == n needs an empty proof and equal roots; m == 0 needs an empty proof and EMPTY_ROOT."""
    r5, r8 = CT_TREE.root(5), CT_TREE.root(8)
    assert CT_TREE.consistency_proof(5, 5) == [] == CT_TREE.consistency_proof(0, 8)
    assert verify_consistency(5, 5, r5, r5, [])
    assert not verify_consistency(5, 5, r5, r8, [])
    assert not verify_consistency(5, 5, r5, r5, [r5])
    assert verify_consistency(0, 8, EMPTY_ROOT, r8, [])
    assert not verify_consistency(0, 8, EMPTY_ROOT, r8, [r8])
    assert not verify_consistency(0, 8, r5, r8, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(3, 8, CT_TREE.root(3), r8, [])


@pytest.mark.parametrize(
    "call",
    [
        lambda: CT_TREE.inclusion_proof(8, 8),
        lambda: CT_TREE.inclusion_proof(-1, 8),
        lambda: CT_TREE.inclusion_proof(0, 0),
        lambda: CT_TREE.inclusion_proof(0, 9),
        lambda: CT_TREE.consistency_proof(5, 3),
        lambda: CT_TREE.consistency_proof(-1, 3),
        lambda: CT_TREE.consistency_proof(3, 9),
        lambda: CT_TREE.root(9),
        lambda: CT_TREE.root(-1),
        lambda: inclusion_proof(3, 2, CT_TREE.get_node),
        lambda: consistency_proof(4, 2, CT_TREE.get_node),
        lambda: root(-1, CT_TREE.get_node),
        lambda: subtree_ranges(5, 4),
        lambda: nodes_completed_by_append(-1, b"\x00" * 32, CT_TREE.get_node),
        lambda: nodes_completed_by_append(0, b"short", CT_TREE.get_node),
    ],
)
def test_it_rejects_invalid_arguments_with_value_error(call) -> None:
    """Out-of-range indexes and sizes are a ValueError, which the API maps to 400."""
    with pytest.raises(ValueError):
        call()


def test_it_answers_false_to_malformed_verification_input() -> None:
    """Verifiers say no, rather than raise, to impossible sizes and wrong-length hashes."""
    leaf, r8 = leaf_hash(CT_INPUTS[0]), CT_TREE.root(8)
    proof = CT_TREE.inclusion_proof(0, 8)
    assert not verify_inclusion(leaf, 8, 8, proof, r8)
    assert not verify_inclusion(leaf, -1, 8, proof, r8)
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(leaf[:31], 0, 8, proof, r8)
    assert not verify_inclusion(leaf, 0, 8, [proof[0] + b"\x00", *proof[1:]], r8)
    assert not verify_consistency(8, 5, r8, CT_TREE.root(5), [])
    assert not verify_consistency(-1, 5, r8, CT_TREE.root(5), [])


# --- cost: O(log n) node reads ------------------------------------------------


class _CountingNodes:
    """A lazily made log of any size: node (k, i) is a fixed function of (k, i)."""

    def __init__(self, size: int) -> None:
        self.size, self.calls = size, 0

    def __call__(self, level: int, idx: int) -> bytes:
        assert (idx + 1) << level <= self.size, "read a node beyond the tree"
        self.calls += 1
        return _sha(b"%d/%d" % (level, idx))


@pytest.mark.parametrize(
    "n", [1, 2, 3, 1_000_000, 1_048_575, 1_048_576, 1_048_577, 2**40 - 1, 2**40 + 12345]
)
def test_it_reads_only_logarithmically_many_nodes(n: int) -> None:
    """root, PATH and PROOF for size n read at most 2*log2(n)+2 stored nodes."""
    bound = 2 * math.log2(n) + 2
    for run in (
        lambda nodes: root(n, nodes),
        lambda nodes: inclusion_proof(0, n, nodes),
        lambda nodes: inclusion_proof(n // 3, n, nodes),
        lambda nodes: inclusion_proof(n - 1, n, nodes),
        lambda nodes: consistency_proof(1, n, nodes),
        lambda nodes: consistency_proof(n // 2 + 1, n, nodes),
        lambda nodes: consistency_proof(max(n - 1, 1), n, nodes),
    ):
        nodes = _CountingNodes(n)
        run(nodes)
        assert nodes.calls <= bound


def test_it_reads_few_nodes_from_a_real_tree_of_143k_leaves() -> None:
    """In a stored tree of 2**17+12345 leaves every proof verifies from O(log n) reads."""
    n = 2**17 + 12345
    tree = _tree(_entries(n, b"real"))
    calls = 0

    def get_node(level: int, idx: int) -> bytes:
        nonlocal calls
        calls += 1
        return tree.get_node(level, idx)

    bound = 2 * math.log2(n) + 2
    top = root(n, get_node)
    assert calls <= bound
    for i in (0, 1, 2**17 - 1, 2**17, n - 1):
        calls = 0
        proof = inclusion_proof(i, n, get_node)
        assert calls <= bound
        assert verify_inclusion(tree.get_node(0, i), i, n, proof, top)
    for m in (1, 3, 2**16, 2**17, 2**17 + 1, n - 1):
        calls = 0
        proof = consistency_proof(m, n, get_node)
        assert calls <= bound
        assert verify_consistency(m, n, tree.root(m), top, proof)
