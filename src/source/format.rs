//! Recognises what a stream holds by its content (not its name) and yields its records one by
//! one as it reads, so memory is bounded by the largest record, never by the input.
use std::io::Read;

use super::encoding::{decoded, Tap};
use super::key_case::RESTORED_NOTE;
use super::problem::{Problem, Severity};
use super::records::{parse_record, SourceRecord};
use super::salvage::{next_object_line, trim, Scan, Scanned, Until};
use super::window::Window;

/// The largest single record read; a bigger one is rejected and reading goes on after it.
/// CloudTrail records are at most 256 KB, so this leaves room for any real one.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

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
}

/// Where the records and problems of one stream go, as they are read.
pub trait RecordSink {
    fn record(&mut self, record: SourceRecord<'_>);
    fn problem(&mut self, problem: Problem);
    /// True when nothing more is wanted: reading stops at the next record.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Reads every record of `reader` (gzipped or plain; UTF-8, or UTF-16 with a byte order mark),
/// handing each good one and every problem to `sink` as it goes.
pub fn read_records<'r>(
    reader: impl Read + 'r,
    file: &str,
    sink: &mut dyn RecordSink,
) -> FileReport {
    read_records_tapped(reader, file, sink, None)
}

/// As [`read_records`], with `tap` seeing the decompressed stream to its end, past where its
/// records stop, unless the sink cancels.
pub fn read_records_tapped<'r>(
    reader: impl Read + 'r,
    file: &str,
    sink: &mut dyn RecordSink,
    tap: Option<&'r mut dyn Tap>,
) -> FileReport {
    let tapped = tap.is_some();
    let mut framer = Framer {
        window: Window::new(decoded(reader, tap)),
        out: Output {
            file,
            sink,
            records: 0,
            problems: Vec::new(),
            said_key_case: false,
        },
    };
    let kind = framer.read();
    if tapped && !framer.out.sink.cancelled() {
        framer.window.drain();
    }
    FileReport {
        kind,
        records: framer.out.records,
    }
}

/// The records of a whole in-memory input, with their problems collected: for tests and small inputs.
pub fn read_content(
    bytes: &[u8],
    file: &str,
    emit: &mut dyn FnMut(SourceRecord<'_>),
) -> (FileReport, Vec<Problem>) {
    struct Collect<'e> {
        emit: &'e mut dyn FnMut(SourceRecord<'_>),
        problems: Vec<Problem>,
    }
    impl RecordSink for Collect<'_> {
        fn record(&mut self, record: SourceRecord<'_>) {
            (self.emit)(record)
        }
        fn problem(&mut self, problem: Problem) {
            self.problems.push(problem)
        }
    }
    let mut collect = Collect {
        emit,
        problems: Vec::new(),
    };
    let report = read_records(bytes, file, &mut collect);
    (report, collect.problems)
}

struct Output<'f, 's> {
    file: &'f str,
    sink: &'s mut dyn RecordSink,
    records: usize,
    problems: Vec<Problem>,
    /// The note that keys were read in CloudTrail's case is said once per file, not per record.
    said_key_case: bool,
}

impl Output<'_, '_> {
    fn record(&mut self, bytes: &[u8]) {
        self.records += 1;
        if let Some(record) = parse_record(bytes, self.records, self.file, &mut self.problems) {
            self.sink.record(record);
        }
        for problem in self.problems.drain(..) {
            if problem.record.is_none() && problem.message == RESTORED_NOTE {
                if self.said_key_case {
                    continue;
                }
                self.said_key_case = true;
            }
            self.sink.problem(problem);
        }
    }

    fn rejected(&mut self, message: &str) {
        self.records += 1;
        let problem = Problem::record(Severity::Rejected, self.file, self.records, message);
        self.sink.problem(problem);
    }

    fn file_problem(&mut self, severity: Severity, message: impl Into<String>) {
        self.sink
            .problem(Problem::file(severity, self.file, message));
    }
}

fn too_large() -> String {
    format!(
        "larger than the {} MiB limit for one record; skipped",
        MAX_RECORD_BYTES >> 20
    )
}

