//! What a raw stream decodes to before its JSON is read: gzip is decompressed member by member,
//! and UTF-16 (with a byte order mark, as PowerShell 5.1's `>` writes) is transcoded to UTF-8.
use std::io::{Cursor, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::decompress::{is_gzip, GzipMembers};

/// The stream of JSON text in `reader`, read through whatever layers its first bytes call for.
pub fn decoded<'r>(reader: impl Read + 'r) -> Box<dyn Read + 'r> {
    let (head, reader) = peek(reader);
    if !is_gzip(head.first_bytes()) {
        return by_encoding(head, reader);
    }
    let (head, reader) = peek(GzipMembers::new(head.chain(reader)));
    by_encoding(head, reader)
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
