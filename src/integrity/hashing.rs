//! The SHA-256 of a file's decompressed bytes (gzipped or plain), streamed; and a digest file
//! read whole (it is small), hashed and parsed.
use std::io::{BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;

use super::digest::{DigestFile, Sha256};
use crate::source::{is_gzip, Tap};

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

/// The SHA-256 of a stream's decompressed bytes, taken as the ingest reads it.
#[derive(Default)]
pub struct HashingTap {
    hash: Sha256,
    failure: Option<String>,
    ended: bool,
}

impl Tap for HashingTap {
    fn bytes(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
    }

    fn error(&mut self, error: &std::io::Error) {
        self.failure
            .get_or_insert_with(|| format!("cannot decompress: {error}"));
    }

    fn end(&mut self) {
        self.ended = true;
    }
}

impl HashingTap {
    /// What [`hash_decompressed`] says of the stream; `None` when it was not read to its end.
    pub fn finish(self) -> Option<Result<String, String>> {
        match (self.failure, self.ended) {
            (Some(failure), _) => Some(Err(failure)),
            (None, true) => Some(Ok(self.hash.hex())),
            (None, false) => None,
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

    struct Discard;
    impl crate::source::RecordSink for Discard {
        fn record(&mut self, _: crate::source::SourceRecord<'_>) {}
        fn problem(&mut self, _: crate::source::Problem) {}
    }

    fn tapped(bytes: &[u8]) -> Option<Result<String, String>> {
        let mut tap = HashingTap::default();
        crate::source::read_records_tapped(bytes, "f", &mut Discard, Some(&mut tap));
        tap.finish()
    }

    /// Hashing while the records are read must say what hashing the file on its own says,
    /// including where the reader stops early (not CloudTrail) or passes over damage.
    #[test]
    fn a_hash_taken_while_reading_records_is_the_hash_of_the_file() {
        let trail = br#"{"Records":[{"eventID":"a","eventName":"X"},{"eventID":"b"}]}"#.to_vec();
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(
            String::from_utf8_lossy(&trail)
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let gzipped = gzip(&trail);
        let mut flipped = gzip(&trail.repeat(50));
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x55;
        let shapes: Vec<(&str, Vec<u8>)> = vec![
            ("plain", trail.clone()),
            ("gzipped", gzipped.clone()),
            (
                "two members",
                [gzip(&trail[..20]), gzip(&trail[20..])].concat(),
            ),
            ("UTF-16", utf16.clone()),
            ("gzipped UTF-16", gzip(&utf16)),
            (
                "not CloudTrail",
                br#"{"hello": "world"} and then some text"#.repeat(3000),
            ),
            ("empty", Vec::new()),
            ("empty gzip", gzip(b"")),
            ("cut", gzipped[..gzipped.len() - 6].to_vec()),
            ("junk after", [gzipped.clone(), b"junk".to_vec()].concat()),
            ("zeros after", [gzipped.clone(), vec![0; 100]].concat()),
            ("a flipped byte", flipped),
            ("gzip magic only", vec![0x1f, 0x8b]),
        ];
        for (shape, bytes) in shapes {
            let alone = hash_decompressed(&bytes[..]);
            let while_reading =
                tapped(&bytes).unwrap_or_else(|| panic!("{shape}: not read to its end"));
            match (&alone, &while_reading) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{shape}"),
                (Err(a), Err(b)) => {
                    assert!(a.starts_with("cannot decompress"), "{shape}: {a}");
                    assert!(b.starts_with("cannot decompress"), "{shape}: {b}");
                }
                _ => panic!("{shape}: alone {alone:?}, while reading {while_reading:?}"),
            }
        }
    }
}
