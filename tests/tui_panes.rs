//! One snapshot per pane (ratatui's TestBackend + insta), drawn from a state built by feeding
//! worker replies through `update`, with no index; and hostile event text that must stay inert.
use chrono::{DateTime, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::{Frame, Terminal};

use trailhound::index::{TopList, TopValue};
use trailhound::tui::action::Action;
use trailhound::tui::keymap::Keymap;
use trailhound::tui::panes::{self, help::help_lines};
use trailhound::tui::state::{
    Alert, AppState, Histogram, Mode, PaneId, SessionIssue, SessionLink, Severity, Timeline,
};
use trailhound::tui::theme::{Slot, Theme, ThemeEnv};
use trailhound::tui::update::{self, Effect, Msg};
use trailhound::tui::worker::{row_of, EventOrigin, IndexStats, Reply, Request, SearchResult};

const RECORDS: &[&str] = &[
    r#"{"eventVersion":"1.10","eventTime":"2026-11-02T02:27:27Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","awsRegion":"us-east-1","sourceIPAddress":"193.142.146.35","userAgent":"aws-cli/2.15.0","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/aws-support-ops","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE000000001","userName":"aws-support-ops"},"requestParameters":{"name":"org-trail"},"eventID":"e-0001","recipientAccountId":"111122223333"}"#,
    r#"{"eventVersion":"1.10","eventTime":"2026-11-02T02:25:57Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"193.142.146.35","userAgent":"aws-cli/2.15.0","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/aws-support-ops","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE000000001","userName":"aws-support-ops"},"eventID":"e-0002","recipientAccountId":"111122223333"}"#,
    r#"{"eventVersion":"1.10","eventTime":"2026-11-02T01:10:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.0.8","errorCode":"AccessDenied","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/i-1","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/app"}}},"eventID":"e-0003","recipientAccountId":"111122223333"}"#,
    // Attacker-controlled text: a window-title OSC, a clear-screen CSI, an OSC 52 clipboard write,
    // a C1 CSI and a right-to-left override, in fields the panes show.
    "{\"eventTime\":\"2026-11-02T00:00:01Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"Evil\\u001b]0;pwned\\u0007\",\"awsRegion\":\"us-east-1\\u001b[2J\",\"sourceIPAddress\":\"198.51.100.7\",\"userAgent\":\"\\u001b]52;c;ZXZpbA==\\u0007\\u009b31m\\u202etxt\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/mal\\u001b[2Jlory\"},\"eventID\":\"e-0004\"}",
];

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// Values with counts, each first seen an hour after the one before it, of `distinct` in all.
fn top_of(values: &[(&str, u64)], distinct: usize) -> TopList {
    TopList {
        values: values
            .iter()
            .zip(0..)
            .map(|((value, count), hour)| TopValue {
                value: (*value).into(),
                count: *count,
                first_seen: Some(at("2026-11-01T04:35:26Z") + chrono::Duration::hours(hour)),
            })
            .collect(),
        distinct,
    }
}

fn top(values: &[(&str, u64)]) -> TopList {
    top_of(values, values.len())
}

