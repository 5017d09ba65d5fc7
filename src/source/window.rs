//! A sliding window over a byte stream: the framing code looks ahead as far as one record needs,
//! then consumes it, so memory stays bounded by the largest record rather than the input.
use std::io::{ErrorKind, Read};

use super::decompress::Damage;

const CHUNK: usize = 256 * 1024;

/// Why the window cannot grow right now.
#[derive(Debug)]
pub enum Stop {
    /// The end of the input.
    End,
    /// The input is damaged here (a gzip member); reading can go on after [`Window::take_damage`].
    Damage(String),
    /// The input could not be read any further.
    Failed(std::io::Error),
}

pub struct Window<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    stop: Option<Stop>,
}

impl<R: Read> Window<R> {
    pub fn new(reader: R) -> Window<R> {
        Window {
            reader,
            buf: Vec::new(),
            start: 0,
            end: 0,
            stop: None,
        }
    }

    /// The bytes read and not yet consumed.
    pub fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    pub fn consume_all(&mut self) {
        self.start = self.end;
    }

    /// Reads the rest of the stream, passing over damage, and drops it.
    pub fn drain(&mut self) {
        loop {
            self.consume_all();
            if !self.fill() && self.take_damage().is_none() {
                return;
            }
        }
    }

    /// The byte at `offset` from the first unconsumed one, reading more as needed.
    pub fn byte_at(&mut self, offset: usize) -> Option<u8> {
        while self.start + offset >= self.end {
            if !self.fill() {
                return None;
            }
        }
        Some(self.buf[self.start + offset])
    }

    /// Offset of the first non-whitespace byte at or after `offset` (or the end of what is read).
    pub fn skip_whitespace(&mut self, mut offset: usize) -> usize {
        while let Some(byte) = self.byte_at(offset) {
            if !byte.is_ascii_whitespace() {
                break;
            }
            offset += 1;
        }
        offset
    }

    /// Consumes whitespace; returns the next byte without consuming it.
    pub fn next_non_blank(&mut self) -> Option<u8> {
        let at = self.skip_whitespace(0);
        self.consume(at);
        self.byte_at(0)
    }

    /// Reads more bytes; false when nothing more can be read until the stop is taken.
    pub fn fill(&mut self) -> bool {
        if self.stop.is_some() {
            return false;
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.end + CHUNK > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end + CHUNK > self.buf.len() {
            self.buf.resize(self.end + CHUNK, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.stop = Some(Stop::End);
                    return false;
                }
                Ok(n) => {
                    self.end += n;
                    return true;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.stop = Some(match Damage::message(&e) {
                        Some(message) => Stop::Damage(message),
                        None => Stop::Failed(e),
                    });
                    return false;
                }
            }
        }
    }

    /// Whether reading stopped for good, or only at damage that can be passed over.
    pub fn at_end(&self) -> bool {
        matches!(self.stop, Some(Stop::End | Stop::Failed(_)))
    }

    /// The damage reading stopped at, clearing it so that reading goes on after it.
    pub fn take_damage(&mut self) -> Option<String> {
        match self.stop.take() {
            Some(Stop::Damage(message)) => Some(message),
            other => {
                self.stop = other;
                None
            }
        }
    }

    /// The read error that ended the input, once.
    pub fn take_failure(&mut self) -> Option<std::io::Error> {
        match self.stop.take() {
            Some(Stop::Failed(e)) => {
                self.stop = Some(Stop::End);
                Some(e)
            }
            other => {
                self.stop = other;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_ahead_and_consumes_across_chunks() {
        let data: Vec<u8> = (0..3 * CHUNK).map(|i| (i % 251) as u8).collect();
        let mut window = Window::new(&data[..]);
        assert_eq!(window.byte_at(CHUNK + 5), Some(((CHUNK + 5) % 251) as u8));
        window.consume(CHUNK);
        assert_eq!(window.byte_at(0), Some((CHUNK % 251) as u8));
        assert_eq!(window.byte_at(2 * CHUNK - 1), Some(data[3 * CHUNK - 1]));
        assert_eq!(window.byte_at(2 * CHUNK), None);
        assert!(window.at_end());
    }
}
