use std::io::Read;

use flate2::read::MultiGzDecoder;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Decompresses a gzip body. A corrupt or truncated stream keeps what decoded before the damage,
/// so the complete records in it can still be ingested; the error says where it stopped.
pub fn gunzip(bytes: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut out = Vec::with_capacity(bytes.len() * 8);
    let mut decoder = MultiGzDecoder::new(bytes);
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        match decoder.read(&mut chunk) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) => {
                let message = format!(
                    "gzip stream is corrupt or truncated after {} decompressed bytes ({e}); records after that point are lost",
                    out.len()
                );
                return (out, Some(message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn whole_and_concatenated_members_decode() {
        let mut both = gz(b"hello ");
        both.extend(gz(b"world"));
        assert_eq!(gunzip(&both), (b"hello world".to_vec(), None));
    }

    #[test]
    fn truncated_stream_keeps_the_decoded_prefix() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let full = gz(&data);
        let (partial, error) = gunzip(&full[..full.len() / 2]);
        assert!(error.unwrap().contains("truncated"));
        assert!(!partial.is_empty() && data.starts_with(&partial));
    }
}
