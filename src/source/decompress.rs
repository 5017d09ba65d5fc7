//! Streams a gzip body member by member. A damaged member costs only itself: decoding resumes at
//! the next member header, and the damage is reported as a [`Damage`] read error once (reading
//! again goes on after it), so the complete records around it can still be ingested.
use std::io::{BufRead, Read};

use flate2::bufread::GzDecoder;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Magic plus the only compression method gzip defines (deflate): where a member can start.
const MEMBER_START: [u8; 3] = [0x1f, 0x8b, 0x08];

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// The error a [`GzipMembers`] read returns where the stream is damaged.
#[derive(Debug)]
pub struct Damage(String);

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Damage {}

impl Damage {
    /// The damage message when `error` reports damage rather than a failure to read.
    pub fn message(error: &std::io::Error) -> Option<String> {
        error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Damage>())
            .map(|damage| damage.0.clone())
    }
}

/// The compressed input, buffered, counting what it has handed out (to name damaged ranges),
/// and able to look a few bytes ahead (to find a member header across two reads).
struct Counted<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    position: u64,
}

impl<R: Read> Counted<R> {
    fn new(inner: R) -> Counted<R> {
        Counted {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
            filled: 0,
            position: 0,
        }
    }

    /// At least `n` bytes buffered, unless the input ends first.
    fn fill_at_least(&mut self, n: usize) -> std::io::Result<&[u8]> {
        if self.filled - self.pos < n {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
            while self.filled < n {
                match self.inner.read(&mut self.buf[self.filled..]) {
                    Ok(0) => break,
                    Ok(read) => self.filled += read,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.filled])
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.fill_at_least(1)
    }

    fn consume(&mut self, amount: usize) {
        let amount = amount.min(self.filled - self.pos);
        self.pos += amount;
        self.position += amount as u64;
    }
}

enum State<R> {
    Member(Box<GzDecoder<Counted<R>>>),
    Between(Counted<R>),
    Done,
}

/// Where damage began, until decoding has resumed (or the input ended) and it can be reported.
struct Damaged {
    from: u64,
    decoded: u64,
    error: String,
}

pub struct GzipMembers<R> {
    state: State<R>,
    member_start: u64,
    decoded: u64,
    damaged: Option<Damaged>,
    /// Bytes decoded after damage, handed out once the damage has been reported.
    held: Vec<u8>,
}

impl<R: Read> GzipMembers<R> {
    pub fn new(input: R) -> GzipMembers<R> {
        GzipMembers {
            state: State::Between(Counted::new(input)),
            member_start: 0,
            decoded: 0,
            damaged: None,
            held: Vec::new(),
        }
    }

    fn note_damage(&mut self, from: u64, error: String) {
        self.damaged.get_or_insert(Damaged {
            from,
            decoded: self.decoded,
            error,
        });
    }

    /// The damage found, as the error to report now that decoding resumed at `resumed_at`
    /// (`None`: the input ended first).
    fn report(&mut self, resumed_at: Option<u64>) -> Option<std::io::Error> {
        let damaged = self.damaged.take()?;
        let message = match resumed_at {
            Some(at) => format!(
                "gzip stream is corrupt or truncated ({}) in compressed bytes {}..{} (after {} decompressed bytes); decoding resumed at the next gzip member, records in the damaged range are lost",
                damaged.error, damaged.from, at, damaged.decoded
            ),
            None => format!(
                "gzip stream is corrupt or truncated ({}) at compressed byte {} (after {} decompressed bytes); records after that point are lost",
                damaged.error, damaged.from, damaged.decoded
            ),
        };
        Some(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            Damage(message),
        ))
    }
}

/// Skips to the next place a gzip member could start; false at the end of the input.
fn seek_member<R: Read>(input: &mut Counted<R>) -> std::io::Result<bool> {
    loop {
        let buf = input.fill_at_least(MEMBER_START.len())?;
        if buf.len() < MEMBER_START.len() {
            let rest = buf.len();
            input.consume(rest);
            return Ok(false);
        }
        match memchr::memmem::find(buf, &MEMBER_START) {
            Some(at) => {
                input.consume(at);
                return Ok(true);
            }
            // Keep the last bytes: a header may straddle two reads.
            None => {
                let skip = buf.len() - (MEMBER_START.len() - 1);
                input.consume(skip);
            }
        }
    }
}

