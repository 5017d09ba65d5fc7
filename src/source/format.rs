//! Recognises what a file holds by its content (not its name) and yields its records.
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::decompress::{gunzip, is_gzip};
use super::problem::{Problem, Severity};
use super::records::{parse_record, SourceRecord};
use super::salvage::{array_elements, find_array_of_key, skip_whitespace};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `{"Records":[...]}`: a trail log file (or an Insights file).
    Trail,
    /// `{"Events":[{"CloudTrailEvent":"..."}]}`: `aws cloudtrail lookup-events` output.
    LookupOutput,
    /// A bare JSON array of records.
    Array,
    /// One record per line (or a stream of concatenated records).
    JsonLines,
    /// A CloudTrail digest file: integrity data, no events.
    Digest,
    /// Empty, or JSON that is not CloudTrail, or not JSON at all.
    NotCloudTrail,
}

#[derive(Debug)]
pub struct FileReport {
    pub kind: FileKind,
    /// Records found, including rejected ones.
    pub records: usize,
    pub problems: Vec<Problem>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Events", borrow, default)]
    events: Option<Vec<&'a RawValue>>,
    #[serde(rename = "digestStartTime", default)]
    digest_start_time: Option<IgnoredAny>,
    #[serde(rename = "logFiles", default)]
    log_files: Option<IgnoredAny>,
}

/// Reads every record in `bytes` (gzipped or plain) and hands each good one to `emit`.
pub fn read_content(
    bytes: &[u8],
    file: &str,
    emit: &mut dyn FnMut(SourceRecord<'_>),
) -> FileReport {
    let mut reader = ContentReader {
        file,
        emit,
        records: 0,
        problems: Vec::new(),
    };
    let kind = if is_gzip(bytes) {
        let (plain, damage) = gunzip(bytes);
        if let Some(message) = damage {
            reader
                .problems
                .push(Problem::file(Severity::Rejected, file, message));
        }
        reader.read_plain(&plain)
    } else {
        reader.read_plain(bytes)
    };
    FileReport {
        kind,
        records: reader.records,
        problems: reader.problems,
    }
}

struct ContentReader<'f, 'e> {
    file: &'f str,
    emit: &'e mut dyn FnMut(SourceRecord<'_>),
    records: usize,
    problems: Vec<Problem>,
}

impl ContentReader<'_, '_> {
    fn read_plain(&mut self, bytes: &[u8]) -> FileKind {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let start = skip_whitespace(bytes, 0);
        match bytes.get(start) {
            Some(b'[') => {
                self.read_array(bytes, start);
                FileKind::Array
            }
            Some(b'{') => self.read_object_or_lines(bytes, start),
            _ => FileKind::NotCloudTrail,
        }
    }

    fn record(&mut self, bytes: &[u8]) {
        self.records += 1;
        let number = self.records;
        if let Some(record) = parse_record(bytes, number, self.file, &mut self.problems) {
            (self.emit)(record);
        }
    }

    fn read_object_or_lines(&mut self, bytes: &[u8], start: usize) -> FileKind {
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<Envelope>();
        match stream.next() {
            Some(Ok(envelope)) => {
                let trailing = skip_whitespace(bytes, start + stream.byte_offset()) < bytes.len();
                if let Some(records) = envelope.records {
                    self.warn_trailing(trailing);
                    records.iter().for_each(|r| self.record(r.get().as_bytes()));
                    FileKind::Trail
                } else if let Some(events) = envelope.events {
                    self.warn_trailing(trailing);
                    events.iter().for_each(|e| self.record(e.get().as_bytes()));
                    FileKind::LookupOutput
                } else if envelope.digest_start_time.is_some() && envelope.log_files.is_some() {
                    FileKind::Digest
                } else {
                    self.read_lines(bytes, start);
                    FileKind::JsonLines
                }
            }
            _ => self.salvage_object_or_lines(bytes, start),
        }
    }

    fn warn_trailing(&mut self, trailing: bool) {
        if trailing {
            self.problems.push(Problem::file(
                Severity::Warning,
                self.file,
                "data after the end of the JSON document was ignored",
            ));
        }
    }

    /// The document did not parse as a whole: find the array it holds and take it element by element.
    fn salvage_object_or_lines(&mut self, bytes: &[u8], start: usize) -> FileKind {
        let head = &bytes[start..bytes.len().min(start + 4096)];
        for (key, kind) in [
            ("Records", FileKind::Trail),
            ("Events", FileKind::LookupOutput),
        ] {
            let key_near_start = find_array_of_key(head, key).is_some();
            if let (true, Some(open)) = (key_near_start, find_array_of_key(bytes, key)) {
                self.read_array(bytes, open);
                return kind;
            }
        }
        self.read_lines(bytes, start);
        FileKind::JsonLines
    }