/// How a scan for the end of one value came out.
enum Framed {
    /// The value ends at this offset (see [`Scanned::End`]).
    End { at: usize, closes: bool },
    /// The input stopped (its end, or damage) inside the value.
    Stopped,
    /// The value is longer than [`MAX_RECORD_BYTES`]; the scan so far, to skip the rest.
    TooLarge { scan: Scan, scanned: usize },
}

/// What the first object of a document turned out to be.
enum Opening {
    /// A trail or lookup-events envelope: the array of `key` opens at this offset.
    Envelope { key: Envelope, open: usize },
    /// A whole object with no envelope array; `digest` when it has a digest file's keys.
    Object { digest: bool },
    /// Not an object whose keys can be walked (damaged, cut off, or too large).
    Unreadable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Envelope {
    Records,
    Events,
}

impl Envelope {
    fn of_key(key: &[u8]) -> Option<Envelope> {
        match key {
            b"Records" => Some(Envelope::Records),
            b"Events" => Some(Envelope::Events),
            _ => None,
        }
    }

    fn kind(self) -> FileKind {
        match self {
            Envelope::Records => FileKind::Trail,
            Envelope::Events => FileKind::LookupOutput,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Envelope::Records => "Records",
            Envelope::Events => "Events",
        }
    }
}

struct Framer<'f, 's, R> {
    window: Window<R>,
    out: Output<'f, 's>,
}

impl<R: Read> Framer<'_, '_, R> {
    /// Reads document after document until the input ends; the first one names the kind.
    fn read(&mut self) -> FileKind {
        let mut kind = None;
        loop {
            if self.out.sink.cancelled() {
                break;
            }
            self.skip_byte_order_mark();
            let Some(first) = self.window.next_non_blank() else {
                if self.stopped_for_good() {
                    break;
                }
                continue;
            };
            let this = match first {
                b'[' => {
                    self.window.consume(1);
                    self.read_array(b']');
                    FileKind::Array
                }
                b'{' => match self.read_object_document() {
                    Some(kind) => kind,
                    None => break,
                },
                _ if kind.is_none() => {
                    // Not JSON: say so without reading on (the input may never end).
                    kind = Some(FileKind::NotCloudTrail);
                    break;
                }
                _ => {
                    self.read_lines();
                    FileKind::JsonLines
                }
            };
            kind.get_or_insert(this);
            if this == FileKind::Digest {
                break;
            }
        }
        kind.unwrap_or(FileKind::NotCloudTrail)
    }

    /// Reports damage and read failures; true when nothing more can be read.
    fn stopped_for_good(&mut self) -> bool {
        if let Some(message) = self.window.take_damage() {
            self.out.file_problem(Severity::Rejected, message);
            return false;
        }
        if let Some(error) = self.window.take_failure() {
            self.out
                .file_problem(Severity::Rejected, format!("cannot read: {error}"));
        }
        self.window.at_end()
    }

    fn skip_byte_order_mark(&mut self) {
        if self.window.byte_at(0) == Some(0xef)
            && self.window.byte_at(1) == Some(0xbb)
            && self.window.byte_at(2) == Some(0xbf)
        {
            self.window.consume(3);
        }
    }

    /// A document that opens with `{`: an envelope, a digest file, or the first of many records.
    /// `None` when reading should stop (data after an envelope that is not another document).
    fn read_object_document(&mut self) -> Option<FileKind> {
        match self.walk_opening() {
            Opening::Envelope { key, open } => {
                self.window.consume(open + 1);
                self.read_array(b']');
                let mut arrays = vec![key];
                self.read_envelope_rest(&mut arrays);
                if self.window.next_non_blank().is_some_and(|b| b != b'{') {
                    self.out.file_problem(
                        Severity::Warning,
                        "data after the end of the JSON document was ignored",
                    );
                    return None;
                }
                Some(key.kind())
            }
            Opening::Object { digest: true } => Some(FileKind::Digest),
            Opening::Object { digest: false } | Opening::Unreadable => {
                self.read_lines();
                Some(FileKind::JsonLines)
            }
        }
    }

