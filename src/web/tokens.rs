//! Small secrets helpers shared by every feature: SHA-256 digests of tokens, random hex names
//! and constant-time comparison.

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

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
