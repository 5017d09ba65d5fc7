//! Shared formatting for command output: event tables, CSV and JSON Lines. Every string taken
//! from an event is made terminal-safe before it is printed, and CSV cells spreadsheet-safe.
use std::io::Write;

use chrono::SecondsFormat;
use serde_json::Value;

use crate::event::{json_terminal_safe, spreadsheet_safe, terminal_safe, EventSummary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Jsonl,
    Csv,
}

fn time_text(summary: &EventSummary) -> String {
    summary
        .time
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".into())
}

fn short_source(source: &str) -> &str {
    source.strip_suffix(".amazonaws.com").unwrap_or(source)
}

fn clip(text: &str, width: usize) -> String {
    let safe = terminal_safe(text);
    if safe.chars().count() <= width {
        format!("{safe:<width$}")
    } else {
        let mut clipped: String = safe.chars().take(width.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

pub const TABLE_HEADER: &str = "TIME                  EVENT                          SOURCE          REGION          PRINCIPAL                        SOURCE IP        ERROR";

pub fn table_row(summary: &EventSummary) -> String {
    format!(
        "{:<21} {} {} {} {} {} {}",
        time_text(summary),
        clip(&summary.event_name, 30),
        clip(short_source(&summary.event_source), 15),
        clip(&summary.region, 15),
        clip(summary.principal.short_name(), 32),
        clip(&summary.source_ip, 16),
        terminal_safe(&summary.error),
    )
    .trim_end()
    .to_owned()
}

/// One record on one line, for `jq`: verbatim unless it spans lines.
pub fn jsonl_line(raw: &str) -> String {
    let one_line = if raw.contains('\n') {
        serde_json::from_str::<Value>(raw)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| raw.replace(['\n', '\r'], " "))
    } else {
        raw.to_owned()
    };
    json_terminal_safe(&one_line).into_owned()
}

pub struct CsvOut<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(out: W) -> csv::Result<CsvOut<W>> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record([
            "event_time",
            "event_id",
            "event_name",
            "event_source",
            "aws_region",
            "principal",
            "session",
            "source_ip",
            "error_code",
            "user_agent",
            "account",
        ])?;
        Ok(CsvOut { writer })
    }

    pub fn row(&mut self, s: &EventSummary) -> csv::Result<()> {
        let time = time_text(s);
        let session = s.principal.session.clone().unwrap_or_default();
        let fields = [
            time.as_str(),
            &s.event_id,
            &s.event_name,
            &s.event_source,
            &s.region,
            &s.principal.id,
            &session,
            &s.source_ip,
            &s.error_code,
            &s.user_agent,
            &s.account,
        ];
        self.writer.write_record(
            fields
                .iter()
                .map(|f| spreadsheet_safe(&terminal_safe(f)).into_owned()),
        )
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}