    /// Walks the keys of the object at the start of the window without consuming it, until an
    /// envelope array opens or the object ends.
    fn walk_opening(&mut self) -> Opening {
        let (mut digest_start, mut log_files) = (false, false);
        let mut at = 1;
        loop {
            at = self.window.skip_whitespace(at);
            if at > MAX_RECORD_BYTES {
                return Opening::Unreadable;
            }
            match self.window.byte_at(at) {
                Some(b'}') => {
                    self.window_consume_if(digest_start && log_files, at + 1);
                    return Opening::Object {
                        digest: digest_start && log_files,
                    };
                }
                Some(b'"') => {}
                _ => return Opening::Unreadable,
            }
            let Some((key, after_key)) = self.key_at(at) else {
                return Opening::Unreadable;
            };
            at = self.window.skip_whitespace(after_key);
            if self.window.byte_at(at) != Some(b':') {
                return Opening::Unreadable;
            }
            at = self.window.skip_whitespace(at + 1);
            if let Some(envelope) = Envelope::of_key(&key) {
                if self.window.byte_at(at) == Some(b'[') {
                    return Opening::Envelope {
                        key: envelope,
                        open: at,
                    };
                }
            }
            digest_start |= key == b"digestStartTime";
            log_files |= key == b"logFiles";
            match self.frame(at, Until::Member { closer: b'}' }) {
                Framed::End { at: end, closes } => {
                    at = end + 1;
                    if closes {
                        let digest = digest_start && log_files;
                        self.window_consume_if(digest, at);
                        return Opening::Object { digest };
                    }
                }
                Framed::Stopped | Framed::TooLarge { .. } => return Opening::Unreadable,
            }
        }
    }

    fn window_consume_if(&mut self, condition: bool, n: usize) {
        if condition {
            self.window.consume(n);
        }
    }

    /// The key string whose opening quote is at `at`, and the offset after its closing quote.
    fn key_at(&mut self, at: usize) -> Option<(Vec<u8>, usize)> {
        const MAX_KEY: usize = 4096;
        let mut key = Vec::new();
        let mut offset = at + 1;
        loop {
            match self.window.byte_at(offset)? {
                b'"' => return Some((key, offset + 1)),
                b'\\' => {
                    key.push(b'\\');
                    key.push(self.window.byte_at(offset + 1)?);
                    offset += 2;
                }
                byte => {
                    key.push(byte);
                    offset += 1;
                }
            }
            if key.len() > MAX_KEY {
                return None;
            }
        }
    }

    /// After an envelope's array: the rest of its keys. Another array under an envelope key is
    /// read too (a duplicate `"Records"` key must not hide its records); other values are skipped.
    fn read_envelope_rest(&mut self, arrays: &mut Vec<Envelope>) {
        loop {
            match self.window.next_non_blank() {
                Some(b',') => self.window.consume(1),
                Some(b'}') => {
                    self.window.consume(1);
                    return;
                }
                _ => return,
            }
            if self.window.next_non_blank() != Some(b'"') {
                return;
            }
            let Some((key, after_key)) = self.key_at(0) else {
                return;
            };
            self.window.consume(after_key);
            if self.window.next_non_blank() != Some(b':') {
                return;
            }
            self.window.consume(1);
            let value_start = self.window.next_non_blank();
            match Envelope::of_key(&key) {
                Some(envelope) if value_start == Some(b'[') => {
                    if arrays.contains(&envelope) {
                        self.out.file_problem(
                            Severity::Warning,
                            format!(
                                "the document has more than one \"{}\" key; the records of each were read",
                                envelope.key()
                            ),
                        );
                    }
                    arrays.push(envelope);
                    self.window.consume(1);
                    self.read_array(b']');
                }
                _ => {
                    if !self.skip_member_value() {
                        return;
                    }
                }
            }
        }
    }