impl<R: Read> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.held.is_empty() {
            let n = self.held.len().min(buf.len());
            buf[..n].copy_from_slice(&self.held[..n]);
            self.held.drain(..n);
            return Ok(n);
        }
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => {
                    return match self.report(None) {
                        Some(damage) => Err(damage),
                        None => Ok(0),
                    }
                }
                State::Member(mut decoder) => match decoder.read(buf) {
                    Ok(0) => self.state = State::Between(decoder.into_inner()),
                    Ok(n) => {
                        self.decoded += n as u64;
                        self.state = State::Member(decoder);
                        if let Some(damage) = self.report(Some(self.member_start)) {
                            // Report the damage first; these bytes come with the next read.
                            self.held.extend_from_slice(&buf[..n]);
                            return Err(damage);
                        }
                        return Ok(n);
                    }
                    Err(e) => {
                        let mut input = decoder.into_inner();
                        self.note_damage(self.member_start, e.to_string());
                        if input.position == self.member_start {
                            // Step past this header so that the search finds the next one.
                            input.consume(1);
                        }
                        self.state = State::Between(input);
                    }
                },
                State::Between(mut input) => {
                    if self.damaged.is_some() && !seek_member(&mut input)? {
                        continue;
                    }
                    let head = input.fill_at_least(GZIP_MAGIC.len())?;
                    if head.is_empty() {
                        self.state = State::Done;
                    } else if head.starts_with(&GZIP_MAGIC) || head.len() < 2 {
                        self.member_start = input.position;
                        self.state = State::Member(Box::new(GzDecoder::new(input)));
                    } else {
                        self.note_damage(input.position, "data that is not gzip".into());
                        self.state = State::Between(input);
                    }
                }
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

    /// Everything decoded, and the damage reported on the way.
    fn gunzip(bytes: &[u8]) -> (Vec<u8>, Vec<String>) {
        let mut reader = GzipMembers::new(bytes);
        let (mut out, mut damage) = (Vec::new(), Vec::new());
        let mut chunk = [0u8; 100];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => return (out, damage),
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) => damage.push(Damage::message(&e).expect("damage, not a failure")),
            }
        }
    }

    #[test]
    fn whole_and_concatenated_members_decode() {
        let mut both = gz(b"hello ");
        both.extend(gz(b"world"));
        assert_eq!(gunzip(&both), (b"hello world".to_vec(), vec![]));
    }

    #[test]
    fn truncated_stream_keeps_the_decoded_prefix() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let full = gz(&data);
        let (partial, damage) = gunzip(&full[..full.len() / 2]);
        assert_eq!(damage.len(), 1);
        assert!(damage[0].starts_with("gzip stream is corrupt or truncated"));
        assert!(damage[0].contains("records after that point are lost"));
        assert!(!partial.is_empty() && data.starts_with(&partial));
    }

    #[test]
    fn a_corrupt_middle_member_costs_only_itself() {
        let first: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let middle: Vec<u8> = (0..50_000u32).flat_map(|i| (i * 7).to_be_bytes()).collect();
        let mut input = gz(&first);
        let middle_start = input.len();
        let mut damaged = gz(&middle);
        let cut = damaged.len() / 2;
        damaged[cut..cut + 64].fill(0xa5);
        input.extend(&damaged);
        input.extend(gz(b"the last member"));
        let (out, damage) = gunzip(&input);
        assert!(out.starts_with(&first));
        assert!(
            out.ends_with(b"the last member"),
            "the member after the damage is read"
        );
        assert_eq!(damage.len(), 1, "{damage:?}");
        assert!(
            damage[0].contains(&format!("in compressed bytes {middle_start}..")),
            "{}",
            damage[0]
        );
        assert!(damage[0].contains("decoding resumed at the next gzip member"));
    }

    #[test]
    fn garbage_after_the_members_is_reported() {
        let mut input = gz(b"kept");
        input.extend(b"not gzip at all");
        let (out, damage) = gunzip(&input);
        assert_eq!(out, b"kept");
        assert_eq!(damage.len(), 1);
        assert!(damage[0].contains("data that is not gzip"), "{}", damage[0]);
    }
}
