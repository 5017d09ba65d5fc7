//! Identifiers in the shapes AWS prints: UUIDs, access keys, principal ids, resource ids.
//!
//! Random ones come from the caller's RNG; stable ones (the same thing named the same way in every
//! file, whichever thread writes it) come from [`stable_rng`], a hash of the seed and a label.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use xxhash_rust::xxh3::xxh3_64_with_seed;

const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const PRINCIPAL_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A 64-bit hash of `parts` under `seed`.
pub fn stable(seed: u64, parts: &[&str]) -> u64 {
    parts
        .iter()
        .fold(seed, |h, part| xxh3_64_with_seed(part.as_bytes(), h))
}

/// An RNG determined by `seed` and `parts` alone.
pub fn stable_rng(seed: u64, parts: &[&str]) -> SmallRng {
    SmallRng::seed_from_u64(stable(seed, parts))
}

/// The RNG that writes file number `index`.
pub fn file_rng(seed: u64, index: usize) -> SmallRng {
    SmallRng::seed_from_u64(xxh3_64_with_seed(&(index as u64).to_le_bytes(), seed))
}

fn push_chars(out: &mut String, rng: &mut impl Rng, alphabet: &[u8], n: usize) {
    out.reserve(n);
    for _ in 0..n {
        out.push(char::from(alphabet[rng.random_range(0..alphabet.len())]));
    }
}

fn prefixed(rng: &mut impl Rng, prefix: &str, alphabet: &[u8], n: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + n);
    out.push_str(prefix);
    push_chars(&mut out, rng, alphabet, n);
    out
}

/// A UUID version 4 in lower-case hex: `8-4-4-4-12`.
pub fn uuid(rng: &mut impl Rng) -> String {
    let bits: u128 = rng.random();
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A UUID in upper case, as Secrets Manager prints version ids.
pub fn uuid_upper(rng: &mut impl Rng) -> String {
    uuid(rng).to_ascii_uppercase()
}

/// An access key id: `AKIA` (long-term) or `ASIA` (session) and 16 base-32 characters.
pub fn access_key(rng: &mut impl Rng, prefix: &str) -> String {
    prefixed(rng, prefix, KEY_CHARS, 16)
}

/// A unique principal id such as `AIDA...` (user) or `AROA...` (role).
pub fn principal_id(rng: &mut impl Rng, prefix: &str) -> String {
    prefixed(rng, prefix, PRINCIPAL_CHARS, 17)
}

/// An EC2-style id: `i-`, `vol-`, `sg-` ... followed by 17 hex digits.
pub fn resource_id(rng: &mut impl Rng, prefix: &str) -> String {
    prefixed(rng, prefix, HEX, 17)
}

pub fn hex(rng: &mut impl Rng, n: usize) -> String {
    prefixed(rng, "", HEX, n)
}

pub fn alnum(rng: &mut impl Rng, n: usize) -> String {
    prefixed(rng, "", ALNUM, n)
}

pub fn upper_alnum(rng: &mut impl Rng, n: usize) -> String {
    prefixed(rng, "", UPPER_ALNUM, n)
}

pub fn base64(rng: &mut impl Rng, n: usize) -> String {
    prefixed(rng, "", BASE64, n)
}

/// `n` decimal digits, the first one non-zero.
pub fn digits(rng: &mut impl Rng, n: usize) -> String {
    let mut out = String::with_capacity(n);
    for i in 0..n {
        let low = if i == 0 { 1 } else { 0 };
        out.push(char::from(b'0' + rng.random_range(low..10u8)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant() {
        let mut rng = SmallRng::seed_from_u64(7);
        for _ in 0..100 {
            let id = uuid(&mut rng);
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        }
    }

    #[test]
    fn stable_rng_repeats() {
        let a = access_key(&mut stable_rng(1, &["x", "y"]), "ASIA");
        let b = access_key(&mut stable_rng(1, &["x", "y"]), "ASIA");
        let c = access_key(&mut stable_rng(1, &["xy", ""]), "ASIA");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 20);
    }
}