/// A state as the app has it after the worker answered: stats, the first search, the timeline.
fn fed_state(size: (u16, u16), actions: &[Action]) -> AppState {
    let keymap = Keymap::builtin_default();
    let mut state = AppState::new(size, help_lines(&keymap));
    let mut effects = update::start(&mut state, None);
    let answer = |state: &mut AppState, effects: Vec<Effect>| {
        let mut next = Vec::new();
        for effect in effects {
            let Effect::Send(request) = effect else {
                continue;
            };
            let reply = match request {
                Request::Origin { id, event_id } => Reply::Origin {
                    id,
                    result: Ok(Some(EventOrigin {
                        event_id,
                        source: "/evidence/AWSLogs".into(),
                        file: "/evidence/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/111122223333_CloudTrail_us-east-1_20261101T0005Z_\u{1b}]0;x\u{7}.json.gz".into(),
                        verdict: Some("modified".into()),
                    })),
                },
                Request::Stats { id } => Reply::Stats {
                    id,
                    result: Ok(IndexStats {
                        events: 3000,
                        bytes: 1_600_000,
                        span: Some((at("2026-11-01T00:45:01Z"), at("2026-11-02T23:49:56Z"))),
                        integrity: None,
                        accounts: std::collections::BTreeMap::from([(
                            "111122223333".to_owned(),
                            trailhound::index::coverage::KnownAccount::default(),
                        )]),
                    }),
                },
                Request::Search { id, .. } => Reply::Searched {
                    id,
                    result: Ok(SearchResult {
                        matched: RECORDS.len() as u64,
                        total: 3000,
                        histogram: Some(Histogram {
                            start: at("2026-11-01T00:00:00Z"),
                            end: at("2026-11-03T00:00:00Z"),
                            counts: vec![0, 1, 3, 8, 2, 0, 0, 5, 1, 0, 0, 12],
                        }),
                        offset: 0,
                        rows: RECORDS
                            .iter()
                            .map(|raw| row_of((*raw).to_owned()))
                            .collect(),
                        selected: None,
                        warnings: Vec::new(),
                    }),
                },
                Request::Timeline { id, principal, .. } => Reply::Timeline {
                    id,
                    result: Ok(Timeline {
                        principal: principal.clone(),
                        events: 42,
                        errors: 3,
                        first_seen: Some(at("2026-11-01T04:35:26Z")),
                        last_seen: Some(at("2026-11-02T02:27:27Z")),
                        activity: Some(Histogram {
                            start: at("2026-11-01T00:00:00Z"),
                            end: at("2026-11-03T00:00:00Z"),
                            counts: vec![1, 0, 0, 4, 9, 2, 0, 7],
                        }),
                        source_ips: top_of(&[("193.142.146.35", 33), ("10.0.0.8", 9)], 1_302),
                        regions: top(&[("us-east-1", 40), ("eu-west-1", 2)]),
                        services: top(&[
                            ("cloudtrail.amazonaws.com", 2),
                            ("secretsmanager.amazonaws.com", 22),
                        ]),
                        user_agents: top(&[
                            ("aws-cli/2.15.0", 30),
                            ("Mozilla/5.0 \u{1b}]0;x\u{7}", 12),
                        ]),
                        access_keys: top(&[("AKIAEXAMPLE000000001", 42)]),
                        sessions: vec![
                            SessionLink {
                                access_key: "ASIAEXAMPLE000000002".into(),
                                events: 40,
                                chain: vec![
                                    SessionIssue {
                                        event_name: "AssumeRole".into(),
                                        principal: "dev-\u{1b}[2Jops".into(),
                                        source_ip: "193.142.146.35".into(),
                                        time: Some(
                                            chrono::Utc
                                                .with_ymd_and_hms(2026, 11, 1, 8, 0, 0)
                                                .unwrap(),
                                        ),
                                        access_key: "ASIAEXAMPLE000000009".into(),
                                        detail: String::new(),
                                    },
                                    SessionIssue {
                                        event_name: "AssumeRole".into(),
                                        principal: "alice".into(),
                                        source_ip: "198.51.100.20".into(),
                                        time: Some(
                                            chrono::Utc
                                                .with_ymd_and_hms(2026, 11, 1, 7, 58, 0)
                                                .unwrap(),
                                        ),
                                        access_key: "AKIAEXAMPLE000000003".into(),
                                        detail: String::new(),
                                    },
                                ],
                                lifecycle: Vec::new(),
                                searched_since: Some(at("2026-11-01T00:00:00Z")),
                            },
                            SessionLink {
                                access_key: "AKIAEXAMPLE000000005".into(),
                                events: 28,
                                chain: vec![SessionIssue {
                                    event_name: "CreateAccessKey".into(),
                                    principal: "ci-deploy".into(),
                                    source_ip: "193.142.146.35".into(),
                                    time: Some(at("2026-11-02T02:22:16Z")),
                                    access_key: "AKIAEXAMPLE000000007".into(),
                                    detail: String::new(),
                                }],
                                lifecycle: vec![
                                    SessionIssue {
                                        event_name: "UpdateAccessKey".into(),
                                        principal: "alice".into(),
                                        source_ip: "198.51.100.20".into(),
                                        time: Some(at("2026-11-02T09:00:00Z")),
                                        access_key: "AKIAEXAMPLE000000003".into(),
                                        detail: "Inactive".into(),
                                    },
                                    SessionIssue {
                                        event_name: "DeleteAccessKey".into(),
                                        principal: "alice".into(),
                                        source_ip: "198.51.100.20".into(),
                                        time: Some(at("2026-11-02T09:05:00Z")),
                                        access_key: "AKIAEXAMPLE000000003".into(),
                                        detail: String::new(),
                                    },
                                ],
                                searched_since: Some(at("2026-11-01T00:00:00Z")),
                            },
                            SessionLink {
                                access_key: "AKIAEXAMPLE000000001".into(),
                                events: 2,
                                chain: Vec::new(),
                                lifecycle: Vec::new(),
                                searched_since: Some(at("2026-11-01T00:00:00Z")),
                            },
                        ],
                    }),
                    principal,
                },
                Request::Alerts { id, .. } => Reply::Alerts {
                    id,
                    result: Ok(Vec::new()),
                    mark_error: None,
                },
                Request::Page { .. } => continue,
            };
            next.extend(update::update(state, &keymap, Msg::Reply(Box::new(reply))));
        }
        next
    };
    for _ in 0..3 {
        effects = answer(&mut state, effects);
    }
    for action in actions {
        effects = update::update(&mut state, &keymap, Msg::Action(*action));
        for _ in 0..3 {
            effects = answer(&mut state, effects);
        }
    }
    assert!(!state.is_busy(), "every request was answered");
    state
}

