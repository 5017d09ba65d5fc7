//! The SHA-256 of a file's decompressed bytes (gzipped or plain), streamed; and a digest file
//! read whole (it is small), hashed and parsed.
use std::io::{BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;

use super::digest::{DigestFile, Sha256};
use crate::source::is_gzip;

/// A digest is a few KB; one larger than this is not a digest (nor read whole).
const MAX_DIGEST_BYTES: u64 = 64 << 20;

/// The stream decompressed when it starts with gzip's magic bytes, else as it is.
fn decompressed<'a>(reader: impl Read + 'a) -> Result<Box<dyn Read + 'a>, String> {
    let mut reader = BufReader::with_capacity(256 << 10, reader);
    let start = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    Ok(match is_gzip(start) {
        true => Box::new(MultiGzDecoder::new(reader)),
        false => Box::new(reader),
    })
}

/// SHA-256 (hex) of what `reader` holds, decompressed.
pub fn hash_decompressed(reader: impl Read) -> Result<String, String> {
    let mut reader = decompressed(reader)?;
    let mut hash = Sha256::default();
    let mut buffer = vec![0u8; 256 << 10];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hash.hex()),
            Ok(n) => hash.update(&buffer[..n]),
            Err(e) => return Err(format!("cannot decompress: {e}")),
        }
    }
}

/// A digest's SHA-256 (empty when it cannot be read) and its content, or why it is not one.
pub fn read_digest(reader: impl Read) -> (String, Result<DigestFile, String>) {
    let mut bytes = Vec::new();
    let read = decompressed(reader).and_then(|reader| {
        reader
            .take(MAX_DIGEST_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot decompress: {e}"))
    });
    match read {
        Err(reason) => (String::new(), Err(reason)),
        Ok(_) if bytes.len() as u64 > MAX_DIGEST_BYTES => (
            String::new(),
            Err(format!(
                "over {} MiB decompressed: not a digest",
                MAX_DIGEST_BYTES >> 20
            )),
        ),
        Ok(_) => {
            let mut hash = Sha256::default();
            hash.update(&bytes);
            (hash.hex(), DigestFile::parse(&bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzipped_and_plain_bytes_hash_the_same_and_a_cut_gzip_is_an_error() {
        let plain = b"{\"Records\":[]}".repeat(1000);
        let gzipped = gzip(&plain);
        assert_eq!(
            hash_decompressed(&gzipped[..]).unwrap(),
            hash_decompressed(&plain[..]).unwrap()
        );
        assert!(hash_decompressed(&gzipped[..gzipped.len() / 2])
            .unwrap_err()
            .starts_with("cannot decompress"));
        let (hash, digest) = read_digest(&gzip(b"[1,2]")[..]);
        assert_eq!(hash.len(), 64);
        assert!(digest.is_err());
    }
}
