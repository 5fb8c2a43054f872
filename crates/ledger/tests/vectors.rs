//! RFC 6962 / RFC 9162 behaviour: the certificate-transparency test vectors in SHA-256 mode,
//! and property tests of proof generation against verification over random sizes.

use proptest::prelude::*;
use shuan_ledger::{
    Hash, HashAlgorithm, LeafHashes, consistency_proof, hash_from_hex, inclusion_proof,
    root_of_leaves, verify_consistency, verify_inclusion,
};

/// The 8 entries of the certificate-transparency test data.
const CT_ENTRIES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

/// Roots of the first 1..=8 entries.
const CT_ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const SHA256: HashAlgorithm = HashAlgorithm::Sha256;

fn ct_leaves() -> Vec<Hash> {
    CT_ENTRIES.iter().map(|e| SHA256.leaf_hash(e)).collect()
}

fn hashes(hex: &[&str]) -> Vec<Hash> {
    hex.iter().map(|h| hash_from_hex(h).unwrap()).collect()
}

fn root(size: usize) -> Hash {
    hash_from_hex(CT_ROOTS[size - 1]).unwrap()
}

#[test]
fn empty_tree_root_is_hash_of_empty_string() {
    assert_eq!(
        root_of_leaves(SHA256, &[]),
        hash_from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap()
    );
}

#[test]
fn roots_match_ct_vectors() {
    let leaves = ct_leaves();
    for size in 1..=8 {
        assert_eq!(
            root_of_leaves(SHA256, &leaves[..size]),
            root(size),
            "size {size}"
        );
    }
}

#[test]
fn inclusion_proofs_match_ct_vectors() {
    let leaves = ct_leaves();
    let tree = LeafHashes {
        algorithm: SHA256,
        leaves: &leaves,
    };
    let cases: [(u64, u64, Vec<&str>); 5] = [
        (0, 1, vec![]),
        (
            0,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            vec![
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            vec!["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            vec![
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (index, size, expected) in cases {
        let expected = hashes(&expected);
        let proof = inclusion_proof(&tree, index, size).unwrap();
        assert_eq!(proof, expected, "inclusion of {index} in {size}");
        verify_inclusion(
            SHA256,
            index,
            size,
            &leaves[index as usize],
            &proof,
            &root(size as usize),
        )
        .unwrap();
    }
}

#[test]
fn consistency_proofs_match_ct_vectors() {
    let leaves = ct_leaves();
    let tree = LeafHashes {
        algorithm: SHA256,
        leaves: &leaves,
    };
    let cases: [(u64, u64, Vec<&str>); 4] = [
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            vec![
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            vec![
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (old, new, expected) in cases {
        let expected = hashes(&expected);
        let proof = consistency_proof(&tree, old, new).unwrap();
        assert_eq!(proof, expected, "consistency {old} -> {new}");
        verify_consistency(
            SHA256,
            old,
            new,
            &root(old as usize),
            &root(new as usize),
            &proof,
        )
        .unwrap();
    }
}

#[test]
fn wrong_proofs_are_rejected() {
    let leaves = ct_leaves();
    let tree = LeafHashes {
        algorithm: SHA256,
        leaves: &leaves,
    };
    let proof = inclusion_proof(&tree, 5, 8).unwrap();
    assert!(verify_inclusion(SHA256, 4, 8, &leaves[5], &proof, &root(8)).is_err());
    assert!(verify_inclusion(SHA256, 5, 6, &leaves[5], &proof, &root(8)).is_err());
    assert!(verify_inclusion(SHA256, 5, 8, &leaves[5], &proof[..2], &root(8)).is_err());
    assert!(verify_inclusion(SHA256, 8, 8, &leaves[5], &proof, &root(8)).is_err());
    let proof = consistency_proof(&tree, 3, 7).unwrap();
    assert!(verify_consistency(SHA256, 3, 7, &root(3), &root(6), &proof).is_err());
    assert!(verify_consistency(SHA256, 3, 7, &root(2), &root(7), &proof).is_err());
    assert!(verify_consistency(SHA256, 7, 3, &root(7), &root(3), &proof).is_err());
}

fn random_leaves(algorithm: HashAlgorithm, size: usize, seed: u64) -> Vec<Hash> {
    (0..size)
        .map(|i| algorithm.leaf_hash(format!("{seed}/{i}").as_bytes()))
        .collect()
}

proptest! {
    #[test]
    fn every_inclusion_proof_verifies(size in 1usize..600, pick in any::<u64>(), sm3 in any::<bool>()) {
        let algorithm = if sm3 { HashAlgorithm::Sm3 } else { SHA256 };
        let leaves = random_leaves(algorithm, size, pick);
        let tree = LeafHashes { algorithm, leaves: &leaves };
        let index = pick % size as u64;
        let root = root_of_leaves(algorithm, &leaves);
        let proof = inclusion_proof(&tree, index, size as u64).unwrap();
        prop_assert!(verify_inclusion(algorithm, index, size as u64, &leaves[index as usize], &proof, &root).is_ok());
        // Any other leaf, or a flipped proof bit, fails.
        let other = (index + 1) % size as u64;
        if leaves[other as usize] != leaves[index as usize] {
            prop_assert!(verify_inclusion(algorithm, index, size as u64, &leaves[other as usize], &proof, &root).is_err());
        }
        if let Some(first) = proof.first() {
            let mut bad = proof.clone();
            bad[0][0] = first[0] ^ 1;
            prop_assert!(verify_inclusion(algorithm, index, size as u64, &leaves[index as usize], &bad, &root).is_err());
        }
    }

    #[test]
    fn every_consistency_proof_verifies(new_size in 1usize..600, pick in any::<u64>(), sm3 in any::<bool>()) {
        let algorithm = if sm3 { HashAlgorithm::Sm3 } else { SHA256 };
        let leaves = random_leaves(algorithm, new_size, pick);
        let tree = LeafHashes { algorithm, leaves: &leaves };
        let old_size = (pick % (new_size as u64 + 1)) as usize;
        let old_root = root_of_leaves(algorithm, &leaves[..old_size]);
        let new_root = root_of_leaves(algorithm, &leaves);
        let proof = consistency_proof(&tree, old_size as u64, new_size as u64).unwrap();
        prop_assert!(verify_consistency(algorithm, old_size as u64, new_size as u64, &old_root, &new_root, &proof).is_ok());
        if old_size > 0 && old_size < new_size {
            // A forked history (one old leaf changed) must not verify.
            let mut forked = leaves.clone();
            forked[old_size - 1][0] ^= 1;
            let forked_old_root = root_of_leaves(algorithm, &forked[..old_size]);
            prop_assert!(verify_consistency(algorithm, old_size as u64, new_size as u64, &forked_old_root, &new_root, &proof).is_err());
        }
    }
}