fn theme() -> Theme {
    Theme::builtin_default(ThemeEnv::TRUE_COLOR)
}

fn draw(size: (u16, u16), render: impl FnOnce(&mut Frame, Rect)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
    terminal
        .draw(|frame| render(frame, frame.area()))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn alerts_pane_before_detections_are_loaded() {
    let state = fed_state((80, 24), &[]);
    let buffer = draw((80, 5), |f, a| {
        panes::alerts::render(&state, &theme(), f, a, false)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn alerts_pane_grouped_by_severity_and_coloured() {
    let mut state = fed_state((80, 24), &[]);
    let alert = |rule: &str, title: &str, severity, times: (&str, &str), count, ack| Alert {
        key: format!("{rule}|{}", times.0),
        rule_id: rule.into(),
        title: title.into(),
        severity,
        count,
        first: Some(at(times.0)),
        last: Some(at(times.1)),
        principal: "arn:aws:iam::111122223333:user/aws-support-ops".into(),
        group: "arn:aws:iam::111122223333:user/aws-support-ops".into(),
        event_ids: vec!["e-0001".into()],
        acknowledged: ack,
        why: format!("{title}: the reason it matters."),
        next: "Check who else acted from the same address.".into(),
        baseline: None,
        query: None,
        tainted: 0,
    };
    state.alerts.set_alerts(vec![
        alert(
            "AUTH-01",
            "Console login without MFA",
            Severity::Medium,
            ("2026-11-02T01:00:00Z", "2026-11-02T03:00:00Z"),
            2,
            false,
        ),
        alert(
            "LOG-01",
            "CloudTrail logging stopped",
            Severity::Critical,
            ("2026-11-02T02:25:57Z", "2026-11-02T02:25:57Z"),
            1,
            false,
        ),
        alert(
            "LOG-02",
            "CloudTrail trail deleted",
            Severity::Critical,
            ("2026-11-02T02:27:27Z", "2026-11-02T02:27:27Z"),
            1,
            false,
        ),
        alert(
            "IAM-10",
            "Access key created for another user",
            Severity::High,
            ("2026-11-02T02:00:00Z", "2026-11-02T02:10:00Z"),
            3,
            true,
        ),
    ]);
    let theme = theme();
    let buffer = draw((90, 7), |f, a| {
        panes::alerts::render(&state, &theme, f, a, false)
    });
    insta::assert_snapshot!(text(&buffer));
    // Focused and tall enough: the selected alert's why and next under the feed.
    state.focus = PaneId::Alerts;
    let with_reasons = draw((90, 14), |f, a| {
        panes::alerts::render(&state, &theme, f, a, false)
    });
    insta::assert_snapshot!(
        "alerts_pane_focused_with_the_selected_alerts_reasons",
        text(&with_reasons)
    );
    let critical_fg = theme.style(Slot::SeverityCritical).fg;
    assert!(critical_fg.is_some());
    assert_eq!(
        buffer[(1, 1)].fg,
        critical_fg.expect("colour"),
        "the critical tag is coloured"
    );
    assert_ne!(
        buffer[(1, 4)].fg,
        buffer[(1, 1)].fg,
        "medium is not coloured as critical"
    );
    assert_eq!(
        buffer[(1, 3)].fg,
        theme.style(Slot::Dim).fg.expect("colour"),
        "an acknowledged alert is dimmed"
    );
}

#[test]
fn alerts_pane_names_the_group_shortens_sigma_uuids_and_rounds_long_spans() {
    let mut state = fed_state((80, 24), &[]);
    let alert = |key: &str, rule: &str, title: &str, group: &str, span: (&str, &str)| Alert {
        key: key.into(),
        rule_id: rule.into(),
        title: title.into(),
        severity: Severity::Medium,
        count: 33,
        first: Some(at(span.0)),
        last: Some(at(span.1)),
        principal: "arn:aws:iam::111122223333:user/aws-support-ops".into(),
        group: group.into(),
        event_ids: vec!["e-0001".into()],
        acknowledged: false,
        why: String::new(),
        next: String::new(),
        baseline: None,
        query: None,
        tainted: 0,
    };
    state.alerts.set_alerts(vec![
        // 1205 minutes: read as 20h.
        alert(
            "a",
            "API-01",
            "API call burst",
            "arn:aws:iam::111122223333:user/aws-support-ops",
            ("2026-11-01T06:00:00Z", "2026-11-02T02:05:00Z"),
        ),
        // The same rule and principal, grouped by address: the address tells the rows apart.
        alert(
            "b",
            "API-01",
            "API call burst",
            "193.142.146.35",
            ("2026-11-02T01:00:00Z", "2026-11-02T01:30:00Z"),
        ),
        // A SigmaHQ rule's id is a UUID: cut so the row keeps its shape; the title names it.
        alert(
            "c",
            "4db60cc0-36fb-42b7-9b58-a5b53019fb74",
            "AWS CloudTrail Important Change",
            "arn:aws:iam::111122223333:user/aws-support-ops",
            ("2026-11-01T02:00:00Z", "2026-11-01T02:00:00Z"),
        ),
    ]);
    let buffer = draw((100, 5), |f, a| {
        panes::alerts::render(&state, &theme(), f, a, false)
    });
    let shown = text(&buffer);
    assert!(shown.contains("×33 over 20h"), "{shown}");
    assert!(shown.contains("by 193.142.146.35"), "{shown}");
    assert!(shown.contains("4db60cc0… "), "{shown}");
    assert!(!shown.contains("36fb-42b7"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn alerts_pane_hiding_acknowledged_says_so_in_its_title() {
    let mut state = fed_state((80, 24), &[]);
    let alert = |key: &str, acknowledged| Alert {
        key: key.into(),
        rule_id: key.into(),
        title: "CloudTrail logging stopped".into(),
        severity: Severity::Critical,
        count: 1,
        first: Some(at("2026-11-02T02:25:57Z")),
        last: Some(at("2026-11-02T02:25:57Z")),
        principal: "aws-support-ops".into(),
        group: "aws-support-ops".into(),
        event_ids: vec!["e-0002".into()],
        acknowledged,
        why: String::new(),
        next: String::new(),
        baseline: None,
        query: None,
        tainted: 0,
    };
    state
        .alerts
        .set_alerts(vec![alert("LOG-01", true), alert("LOG-02", false)]);
    state.alerts.toggle_hide_acknowledged();
    let buffer = draw((80, 4), |f, a| {
        panes::alerts::render(&state, &theme(), f, a, false)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn events_pane_with_title_count_histogram_and_rows() {
    let state = fed_state((120, 40), &[Action::MoveDown]);
    let buffer = draw((110, 9), |f, a| {
        panes::events::render(&state, &theme(), f, a, false)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn detail_pane_pretty_and_coloured() {
    let state = fed_state((120, 40), &[]);
    let theme = theme();
    let buffer = draw((70, 16), |f, a| {
        panes::detail::render(&state, &theme, f, a, false)
    });
    insta::assert_snapshot!(text(&buffer));
    let key = theme.style(Slot::JsonKey).fg.expect("colour");
    let string = theme.style(Slot::JsonString).fg.expect("colour");
    let line = (0..16)
        .find(|y| {
            text(&buffer)
                .lines()
                .nth(*y as usize)
                .is_some_and(|l| l.contains("\"eventName\""))
        })
        .expect("eventName line");
    let row: Vec<_> = (0..70).map(|x| &buffer[(x, line)]).collect();
    assert!(row.iter().any(|cell| cell.fg == key), "keys use json.key");
    assert!(
        row.iter().any(|cell| cell.fg == string),
        "strings use json.string"
    );
}

#[test]
fn timeline_pane_of_the_selected_principal() {
    let state = fed_state((120, 40), &[]);
    let buffer = draw((130, 24), |f, a| {
        panes::timeline::render(&state, &theme(), f, a, false)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn status_line_with_a_broken_config_file() {
    let mut state = fed_state((120, 40), &[]);
    state.status.config_errors.push("theme /home/a/.config/trailhound/themes/dark.toml:4: key `json.kye`: unknown slot (using the default theme)".into());
    let buffer = draw((180, 1), |f, a| {
        panes::status::render(&state, &theme(), f, a)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn status_line_says_what_verify_found_and_warns_of_changes() {
    let mut state = fed_state((120, 40), &[]);
    state.status.integrity = Some(("integrity: 1 modified, 2 unlisted files".into(), true));
    let buffer = draw((180, 1), |f, a| {
        panes::status::render(&state, &theme(), f, a)
    });
    let line = text(&buffer);
    assert!(
        line.contains("3,000 events")
            && line.contains(" · integrity: 1 modified, 2 unlisted files"),
        "{line}"
    );
    let at = line[..line.find("integrity").unwrap()].chars().count() as u16;
    assert_eq!(
        buffer[(at, 0)].style().fg,
        theme().style(trailhound::tui::theme::Slot::StatusError).fg,
        "a change is shown as an error"
    );
}

#[test]
fn query_line_and_breadcrumb_with_an_inline_error() {
    let mut state = fed_state((120, 40), &[Action::PivotUser, Action::NarrowRegion]);
    state.query_error = Some("expected ')' to close the group opened at column 11".into());
    let buffer = draw((110, 2), |f, a| {
        let [crumbs, query] =
            ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Length(1); 2]).areas(a);
        panes::query::render_breadcrumb(&state, &theme(), f, crumbs);
        panes::query::render(&state, &theme(), f, query);
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn help_overlay_lists_keys_with_descriptions() {
    let mut state = fed_state((100, 30), &[]);
    state.mode = Mode::Help;
    let buffer = draw((100, 30), |f, a| {
        panes::help::render(&state, &theme(), f, a)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn background_work_overlay_with_each_region_of_a_pull() {
    let mut state = fed_state((100, 30), &[]);
    state.mode = Mode::Activity;
    let mut report = trailhound::index::activity::ActivityReport::new("pull");
    report.pid = 4242;
    report.started = at("2026-11-02T03:00:00Z");
    report.summary = "pull 2 regions: 8,210 events, 95 ev/s, ETA 3m".into();
    report.details = vec![
        "us-east-1 management: 8,200 events, 3 chains, 2 of 7 days".into(),
        "eu-west-1 management: 10 events, retry 3 (ThrottlingException\u{1b}]0;x\u{7})".into(),
    ];
    state.status.activity = Some(report);
    let buffer = draw((90, 8), |f, a| {
        panes::activity::render(&state, &theme(), f, a)
    });
    insta::assert_snapshot!(text(&buffer));
    state.status.activity = None;
    let idle = draw((90, 4), |f, a| {
        panes::activity::render(&state, &theme(), f, a)
    });
    assert!(text(&idle).contains("No ingest or pull is writing to this index."));
}

#[test]
fn case_overlay_lists_pins_in_time_order_with_notes_and_trail() {
    use trailhound::tui::state::{CasePin, CaseView};
    let mut state = fed_state((100, 30), &[]);
    state.case.name = Some("incident-42".into());
    state.case_view = CaseView {
        pins: vec![
            CasePin {
                time: Some(at("2026-11-02T02:25:57Z")),
                label: "StopLogging by aws-support-ops from 193.142.146.35".into(),
                notes: vec!["logging turned off".into(), "\u{1b}[31mred\u{1b}[0m".into()],
                trail: vec![
                    "eventName:StopLogging".into(),
                    "user:\"aws-support-ops\"".into(),
                ],
                query: "eventID:\"a\"".into(),
            },
            CasePin {
                time: Some(at("2026-11-02T02:30:48Z")),
                label: "alert NET-02 AWS administration port opened to the internet (critical)"
                    .into(),
                notes: Vec::new(),
                trail: Vec::new(),
                query: "eventID:(\"b\")".into(),
            },
        ],
        notes: vec!["handover at 10:00".into()],
        cursor: Default::default(),
    };
    state.case_view.cursor.selected = 1;
    let buffer = draw((100, 14), |f, a| {
        panes::case::render(&state, &theme(), f, a)
    });
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn whole_screen_at_80_by_24() {
    let state = fed_state((80, 24), &[]);
    let buffer = draw((80, 24), |f, _| panes::draw(&state, &theme(), f));
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn whole_screen_at_140_by_40() {
    let state = fed_state((140, 40), &[Action::MoveDown]);
    let buffer = draw((140, 40), |f, _| panes::draw(&state, &theme(), f));
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn hostile_event_text_is_shown_escaped_never_sent_to_the_terminal() {
    let hostile = RECORDS.len() - 1;
    let state = fed_state((160, 48), &[Action::MoveDown; 3]);
    assert_eq!(state.events.cursor.selected, hostile);
    let buffer = draw((160, 48), |f, _| panes::draw(&state, &theme(), f));
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "a dangerous character reached the screen: {:?}",
            cell.symbol()
        );
    }
    let screen = text(&buffer);
    assert!(
        screen.contains("Evil\\u{1b}]0;pwned\\u{7}"),
        "the list shows the escape visibly:\n{screen}"
    );
    assert!(
        screen.contains("\\u001b]52;c;ZXZpbA=="),
        "the detail shows the JSON escape:\n{screen}"
    );
    assert!(
        screen.contains("mal\\u{1b}[2Jlory"),
        "the principal is escaped:\n{screen}"
    );
}

#[test]
fn no_color_draws_without_colours() {
    let state = fed_state((120, 40), &[]);
    let theme = Theme::builtin_default(ThemeEnv {
        no_color: true,
        depth: trailhound::tui::theme::ColorDepth::None,
    });
    let buffer = draw((120, 40), |f, _| panes::draw(&state, &theme, f));
    for cell in buffer.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "{cell:?}"
        );
    }
}
