//! Small secrets helpers shared by every feature: SHA-256 digests of tokens, random hex names,
//! constant-time comparison, and the short codes people read and type (certificates, seats).

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The hex SHA-256 of `input`: what is stored instead of an e-mail, reset, OTP or recovery token.
pub fn sha256_hex(input: &str) -> String {
    hex::encode(Sha256::digest(input.as_bytes()))
}

/// The first `bytes` bytes of the SHA-256 of `data`, in hex: short fingerprints (asset names,
/// the service worker's version, the session digest published on revocation).
pub fn short_digest(data: &[u8], bytes: usize) -> String {
    let digest = Sha256::digest(data);
    hex::encode(&digest[..bytes.min(digest.len())])
}

/// `bytes` random bytes as `2 × bytes` hex digits (file names, feed tokens, request ids).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Letters and digits that cannot be confused when read aloud or typed (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new random code like `TLJ-7K3F-9QMD` (40 bits: for what is also looked up, limited in
/// rate, or signed — never a secret on its own).
pub fn human_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut pick = || CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char;
    let a: String = (0..4).map(|_| pick()).collect();
    let b: String = (0..4).map(|_| pick()).collect();
    format!("TLJ-{a}-{b}")
}

/// The canonical form of a code typed or scanned by someone (`tlj 7k3f9qmd` → `TLJ-7K3F-9QMD`),
/// or `None` when it cannot be a code.
pub fn normalize_human_code(input: &str) -> Option<String> {
    let chars: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let body = chars.strip_prefix("TLJ")?;
    if body.len() != 8 || !body.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("TLJ-{}-{}", &body[..4], &body[4..]))
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_normalised() {
        for _ in 0..200 {
            let code = human_code();
            assert_eq!(code.len(), 13);
            assert_eq!(normalize_human_code(&code).as_deref(), Some(code.as_str()));
            assert!(!code[4..].contains(['0', 'O', '1', 'I', 'L']));
        }
        assert_eq!(
            normalize_human_code(" tlj 7k3f9qmd ").as_deref(),
            Some("TLJ-7K3F-9QMD")
        );
        assert_eq!(normalize_human_code("TLJ-7K3F-9QM0"), None);
        assert_eq!(normalize_human_code("TLJ-7K3F-9QM"), None);
        assert_eq!(normalize_human_code("ABC-7K3F-9QMD"), None);
        assert_eq!(normalize_human_code(""), None);
    }

    #[test]
    fn digests_are_lower_case_hex_of_the_expected_length() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(short_digest(b"abc", 5), "ba7816bf8f");
        assert_eq!(random_hex(16).len(), 32);
        assert!(random_hex(6).bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn only_equal_secrets_compare_equal() {
        assert!(constant_time_eq("s3cret", "s3cret"));
        assert!(!constant_time_eq("s3cret", "s3creT"));
        assert!(!constant_time_eq("s3cret", "s3cret-longer"));
        assert!(!constant_time_eq("", "x"));
    }
}
