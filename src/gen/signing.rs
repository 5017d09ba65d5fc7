//! Signs synthetic digests as CloudTrail signs real ones (RSA PKCS#1 v1.5 with SHA-256), with a
//! throwaway key shipped for the purpose, and writes its public key as a keyring.
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine;

use crate::integrity::digest::sha256_hex;
use crate::integrity::keyring::{Keyring, PublicKey};

static KEY: &[u8] = include_bytes!("../../assets/gen/digest-signing-key.p8.der");

pub struct Signer {
    key: RsaKeyPair,
    /// Names the key in digests and the keyring.
    pub fingerprint: String,
}

impl Signer {
    pub fn new() -> anyhow::Result<Signer> {
        let key = RsaKeyPair::from_pkcs8(KEY)
            .map_err(|e| anyhow::anyhow!("the generator's signing key is unusable: {e}"))?;
        let fingerprint = sha256_hex(key.public_key().as_ref())[..32].to_owned();
        Ok(Signer { key, fingerprint })
    }

    /// The signature of `message`, in hex as the `signature` S3 metadata holds it.
    pub fn sign(&self, message: &[u8]) -> anyhow::Result<String> {
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("signing a digest failed"))?;
        Ok(hex::encode(signature))
    }

    /// The public key (PKCS#1 DER, as ListPublicKeys gives it) valid over `from..to`.
    pub fn keyring(&self, from: &str, to: &str) -> Keyring {
        Keyring {
            keys: vec![PublicKey {
                value: base64::engine::general_purpose::STANDARD
                    .encode(self.key.public_key().as_ref()),
                fingerprint: self.fingerprint.clone(),
                validity_start: Some(from.into()),
                validity_end: Some(to.into()),
            }],
            ..Keyring::default()
        }
    }
}
