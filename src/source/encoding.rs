//! What a raw stream decodes to before its JSON is read: gzip is decompressed member by member,
//! and UTF-16 (with a byte order mark, as PowerShell 5.1's `>` writes) is transcoded to UTF-8.
use std::io::{Cursor, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::decompress::{is_gzip, GzipMembers};

/// Sees every byte of a stream once it is decompressed, before it is transcoded, and every
/// error met reading it: the integrity check hashes what the ingest reads, in the same pass.
pub trait Tap {
    fn bytes(&mut self, bytes: &[u8]);
    fn error(&mut self, error: &std::io::Error);
    /// The stream ended (after its last bytes and errors).
    fn end(&mut self);
}

/// The stream of JSON text in `reader`, read through whatever layers its first bytes call for;
/// `tap` sees the decompressed bytes.
pub fn decoded<'r>(reader: impl Read + 'r, tap: Option<&'r mut dyn Tap>) -> Box<dyn Read + 'r> {
    let (head, reader) = peek(reader);
    let body: Box<dyn Read + 'r> = match is_gzip(head.first_bytes()) {
        true => Box::new(GzipMembers::new(head.chain(reader))),
        false => Box::new(head.chain(reader)),
    };
    let body = match tap {
        Some(tap) => Box::new(Tapped { inner: body, tap }),
        None => body,
    };
    let (head, body) = peek(body);
    by_encoding(head, body)
}

struct Tapped<'r, R> {
    inner: R,
    tap: &'r mut dyn Tap,
}

impl<R: Read> Read for Tapped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() => {
                self.tap.end();
                Ok(0)
            }
            Ok(n) => {
                self.tap.bytes(&buf[..n]);
                Ok(n)
            }
            Err(e) => {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    self.tap.error(&e);
                }
                Err(e)
            }
        }
    }
}

fn by_encoding<'r>(head: Head, reader: impl Read + 'r) -> Box<dyn Read + 'r> {
    let bytes = head.first_bytes();
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    let whole = head.chain(reader);
    if utf16 {
        Box::new(
            DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .build(whole),
        )
    } else {
        Box::new(whole)
    }
}

/// The first bytes of a stream, and the error that stopped reading them, if one did; read
/// again, in order, ahead of the rest of the stream.
struct Head {
    bytes: Cursor<Vec<u8>>,
    error: Option<std::io::Error>,
}

impl Head {
    fn first_bytes(&self) -> &[u8] {
        self.bytes.get_ref()
    }
}

impl Read for Head {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.bytes.read(buf)? {
            0 => self.error.take().map_or(Ok(0), Err),
            n => Ok(n),
        }
    }
}

/// Up to the first 4 bytes of `reader` (fewer at its end or at an error), and the reader after them.
fn peek<R: Read>(mut reader: R) -> (Head, R) {
    let mut head = [0u8; 4];
    let mut filled = 0;
    let mut error = None;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let head = Head {
        bytes: Cursor::new(head[..filled].to_vec()),
        error,
    };
    (head, reader)
}
