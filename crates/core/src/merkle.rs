//! RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs
//! over a tree whose hashes are read from storage.
//!
//! Leaves are `SHA-256(0x00 ‖ leaf_input)`, inner nodes `SHA-256(0x01 ‖ left ‖ right)`.
//! Storage keeps every leaf hash and the hash of every complete, aligned subtree
//! of height ≥ [`STORED_MIN_LEVEL`]; anything lower is recomputed from at most
//! 2^STORED_MIN_LEVEL leaf hashes. Proofs therefore need O(log n) reads and never
//! the whole tree.
//!
//! Proof generation follows the recursive PATH and SUBPROOF definitions of
//! RFC 6962 §2.1.1–2.1.2; verification follows the iterative algorithms of
//! RFC 9162 §2.1.3.2 and §2.1.4.2, so the two sides are written differently
//! and test each other. No published crate reads the tree from a database,
//! which is why this module is ours; its tests pin the RFC 6962 test vectors.

use sha2::{Digest, Sha256};

use crate::error::Result;

pub type Hash = [u8; 32];

/// Complete subtrees this high and higher are stored; lower ones are recomputed.
pub const STORED_MIN_LEVEL: u32 = 6;

pub fn leaf_hash(leaf_input: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf_input);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// Where a tree's hashes are stored.
pub trait HashSource {
    /// Leaf hashes of leaves `start..end`, in order.
    fn leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<Hash>>;
    /// The stored hash of the complete subtree `index` at `level` (level ≥ STORED_MIN_LEVEL).
    fn stored_node(&self, level: u32, index: u64) -> Result<Hash>;
}

fn largest_pow2_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// MTH of a list of leaf hashes held in memory (RFC 6962 §2.1).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = largest_pow2_below(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// MTH(D[a:b]) for a non-empty range, read from `src`.
pub fn range_hash(src: &impl HashSource, a: u64, b: u64) -> Result<Hash> {
    let n = b - a;
    debug_assert!(n > 0);
    if n <= 1 << STORED_MIN_LEVEL {
        return Ok(root_of(&src.leaf_hashes(a, b)?));
    }
    if n.is_power_of_two() && a % n == 0 {
        return src.stored_node(n.trailing_zeros(), a / n);
    }
    let k = largest_pow2_below(n);
    Ok(node_hash(
        &range_hash(src, a, a + k)?,
        &range_hash(src, a + k, b)?,
    ))
}

/// Root of the tree of the first `size` leaves.
pub fn root(src: &impl HashSource, size: u64) -> Result<Hash> {
    if size == 0 {
        Ok(empty_root())
    } else {
        range_hash(src, 0, size)
    }
}

/// Audit path for leaf `index` in the tree of `size` leaves, deepest first.
pub fn inclusion_proof(src: &impl HashSource, index: u64, size: u64) -> Result<Vec<Hash>> {
    assert!(index < size, "leaf {index} is not in a tree of {size}");
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out)?;
    Ok(out)
}

fn path(src: &impl HashSource, m: u64, a: u64, b: u64, out: &mut Vec<Hash>) -> Result<()> {
    let n = b - a;
    if n == 1 {
        return Ok(());
    }
    let k = largest_pow2_below(n);
    if m < k {
        path(src, m, a, a + k, out)?;
        out.push(range_hash(src, a + k, b)?);
    } else {
        path(src, m - k, a + k, b, out)?;
        out.push(range_hash(src, a, a + k)?);
    }
    Ok(())
}

/// Proof that the tree of `old` leaves is a prefix of the tree of `new` leaves.
pub fn consistency_proof(src: &impl HashSource, old: u64, new: u64) -> Result<Vec<Hash>> {
    assert!(old <= new, "consistency from {old} to {new}");
    let mut out = Vec::new();
    if old > 0 && old < new {
        subproof(src, old, 0, new, true, &mut out)?;
    }
    Ok(out)
}

fn subproof(
    src: &impl HashSource,
    m: u64,
    a: u64,
    b: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<()> {
    let n = b - a;
    if m == n {
        if !whole {
            out.push(range_hash(src, a, b)?);
        }
        return Ok(());
    }
    let k = largest_pow2_below(n);
    if m <= k {
        subproof(src, m, a, a + k, whole, out)?;
        out.push(range_hash(src, a + k, b)?);
    } else {
        subproof(src, m - k, a + k, b, false, out)?;
        out.push(range_hash(src, a, a + k)?);
    }
    Ok(())
}

/// RFC 9162 §2.1.3.2.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// RFC 9162 §2.1.4.2.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty() && *old_root == empty_root();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    fr == *old_root && sr == *new_root && snode == 0
}

