//! The Merkle tree of RFC 6962 §2.1 / RFC 9162 §2.1: root, inclusion and consistency proofs,
//! and their verification.
//!
//! Proof generation is written against [`SubtreeHashes`], so the same code serves an in-memory
//! list of leaves (tests, bundles) and the on-disk store with its cached levels.

use crate::error::Error;
use crate::hash::{Hash, HashAlgorithm};

/// Anything that can produce `MTH(D[start:end])` for `start < end <= size`.
pub trait SubtreeHashes {
    /// The hash algorithm of the tree.
    fn algorithm(&self) -> HashAlgorithm;
    /// `MTH(D[start:end])`; callers guarantee `start < end`.
    fn subtree_hash(&self, start: u64, end: u64) -> Result<Hash, Error>;
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): the split point `k` of RFC 6962.
pub fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Leaf hashes held in memory.
pub struct LeafHashes<'a> {
    pub algorithm: HashAlgorithm,
    pub leaves: &'a [Hash],
}

impl SubtreeHashes for LeafHashes<'_> {
    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    fn subtree_hash(&self, start: u64, end: u64) -> Result<Hash, Error> {
        Ok(root_of_leaves(
            self.algorithm,
            &self.leaves[start as usize..end as usize],
        ))
    }
}

/// `MTH` of a list of leaf hashes, computed bottom-up without recursion.
pub fn root_of_leaves(algorithm: HashAlgorithm, leaves: &[Hash]) -> Hash {
    let mut accumulator = RootAccumulator::new(algorithm);
    for leaf in leaves {
        accumulator.push(*leaf);
    }
    accumulator.root()
}

/// Streams leaf hashes in and gives the root of everything pushed so far.
///
/// Keeps one hash per set bit of the size (the perfect subtrees of the compact range), so a
/// log of any length is verified in constant memory.
#[derive(Clone)]
pub struct RootAccumulator {
    algorithm: HashAlgorithm,
    size: u64,
    /// Roots of the perfect subtrees, largest (leftmost) first.
    perfect_subtrees: Vec<Hash>,
}

impl RootAccumulator {
    pub fn new(algorithm: HashAlgorithm) -> Self {
        RootAccumulator {
            algorithm,
            size: 0,
            perfect_subtrees: Vec::new(),
        }
    }

    /// Number of leaves pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        self.push_subtree(leaf, 0);
    }

    /// Pushes the root of a perfect subtree of `2^height` leaves; the size so far must be a
    /// multiple of `2^height`.
    pub fn push_subtree(&mut self, root: Hash, height: u32) {
        assert!(
            self.size.trailing_zeros() >= height,
            "a subtree of 2^{height} leaves must start at a multiple of its size"
        );
        let mut carry = root;
        // Each trailing one bit above `height` is a perfect subtree to merge with.
        let mut merges = (self.size >> height).trailing_ones();
        while merges > 0 {
            let left = self
                .perfect_subtrees
                .pop()
                .expect("one subtree per set bit");
            carry = self.algorithm.node_hash(&left, &carry);
            merges -= 1;
        }
        self.perfect_subtrees.push(carry);
        self.size += 1 << height;
    }

    /// The root of the leaves pushed so far (RFC 6962 `MTH`).
    pub fn root(&self) -> Hash {
        let mut subtrees = self.perfect_subtrees.iter().rev();
        let Some(last) = subtrees.next() else {
            return self.algorithm.empty_root();
        };
        subtrees.fold(*last, |right, left| self.algorithm.node_hash(left, &right))
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 `PATH`),
/// ordered from the leaf's sibling up to the root's child.
pub fn inclusion_proof(
    tree: &impl SubtreeHashes,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(Error::OutOfRange { index, size });
    }
    let mut proof = Vec::new();
    inclusion_path(tree, index, 0, size, &mut proof)?;
    Ok(proof)
}

fn inclusion_path(
    tree: &impl SubtreeHashes,
    index: u64,
    start: u64,
    end: u64,
    proof: &mut Vec<Hash>,
) -> Result<(), Error> {
    if end - start == 1 {
        return Ok(());
    }
    let middle = start + split_point(end - start);
    if index < middle {
        inclusion_path(tree, index, start, middle, proof)?;
        proof.push(tree.subtree_hash(middle, end)?);
    } else {
        inclusion_path(tree, index, middle, end, proof)?;
        proof.push(tree.subtree_hash(start, middle)?);
    }
    Ok(())
}

