//! CloudTrail's public keys, as `aws cloudtrail list-public-keys` prints them (and as
//! ListPublicKeys returns them), found by the fingerprint a digest names.
use std::path::Path;

use aws_lc_rs::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The file a keyring is saved in beside the index, for later offline runs.
pub const SAVED_KEYRING: &str = "public-keys.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyring {
    #[serde(rename = "PublicKeyList")]
    pub keys: Vec<PublicKey>,
    /// Regions whose keys ListPublicKeys gave in this run, for the digests' times: a key it did
    /// not give there is not CloudTrail's.
    #[serde(skip)]
    pub complete_for: std::collections::BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// The DER key, base64: PKCS#1 `RSAPublicKey` or `SubjectPublicKeyInfo`.
    #[serde(rename = "Value")]
    pub value: String,
    #[serde(rename = "Fingerprint")]
    pub fingerprint: String,
    #[serde(rename = "ValidityStartTime", default)]
    pub validity_start: Option<serde_json::Value>,
    #[serde(rename = "ValidityEndTime", default)]
    pub validity_end: Option<serde_json::Value>,
}

/// What checking one signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    Valid,
    /// The signature does not verify (the message says whether the key or the hex was bad).
    Invalid(String),
    /// No key with this fingerprint.
    NoKey,
}

impl Keyring {
    pub fn parse(text: &str) -> Result<Keyring, String> {
        let keyring: Keyring = serde_json::from_str(text).map_err(|e| {
            format!("not the JSON `aws cloudtrail list-public-keys` prints ({{\"PublicKeyList\": [...]}}): {e}")
        })?;
        for key in &keyring.keys {
            base64::engine::general_purpose::STANDARD
                .decode(key.value.trim())
                .map_err(|e| format!("key {}: Value is not base64: {e}", key.fingerprint))?;
        }
        Ok(keyring)
    }

    pub fn load(path: &Path) -> Result<Keyring, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Keyring::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Adds the keys of `other` not already held.
    pub fn merge(&mut self, other: Keyring) {
        self.complete_for.extend(other.complete_for);
        for key in other.keys {
            if !self.keys.iter().any(|k| k.fingerprint == key.fingerprint) {
                self.keys.push(key);
            }
        }
    }

    /// Checks `signature_hex` over `message` with the key named `fingerprint`.
    pub fn check(&self, fingerprint: &str, message: &[u8], signature_hex: &str) -> SignatureCheck {
        let Some(key) = self
            .keys
            .iter()
            .find(|key| key.fingerprint == fingerprint)
            .and_then(|key| {
                base64::engine::general_purpose::STANDARD
                    .decode(key.value.trim())
                    .ok()
            })
        else {
            return SignatureCheck::NoKey;
        };
        let Ok(signature) = hex::decode(signature_hex.trim()) else {
            return SignatureCheck::Invalid("the signature is not hex".into());
        };
        match UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key).verify(message, &signature)
        {
            Ok(()) => SignatureCheck::Valid,
            Err(_) => SignatureCheck::Invalid(format!(
                "the signature does not verify with key {fingerprint}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_is_the_list_public_keys_json_and_names_what_is_wrong() {
        let keyring = Keyring::parse(
            r#"{"PublicKeyList":[{"Value":"AAAA","ValidityStartTime":"2026-01-01T00:00:00+00:00",
                "ValidityEndTime":1798761600.0,"Fingerprint":"ab"}]}"#,
        )
        .unwrap();
        assert_eq!(keyring.keys[0].fingerprint, "ab");
        assert_eq!(keyring.check("cd", b"m", "00"), SignatureCheck::NoKey);
        assert!(matches!(
            keyring.check("ab", b"m", "zz"),
            SignatureCheck::Invalid(_)
        ));
        assert!(Keyring::parse("{}").unwrap_err().contains("PublicKeyList"));
        assert!(Keyring::parse("[]").is_err());
        assert!(
            Keyring::parse(r#"{"PublicKeyList":[{"Value":"!","Fingerprint":"x"}]}"#)
                .unwrap_err()
                .contains("not base64")
        );
    }
}