    fn read_array(&mut self, bytes: &[u8], open: usize) {
        for element in array_elements(bytes, open) {
            if element.complete {
                self.record(&bytes[element.range]);
            } else {
                self.records += 1;
                self.problems.push(Problem::record(
                    Severity::Rejected,
                    self.file,
                    self.records,
                    "cut off by the end of the file",
                ));
            }
        }
    }

    /// JSON Lines, or any stream of concatenated records. After a bad record, reading resumes at
    /// the next line that starts a new object.
    fn read_lines(&mut self, bytes: &[u8], mut at: usize) {
        loop {
            at = skip_whitespace(bytes, at);
            if at >= bytes.len() {
                return;
            }
            let mut stream =
                serde_json::Deserializer::from_slice(&bytes[at..]).into_iter::<&RawValue>();
            match stream.next() {
                Some(Ok(raw)) => {
                    self.record(raw.get().as_bytes());
                    at += stream.byte_offset();
                }
                _ => {
                    let end = next_object_line(bytes, at);
                    self.record(trim(&bytes[at..end]));
                    at = end;
                }
            }
        }
    }
}

/// Start of the next line (after `from`) whose first non-blank byte opens an object.
fn next_object_line(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(newline) = bytes[at..].iter().position(|&b| b == b'\n') {
        at += newline + 1;
        let first = bytes[at..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r'));
        if first.is_some_and(|offset| bytes[at + offset] == b'{') {
            return at;
        }
    }
    bytes.len()
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = skip_whitespace(bytes, 0);
    let mut end = bytes.len();
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (FileKind, Vec<String>, Vec<String>) {
        let mut ids = Vec::new();
        let report = read_content(bytes, "f", &mut |r| ids.push(r.event_id.clone()));
        let problems = report.problems.iter().map(|p| p.to_string()).collect();
        (report.kind, ids, problems)
    }

    #[test]
    fn recognises_every_shape_by_content() {
        let trail =
            br#"{"Records":[{"eventID":"a","eventName":"X"},{"eventID":"b","eventName":"X"}]}"#;
        assert_eq!(
            read(trail),
            (FileKind::Trail, vec!["a".into(), "b".into()], vec![])
        );
        let lines =
            b"{\"eventID\":\"a\",\"eventName\":\"X\"}\n{\"eventID\":\"b\",\"eventName\":\"X\"}\n";
        assert_eq!(read(lines).0, FileKind::JsonLines);
        assert_eq!(read(lines).1, ["a", "b"]);
        let array = br#" [ {"eventID":"a","eventName":"X"} ]"#;
        assert_eq!(read(array).0, FileKind::Array);
        let lookup = br#"{"Events":[{"EventId":"a","EventTime":"2026-11-01T08:00:00+00:00","CloudTrailEvent":"{\"eventID\":\"a\",\"eventName\":\"X\"}"},
            {"EventId":"b","EventTime":1761984000.0,"CloudTrailEvent":"{\"eventID\":\"b\",\"eventName\":\"X\"}"}],"NextToken":"x"}"#;
        assert_eq!(
            read(lookup),
            (FileKind::LookupOutput, vec!["a".into(), "b".into()], vec![])
        );
        let digest = br#"{"awsAccountId":"1","digestStartTime":"x","logFiles":[]}"#;
        assert_eq!(read(digest).0, FileKind::Digest);
        assert_eq!(read(b"hello").0, FileKind::NotCloudTrail);
        assert_eq!(read(b"").0, FileKind::NotCloudTrail);
    }

    #[test]
    fn a_bad_record_in_a_trail_file_costs_only_itself() {
        let trail = br#"{"Records":[{"eventID":"a","eventName":"X"},{"eventID":},{"eventID":"c","eventName":"X"},7]}"#;
        let (kind, ids, problems) = read(trail);
        assert_eq!(kind, FileKind::Trail);
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("rejected: f: record 2: invalid JSON"));
        assert_eq!(
            problems[1],
            "rejected: f: record 4: not a JSON object (found a number)"
        );
    }

    #[test]
    fn a_bad_line_costs_only_itself() {
        let lines = b"{\"eventID\":\"a\",\"eventName\":\"X\"}\n{\"eventID\": nope}\n{\"eventID\":\"c\",\"eventName\":\"X\"}\n";
        let (_, ids, problems) = read(lines);
        assert_eq!(ids, ["a", "c"]);
        assert!(problems[0].starts_with("rejected: f: record 2: invalid JSON"));
    }

    #[test]
    fn truncated_trail_keeps_complete_records() {
        let trail = br#"{"Records":[{"eventID":"a","eventName":"X"},{"eventID":"b","eventName":"X"},{"eventID":"c","eventN"#;
        let (_, ids, problems) = read(trail);
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            problems,
            ["rejected: f: record 3: cut off by the end of the file"]
        );
    }
}