/// The right edge of a growing tree (a "compact range"): one hash per set bit
/// of the size. Appending is amortised O(1); each completed subtree is reported.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// (level, hash), highest level first.
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the frontier of a stored tree of `size` leaves with O(log n) reads.
    pub fn load(src: &impl HashSource, size: u64) -> Result<Self> {
        let mut stack = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1 << level) != 0 {
                stack.push((level, range_hash(src, start, start + (1 << level))?));
                start += 1 << level;
            }
        }
        Ok(Frontier { size, stack })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; calls `completed(level, index, hash)` for each
    /// complete subtree of height ≥ 1 that this leaf closes, lowest first.
    pub fn push(&mut self, leaf: Hash, mut completed: impl FnMut(u32, u64, &Hash)) {
        let mut h = leaf;
        let mut level = 0u32;
        self.size += 1;
        while let Some(&(l, left)) = self.stack.last() {
            if l != level {
                break;
            }
            self.stack.pop();
            h = node_hash(&left, &h);
            level += 1;
            completed(level, (self.size >> level) - 1, &h);
        }
        self.stack.push((level, h));
    }

    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        match it.next() {
            None => empty_root(),
            Some(&(_, last)) => it.fold(last, |acc, (_, left)| node_hash(left, &acc)),
        }
    }
}

/// An in-memory tree (all leaves and all stored-level nodes), for tests and tools.
#[derive(Debug, Default, Clone)]
pub struct MemoryTree {
    pub leaves: Vec<Hash>,
    pub nodes: std::collections::HashMap<(u32, u64), Hash>,
    frontier: Frontier,
}

impl MemoryTree {
    pub fn push(&mut self, leaf: Hash) {
        self.leaves.push(leaf);
        let nodes = &mut self.nodes;
        self.frontier.push(leaf, |l, i, h| {
            if l >= STORED_MIN_LEVEL {
                nodes.insert((l, i), *h);
            }
        });
    }
}

impl HashSource for MemoryTree {
    fn leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<Hash>> {
        Ok(self.leaves[start as usize..end as usize].to_vec())
    }
    fn stored_node(&self, level: u32, index: u64) -> Result<Hash> {
        Ok(self.nodes[&(level, index)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of the RFC 6962 test vectors used by Certificate Transparency
    /// implementations, and the roots of their first 1..=8 prefixes.
    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn tree(n: u64) -> MemoryTree {
        let mut t = MemoryTree::default();
        for i in 0..n {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    #[test]
    fn rfc6962_test_vectors() {
        let mut t = MemoryTree::default();
        for (i, l) in LEAVES.iter().enumerate() {
            t.push(leaf_hash(&hex::decode(l).unwrap()));
            assert_eq!(
                hex::encode(root(&t, i as u64 + 1).unwrap()),
                ROOTS[i],
                "size {}",
                i + 1
            );
            assert_eq!(hex::encode(t.frontier.root()), ROOTS[i]);
        }
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn stored_range_hash_equals_in_memory_root() {
        let t = tree(1000);
        for n in [1u64, 2, 63, 64, 65, 127, 128, 129, 300, 512, 777, 1000] {
            assert_eq!(
                root(&t, n).unwrap(),
                root_of(&t.leaves[..n as usize]),
                "n={n}"
            );
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_tampering_fails() {
        let t = tree(150);
        for n in 1..=150u64 {
            let r = root(&t, n).unwrap();
            for m in 0..n {
                let p = inclusion_proof(&t, m, n).unwrap();
                assert!(
                    verify_inclusion(&t.leaves[m as usize], m, n, &p, &r),
                    "m={m} n={n}"
                );
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0] = node_hash(first, first);
                    assert!(!verify_inclusion(&t.leaves[m as usize], m, n, &bad, &r));
                }
                if n > 1 {
                    let other = (m + 1) % n;
                    assert!(!verify_inclusion(&t.leaves[other as usize], m, n, &p, &r));
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_tampering_fails() {
        let t = tree(140);
        for n in 1..=140u64 {
            let rn = root(&t, n).unwrap();
            for m in 1..=n {
                let rm = root(&t, m).unwrap();
                let p = consistency_proof(&t, m, n).unwrap();
                assert!(verify_consistency(m, n, &rm, &rn, &p), "m={m} n={n}");
                if m < n {
                    assert!(!verify_consistency(m, n, &rn, &rn, &p), "m={m} n={n}");
                    let mut bad = p.clone();
                    bad[p.len() - 1][0] ^= 1;
                    assert!(!verify_consistency(m, n, &rm, &rn, &bad));
                    assert!(!verify_consistency(m, n, &rm, &rn, &[]));
                }
            }
        }
    }

    #[test]
    fn frontier_loads_from_storage_and_keeps_growing() {
        let mut full = tree(300);
        let mut f = Frontier::load(&full, 200).unwrap();
        assert_eq!(f.root(), root(&full, 200).unwrap());
        for i in 200..300 {
            f.push(full.leaves[i], |_, _, _| {});
        }
        assert_eq!(f.root(), root(&full, 300).unwrap());
        full.push(leaf_hash(b"x"));
        assert_eq!(f.size(), 300);
    }

    #[test]
    fn frontier_reports_each_completed_subtree_once() {
        let mut f = Frontier::new();
        let mut seen = Vec::new();
        for i in 0..8u64 {
            f.push(leaf_hash(&i.to_be_bytes()), |l, idx, _| seen.push((l, idx)));
        }
        assert_eq!(
            seen,
            vec![(1, 0), (1, 1), (2, 0), (1, 2), (1, 3), (2, 1), (3, 0)]
        );
    }
}