/// The consistency proof between the trees of `old_size` and `new_size` leaves
/// (RFC 6962 `PROOF`); empty when `old_size` is 0 or equals `new_size`.
pub fn consistency_proof(
    tree: &impl SubtreeHashes,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, Error> {
    if old_size > new_size {
        return Err(Error::OutOfRange {
            index: old_size,
            size: new_size,
        });
    }
    let mut proof = Vec::new();
    if old_size > 0 && old_size < new_size {
        consistency_subproof(tree, old_size, 0, new_size, true, &mut proof)?;
    }
    Ok(proof)
}

/// RFC 6962 `SUBPROOF(m, D[start:end], b)`, with `m` relative to `start`.
fn consistency_subproof(
    tree: &impl SubtreeHashes,
    m: u64,
    start: u64,
    end: u64,
    old_root_is_known: bool,
    proof: &mut Vec<Hash>,
) -> Result<(), Error> {
    let n = end - start;
    if m == n {
        if !old_root_is_known {
            proof.push(tree.subtree_hash(start, end)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        consistency_subproof(tree, m, start, start + k, old_root_is_known, proof)?;
        proof.push(tree.subtree_hash(start + k, end)?);
    } else {
        consistency_subproof(tree, m - k, start + k, end, false, proof)?;
        proof.push(tree.subtree_hash(start, start + k)?);
    }
    Ok(())
}

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old size {old_size} is larger than new size {new_size}")]
    SizesOutOfOrder { old_size: u64, new_size: u64 },
    #[error("the proof has the wrong number of hashes for these sizes")]
    WrongLength,
    #[error("the proof leads to root {computed}, not the expected {expected}")]
    RootMismatch { computed: String, expected: String },
    #[error("the proof leads to old root {computed}, not the expected {expected}")]
    OldRootMismatch { computed: String, expected: String },
}

fn root_mismatch(computed: &Hash, expected: &Hash) -> ProofError {
    ProofError::RootMismatch {
        computed: crate::hash::to_hex(computed),
        expected: crate::hash::to_hex(expected),
    }
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    algorithm: HashAlgorithm,
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let computed = root_from_inclusion_proof(algorithm, index, size, leaf_hash, proof)?;
    if &computed != root {
        return Err(root_mismatch(&computed, root));
    }
    Ok(())
}

/// The root an inclusion proof leads to, or an error when its length does not fit the sizes.
pub fn root_from_inclusion_proof(
    algorithm: HashAlgorithm,
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    let mut node_index = index;
    let mut last_index = size - 1;
    let mut computed = *leaf_hash;
    for sibling in proof {
        if last_index == 0 {
            return Err(ProofError::WrongLength);
        }
        if node_index & 1 == 1 || node_index == last_index {
            computed = algorithm.node_hash(sibling, &computed);
            // A right-edge node without a right sibling moves up without hashing.
            while node_index & 1 == 0 && node_index != 0 {
                node_index >>= 1;
                last_index >>= 1;
            }
        } else {
            computed = algorithm.node_hash(&computed, sibling);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    if last_index != 0 {
        return Err(ProofError::WrongLength);
    }
    Ok(computed)
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2). Any tree is consistent with the empty one.
pub fn verify_consistency(
    algorithm: HashAlgorithm,
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        if old_root != new_root {
            return Err(root_mismatch(old_root, new_root));
        }
        return Ok(());
    }
    if old_size == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::WrongLength)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    // When the old tree is a perfect subtree, its root is the proof's implicit first node.
    let mut nodes: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        nodes.push(*old_root);
    }
    nodes.extend_from_slice(proof);

    let mut node_index = old_size - 1;
    let mut last_index = new_size - 1;
    while node_index & 1 == 1 {
        node_index >>= 1;
        last_index >>= 1;
    }
    let mut old_computed = nodes[0];
    let mut new_computed = nodes[0];
    for node in &nodes[1..] {
        if last_index == 0 {
            return Err(ProofError::WrongLength);
        }
        if node_index & 1 == 1 || node_index == last_index {
            old_computed = algorithm.node_hash(node, &old_computed);
            new_computed = algorithm.node_hash(node, &new_computed);
            while node_index & 1 == 0 && node_index != 0 {
                node_index >>= 1;
                last_index >>= 1;
            }
        } else {
            new_computed = algorithm.node_hash(&new_computed, node);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    if last_index != 0 {
        return Err(ProofError::WrongLength);
    }
    if &old_computed != old_root {
        return Err(ProofError::OldRootMismatch {
            computed: crate::hash::to_hex(&old_computed),
            expected: crate::hash::to_hex(old_root),
        });
    }
    if &new_computed != new_root {
        return Err(root_mismatch(&new_computed, new_root));
    }
    Ok(())
}
