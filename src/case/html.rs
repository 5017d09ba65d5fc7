//! The case as one self-contained web page: no script, no fetch (a Content-Security-Policy that
//! forbids both), an SVG chart of the principals' activity with the pinned evidence marked, the
//! timeline, and the rest of the report; readable on a phone. Every string from an event or a
//! note goes through [`escape`].
use std::fmt::Write;

use super::report::{Evidence, Report};

/// Text for HTML content and attribute values: control characters shown as escapes, markup
/// characters as entities.
pub fn escape(value: &str) -> String {
    let safe = crate::event::terminal_safe(value);
    let mut out = String::with_capacity(safe.len() + 8);
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A note: each line escaped, the lines joined by `<br>`.
fn note(value: &str) -> String {
    value.lines().map(escape).collect::<Vec<_>>().join("<br>")
}

/// A block of text whose line breaks stay (a pretty-printed record, already made safe).
fn escape_lines(text: &str) -> String {
    text.lines().map(escape).collect::<Vec<_>>().join("\n")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.45;color:#1b1f24;background:#fff}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}\
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.summary dt{font-weight:600}\
dd,li,td,pre{overflow-wrap:anywhere}\
ol.timeline{list-style:none;padding:0}ol.timeline li{border-left:3px solid #0969da;margin:0 0 1rem;padding:.25rem .75rem}\
ol.timeline li.alert{border-color:#cf222e}ol.timeline .when{font-variant-numeric:tabular-nums;color:#57606a}\
.note{background:#fff8c5;padding:.25rem .5rem;margin:.25rem 0;border-radius:4px}\
svg{width:100%;height:auto}pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;font-size:.8rem}\
@media (max-width:40rem){body{padding:.5rem}dl.summary{grid-template-columns:1fr}}";

/// The chart's size in SVG units (it scales to the page's width).
const CHART_WIDTH: f64 = 800.0;
const CHART_HEIGHT: f64 = 160.0;
const AXIS: f64 = 28.0;

fn chart(report: &Report) -> String {
    let Some(activity) = &report.activity else {
        return "<p>No activity to chart: no pinned evidence names a principal with events in the index.</p>\n".to_owned();
    };
    let max = activity.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = activity.counts.len().max(1) as f64;
    let bar = CHART_WIDTH / n;
    let plot = CHART_HEIGHT - AXIS;
    let mut out = format!(
        "<svg id=\"activity-chart\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" aria-labelledby=\"chart-title\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-title\">Events of the principals involved, {} to {}</title>\n",
        activity.start.format("%Y-%m-%d %H:%M UTC"),
        activity.end.format("%Y-%m-%d %H:%M UTC")
    );
    for (i, count) in activity.counts.iter().enumerate() {
        let height = *count as f64 / max * plot;
        let _ = writeln!(
            out,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"#0969da\"><title>{count} events</title></rect>",
            i as f64 * bar,
            plot - height,
            (bar - 1.0).max(0.5),
        );
    }
    let span = (activity.end - activity.start).num_seconds().max(1) as f64;
    for pin in &report.pins {
        let Some(time) = pin.time() else { continue };
        let x = ((time - activity.start).num_seconds() as f64 / span * CHART_WIDTH)
            .clamp(0.0, CHART_WIDTH);
        let colour = match pin.evidence {
            Evidence::Alert(_) => "#cf222e",
            _ => "#1b1f24",
        };
        let _ = writeln!(
            out,
            "<line class=\"pin\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"0\" y2=\"{plot:.1}\" stroke=\"{colour}\" stroke-width=\"2\"><title>{}</title></line>",
            escape(&pin_title(pin))
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"20\">{}</text><text x=\"{CHART_WIDTH}\" y=\"{:.1}\" font-size=\"20\" text-anchor=\"end\">{}</text>\n</svg>",
        CHART_HEIGHT - 4.0,
        activity.start.format("%m-%d %H:%M"),
        CHART_HEIGHT - 4.0,
        activity.end.format("%m-%d %H:%M")
    );
    out
}

fn pin_title(pin: &super::report::ReportPin) -> String {
    match &pin.evidence {
        Evidence::Event(event) => format!("{} by {}", event.event_name, event.principal),
        Evidence::Alert(alert) => format!("alert {} {}", alert.rule_id, alert.title),
        Evidence::Principal(principal) => format!("principal {principal}"),
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let name = escape(&report.name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>Case {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>Case {name}</h1>\n\
         <p>Report generated by trailhound on {}.</p>\n",
        report.generated.format("%Y-%m-%d %H:%M UTC")
    );
    for note in &report.case_notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", self::note(note));
    }
    let summary = report.summary();
    let list = |items: &[String]| match items.is_empty() {
        true => "none".to_owned(),
        false => items
            .iter()
            .map(|i| escape(i))
            .collect::<Vec<_>>()
            .join(", "),
    };
    out.push_str("<h2>Summary</h2>\n<dl class=\"summary\">\n");
    for (label, value) in summary.lines(report.pins.len()) {
        let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", escape(&value));
    }
    out.push_str("</dl>\n");

    out.push_str("<h2>Activity</h2>\n");
    out.push_str(&chart(report));

    out.push_str("<h2>Timeline</h2>\n<ol class=\"timeline\">\n");
    for pin in &report.pins {
        let when = pin
            .time()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "undated".to_owned());
        let (class, body) = match &pin.evidence {
            Evidence::Event(event) => (
                "event",
                format!(
                    "<strong>{}</strong> {} by {} in {} {} from {}{}{}",
                    escape(&event.event_name),
                    escape(&event.event_source),
                    escape(&event.principal),
                    escape(&event.account),
                    escape(&event.region),
                    escape(&event.source_ip),
                    match event.error.is_empty() {
                        true => String::new(),
                        false => format!(" (failed: {})", escape(&event.error)),
                    },
                    match event.from_index {
                        true => String::new(),
                        false =>
                            " (no longer in the index: the copy kept when it was pinned)".to_owned(),
                    }
                ),
            ),
            Evidence::Alert(alert) => (
                "alert",
                format!(
                    "<strong>alert {} {}</strong> ({}, {} events) for {}",
                    escape(&alert.rule_id),
                    escape(&alert.title),
                    escape(&alert.severity),
                    alert.count,
                    escape(&alert.group)
                ),
            ),
            Evidence::Principal(principal) => (
                "principal",
                format!(
                    "<strong>principal of interest</strong> {}",
                    escape(principal)
                ),
            ),
        };
        let _ = write!(
            out,
            "<li class=\"{class}\"><span class=\"when\">{when}</span><br>{body}"
        );
        for note in &pin.notes {
            let _ = write!(out, "<div class=\"note\">{}</div>", self::note(note));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");

    out.push_str("<h2>Principals</h2>\n");
    for principal in &report.principals {
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<dl class=\"summary\"><dt>Events in the index</dt><dd>{}</dd><dt>Sessions</dt><dd>{}</dd><dt>Access keys</dt><dd>{}</dd></dl>",
            escape(&principal.principal),
            principal.events,
            list(&principal.sessions),
            list(&principal.keys)
        );
        if !principal.chains.is_empty() {
            out.push_str("<p>Credentials handed out:</p>\n<ul>\n");
            for link in &principal.chains {
                let _ = writeln!(out, "<li>{}</li>", escape(link));
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("<h2>Queries used</h2>\n<ul>\n");
    for query in &report.queries {
        let _ = writeln!(out, "<li><code>{}</code></li>", escape(query));
    }
    out.push_str("</ul>\n<h2>Sources and integrity</h2>\n<ul>\n");
    for source in &report.sources {
        let _ = writeln!(
            out,
            "<li>{}: {} events</li>",
            escape(&source.source),
            source.events
        );
    }
    let _ = writeln!(
        out,
        "</ul>\n<p><strong>Integrity</strong>: {}</p>",
        escape(&report.integrity)
    );
    if !report.problems.is_empty() {
        out.push_str("<h2>Problems reading the case</h2>\n<ul>\n");
        for problem in &report.problems {
            let _ = writeln!(out, "<li>{}</li>", escape(problem));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Appendix: pinned records</h2>\n");
    for pin in &report.pins {
        if let Evidence::Event(event) = &pin.evidence {
            let pretty = crate::cli::show::pretty(&event.raw);
            let _ = writeln!(
                out,
                "<details><summary>{}</summary><pre>{}</pre></details>",
                escape(&event.event_id),
                escape_lines(&crate::event::json_terminal_safe(&pretty))
            );
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