    /// Skips one member value of an object, leaving its terminator; false when the input stopped.
    fn skip_member_value(&mut self) -> bool {
        match self.frame(0, Until::Member { closer: b'}' }) {
            Framed::End { at, .. } => {
                self.window.consume(at);
                true
            }
            Framed::Stopped => {
                self.window.consume_all();
                false
            }
            Framed::TooLarge { scan, scanned } => self
                .discard(scan, scanned, Until::Member { closer: b'}' })
                .is_some(),
        }
    }

    /// Scans from `from` to the end of one value, reading as needed but holding at most
    /// [`MAX_RECORD_BYTES`] of the window; consumes nothing.
    fn frame(&mut self, from: usize, until: Until) -> Framed {
        let limit = MAX_RECORD_BYTES + 1;
        let mut scan = Scan::default();
        let mut at = from;
        loop {
            let available = self.window.available();
            let end = available.len().min(limit);
            if at < end {
                if let Scanned::End { at: found, closes } = scan.advance(&available[at..end], until)
                {
                    return Framed::End {
                        at: at + found,
                        closes,
                    };
                }
                at = end;
            }
            if at >= limit {
                return Framed::TooLarge { scan, scanned: at };
            }
            if !self.window.fill() {
                return Framed::Stopped;
            }
        }
    }

    /// Consumes a value too large to hold, whose first `scanned` bytes `scan` has seen.
    /// `Some` when it ended (a `Member` value's terminator is left to the caller), `None` when
    /// the input stopped first.
    fn discard(&mut self, mut scan: Scan, scanned: usize, until: Until) -> Option<()> {
        self.window.consume(scanned);
        loop {
            match scan.advance(self.window.available(), until) {
                Scanned::End { at, .. } => {
                    let terminator_kept = matches!(until, Until::Member { .. });
                    self.window
                        .consume(if terminator_kept { at } else { at + 1 });
                    return Some(());
                }
                Scanned::NeedMore => self.window.consume_all(),
            }
            if !self.window.fill() {
                return None;
            }
        }
    }

    /// The elements of an array whose `[` has been consumed, up to and including its `closer`.
    fn read_array(&mut self, closer: u8) {
        let until = Until::Member { closer };
        loop {
            if self.out.sink.cancelled() {
                return;
            }
            match self.window.next_non_blank() {
                None => return,
                Some(b',') => {
                    self.window.consume(1);
                    continue;
                }
                Some(byte) if byte == closer => {
                    self.window.consume(1);
                    return;
                }
                Some(_) => {}
            }
            match self.frame(0, until) {
                Framed::End { at, closes } => {
                    let element = trim(&self.window.available()[..at]);
                    self.out.record(element);
                    self.window.consume(at + 1);
                    if closes {
                        return;
                    }
                }
                Framed::Stopped => {
                    self.window.consume_all();
                    self.out.rejected(if self.window.at_end() {
                        "cut off by the end of the file"
                    } else {
                        "cut off by damage in the file"
                    });
                    return;
                }
                Framed::TooLarge { scan, scanned } => {
                    self.out.rejected(&too_large());
                    // The terminator left by the discard ends the loop or is skipped by it.
                    if self.discard(scan, scanned, until).is_none() {
                        return;
                    }
                }
            }
        }
    }

    /// JSON Lines, or any stream of concatenated records. After a bad record, reading resumes at
    /// the next line that starts a new object.
    fn read_lines(&mut self) {
        loop {
            if self.out.sink.cancelled() {
                return;
            }
            let Some(first) = self.window.next_non_blank() else {
                return;
            };
            if first != b'{' && first != b'[' {
                self.reject_to_next_object_line();
                continue;
            }
            match self.frame(0, Until::Balanced) {
                Framed::End { at, .. } => {
                    self.out.record(&self.window.available()[..=at]);
                    self.window.consume(at + 1);
                }
                Framed::Stopped => {
                    let available = self.window.available();
                    let end = next_object_line(available, 0, false).unwrap_or(available.len());
                    self.out.record(trim(&available[..end]));
                    self.window.consume(end);
                }
                Framed::TooLarge { scan, scanned } => {
                    // An unbalanced bracket makes a broken line look endless: it costs itself
                    // only when a new record starts on a later line.
                    let available = &self.window.available()[..scanned];
                    if let Some(next) = next_object_line(available, 0, true) {
                        self.out.record(trim(&available[..next]));
                        self.window.consume(next);
                    } else {
                        self.out.rejected(&too_large());
                        self.discard(scan, scanned, Until::Balanced);
                    }
                }
            }
        }
    }

    /// Text that does not open a record: rejected up to the next line that does.
    fn reject_to_next_object_line(&mut self) {
        let mut searched = 0;
        loop {
            let available = self.window.available();
            if let Some(end) = next_object_line(available, searched, false) {
                self.out.record(trim(&available[..end]));
                self.window.consume(end);
                return;
            }
            searched = available.len().saturating_sub(1);
            if available.len() > MAX_RECORD_BYTES {
                self.out.rejected(&format!(
                    "{} MiB of text that is not a JSON record; skipped",
                    MAX_RECORD_BYTES >> 20
                ));
                self.window.consume(searched);
                return;
            }
            if !self.window.fill() {
                let available = self.window.available();
                self.out.record(trim(available));
                self.window.consume_all();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (FileKind, Vec<String>, Vec<String>) {
        let mut ids = Vec::new();
        let (report, problems) = read_content(bytes, "f", &mut |r| ids.push(r.event_id.clone()));
        let problems = problems.iter().map(|p| p.to_string()).collect();
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

    /// A reader that hands out one byte per read: every boundary falls everywhere.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((byte, rest)), Some(slot)) => {
                    *slot = *byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn read_trickled(bytes: &[u8]) -> (FileKind, Vec<String>, Vec<String>) {
        struct Collect(Vec<String>, Vec<String>);
        impl RecordSink for Collect {
            fn record(&mut self, record: SourceRecord<'_>) {
                self.0.push(record.event_id);
            }
            fn problem(&mut self, problem: Problem) {
                self.1.push(problem.to_string());
            }
        }
        let mut collect = Collect(Vec::new(), Vec::new());
        let report = read_records(Trickle(bytes), "f", &mut collect);
        (report.kind, collect.0, collect.1)
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn every_shape_reads_the_same_however_the_stream_is_cut() {
        let inputs: [&[u8]; 7] = [
            br#"{"Records":[{"eventID":"a","eventName":"X"},{"eventID":},{"eventID":"c","eventName":"X"},7]}"#,
            b"\xef\xbb\xbf{\"eventID\":\"a\",\"eventName\":\"X\"}\n{\"eventID\": nope}\n{\"eventID\":\"c\",\"eventName\":\"X\"}\n",
            br#" [ {"eventID":"a","eventName":"X"}, {"eventID":"b","eventName":"X"} ]"#,
            br#"{"Events":[{"EventId":"a","CloudTrailEvent":"{\"eventID\":\"a\",\"eventName\":\"X\"}"}],"NextToken":"x"}"#,
            br#"{"Records":[{"eventID":"a","eventName":"X"},{"eventID":"b","eventN"#,
            b"{\n  \"eventID\": \"a\",\n  \"eventName\": \"X\",\n  \"resources\": [\n    {\"ARN\": \"x\"}\n  ]\n}\n{\"eventID\": \"b\", \"eventName\": \"X\"}",
            b"{\"eventID\":\"a\",\"eventName\":\"X\"\n{\"eventID\":\"b\",\"eventName\":\"X\"}\n",
        ];
        for input in inputs {
            let whole = read(input);
            assert!(!whole.1.is_empty(), "{whole:?}");
            assert_eq!(read_trickled(input), whole);
            assert_eq!(read(&gz(input)), whole);
        }
        // An unbalanced line costs itself only, resuming at the next line that opens a record.
        assert_eq!(read(inputs[6]).1, ["b"]);
        assert_eq!(read(inputs[5]).1, ["a", "b"]);
    }

    #[test]
    fn concatenated_documents_are_all_read_and_other_trailing_data_is_warned_about() {
        let two = br#"{"Records":[{"eventID":"a","eventName":"X"}]}
            {"Records":[{"eventID":"b","eventName":"X"}]}"#;
        assert_eq!(
            read(two),
            (FileKind::Trail, vec!["a".into(), "b".into()], vec![])
        );
        let mut zcat = gz(br#"{"Records":[{"eventID":"a","eventName":"X"}]}"#);
        zcat.extend(gz(br#"{"Records":[{"eventID":"b","eventName":"X"}]}"#));
        assert_eq!(read(&zcat).1, ["a", "b"]);
        let (_, ids, problems) = read(br#"{"Records":[{"eventID":"a","eventName":"X"}]} trailing"#);
        assert_eq!(ids, ["a"]);
        assert_eq!(
            problems,
            ["warning: f: data after the end of the JSON document was ignored"]
        );
    }

    #[test]
    fn a_duplicate_envelope_key_loses_neither_array() {
        let doc = br#"{"Records":[{"eventID":"a","eventName":"X"}],"x":{"Records":[1]},"Records":[{"eventID":"b","eventName":"X"}]}"#;
        let (kind, ids, problems) = read(doc);
        assert_eq!(kind, FileKind::Trail);
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            problems,
            ["warning: f: the document has more than one \"Records\" key; the records of each were read"]
        );
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_transcoded() {
        let text = r#"{"Records":[{"eventID":"ü","eventName":"X"}]}"#;
        let mut le = vec![0xff, 0xfe];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xfe, 0xff];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for input in [le, be] {
            assert_eq!(read(&input), (FileKind::Trail, vec!["ü".into()], vec![]));
            assert_eq!(read(&gz(&input)).1, ["ü"]);
        }
    }

    #[test]
    fn a_record_over_the_limit_is_refused_and_reading_goes_on() {
        let big = format!(
            r#"{{"eventID":"big","eventName":"X","pad":"{}"}}"#,
            "x".repeat(MAX_RECORD_BYTES)
        );
        let small = |id: &str| format!(r#"{{"eventID":"{id}","eventName":"X"}}"#);
        let refused = "rejected: f: record 2: larger than the 16 MiB limit for one record; skipped";
        let trail = format!(r#"{{"Records":[{},{big},{}]}}"#, small("a"), small("c"));
        assert_eq!(
            read(trail.as_bytes()),
            (
                FileKind::Trail,
                vec!["a".into(), "c".into()],
                vec![refused.into()]
            )
        );
        let lines = format!("{}\n{big}\n{}\n", small("a"), small("c"));
        assert_eq!(
            read(lines.as_bytes()),
            (
                FileKind::JsonLines,
                vec!["a".into(), "c".into()],
                vec![refused.into()]
            )
        );
        let array = format!("[{big},{}]", small("b"));
        assert_eq!(read(array.as_bytes()).1, ["b"]);
    }

    #[test]
    fn damage_in_one_gzip_member_costs_only_the_records_in_it() {
        let member = |ids: std::ops::Range<usize>| {
            let text: String = ids
                .map(|i| {
                    format!(
                        "{{\"eventID\":\"e{i}\",\"eventName\":\"X\",\"pad\":\"{}\"}}\n",
                        i * 7919
                    )
                })
                .collect();
            gz(text.as_bytes())
        };
        let mut input = member(0..50);
        let mut middle = member(50..100);
        let cut = middle.len() / 2;
        middle[cut..cut + 16].fill(0xa5);
        input.extend(middle);
        input.extend(member(100..150));
        let (_, ids, problems) = read(&input);
        assert!(ids.starts_with(&(0..50).map(|i| format!("e{i}")).collect::<Vec<_>>()));
        assert!(ids.ends_with(&(100..150).map(|i| format!("e{i}")).collect::<Vec<_>>()));
        assert!(ids.len() < 150);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("decoding resumed at the next gzip member")),
            "{problems:?}"
        );
    }
}
