//! `trailhound case`: start a case, pin events, a principal and notes, and export the report;
//! the Markdown is read back by a real Markdown parser, hostile strings included; a broken case
//! line and an event gone from the index do not lose the rest.
mod support;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde_json::{json, Value};
use support::case_fixture::{fixture, run_ok, HOSTILE_USER};
use support::{record, trailhound};

#[test]
fn pins_and_notes_become_a_report_that_renders_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture(dir.path());
    let run = |args: &[&str]| run_ok(&index, args);
    run(&["case", "new", "inc-1"]);
    let (listed, _) = run(&["case", "list"]);
    assert_eq!(listed.trim(), "* inc-1  0 pins");
    run(&[
        "case",
        "pin",
        "delete-trail",
        "--note",
        "the trail went dark here",
        "--trail",
        "user:alice",
        "--trail",
        "eventName:Delete*",
    ]);
    run(&["case", "pin", "hostile", "--note", HOSTILE_USER]);
    run(&["case", "pin", "assu"]);
    run(&[
        "case",
        "pin-principal",
        "arn:aws:iam::111122223333:user/alice",
    ]);
    run(&["case", "note", "handed over to the incident commander"]);

    let (shown, _) = run(&["case", "show"]);
    assert!(shown.starts_with("case inc-1: 4 pins"), "{shown}");
    let order: Vec<&str> = shown
        .lines()
        .skip(1)
        .filter(|l| !l.trim_start().starts_with("note:"))
        .collect();
    assert!(
        order[0].contains("AssumeRole") && order[1].contains("DeleteTrail"),
        "{shown}"
    );

    let (markdown, _) = run(&["case", "export", "--format", "md"]);
    // The rendered text of each block (a heading, a paragraph, a table cell, a code block).
    let mut headings = Vec::new();
    let mut blocks = Vec::new();
    let mut current = String::new();
    for event in Parser::new_ext(&markdown, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Text(text) | Event::Code(text) => current.push_str(&text),
            Event::End(end) => {
                if matches!(end, TagEnd::Heading(_)) {
                    headings.push(current.clone());
                }
                if matches!(
                    end,
                    TagEnd::Heading(_)
                        | TagEnd::Paragraph
                        | TagEnd::TableCell
                        | TagEnd::Item
                        | TagEnd::CodeBlock
                ) {
                    blocks.push(std::mem::take(&mut current));
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                panic!("a link to {dest_url} in\n{markdown}")
            }
            Event::Start(Tag::Image { .. }) => panic!("an image in\n{markdown}"),
            Event::Html(html) | Event::InlineHtml(html) if html.as_ref() != "<br>" => {
                panic!("raw HTML `{html}` in\n{markdown}")
            }
            _ => {}
        }
    }
    let texts = blocks.join("\n");
    for heading in [
        "Case inc-1",
        "Summary",
        "Timeline",
        "Principals",
        "Queries used",
        "Sources and integrity",
        "Appendix: pinned records",
    ] {
        assert!(
            headings.iter().any(|h| h == heading),
            "{heading}: {headings:?}"
        );
    }
    assert!(
        !headings.iter().any(|h| h.contains("injected heading")),
        "{headings:?}"
    );
    // The hostile strings are there, as text.
    assert!(texts.contains(HOSTILE_USER), "{texts}");
    assert!(texts.contains("the trail went dark here"));
    assert!(texts.contains("eventName:Delete*"));
    assert!(
        texts.contains("ASIASESSION1"),
        "the AssumeRole chain: {texts}"
    );
    assert!(texts.contains("handed over to the incident commander"));
    assert!(texts.contains("203.0.113.9"));

    let (lines, _) = run(&["case", "export", "--format", "jsonl"]);
    let pins: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pins.len(), 4);
    assert_eq!(pins[1]["event"]["eventName"], "DeleteTrail");
    assert_eq!(pins[1]["notes"], json!(["the trail went dark here"]));
    assert_eq!(pins[1]["trail"], json!(["user:alice", "eventName:Delete*"]));
}

#[test]
fn a_broken_line_and_an_event_gone_from_the_index_lose_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture(dir.path());
    trailhound(&index)
        .args(["case", "new", "inc-2"])
        .assert()
        .success();
    trailhound(&index)
        .args(["case", "pin", "delete-trail", "--note", "kept"])
        .assert()
        .success();
    let file = index.join("cases/inc-2/case.jsonl");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("{\"kind\": \"pin\", broken by hand\n");
    std::fs::write(&file, text).unwrap();
    trailhound(&index)
        .args(["case", "note", "written after the damage"])
        .assert()
        .success();

    // The index is rebuilt without the pinned event; the case beside it stays.
    for entry in std::fs::read_dir(&index).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n != "cases") {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
            } else {
                std::fs::remove_file(&path).unwrap();
            }
        }
    }
    let other = support::write(
        &dir.path().join("other.jsonl"),
        format!(
            "{}\n",
            record("other", "ListBuckets", "s3.amazonaws.com", json!({}))
        )
        .as_bytes(),
    );
    trailhound(&index)
        .args(["ingest", "--no-rules"])
        .arg(other)
        .assert()
        .success();

    let output = trailhound(&index)
        .args(["case", "export"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("case.jsonl:4: "), "{stderr}");
    let markdown = String::from_utf8(output.stdout).unwrap();
    assert!(markdown.contains("no longer in the index"), "{markdown}");
    assert!(markdown.contains("DeleteTrail"), "{markdown}");
    assert!(markdown.contains("written after the damage"));
    assert!(markdown.contains("kept"));
}

#[test]
fn without_a_case_the_commands_say_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture(dir.path());
    let output = trailhound(&index)
        .args(["case", "pin", "hostile"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("trailhound case new NAME"));
    let bad = trailhound(&index)
        .args(["case", "new", "../escape"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(!dir.path().join("escape").exists());
}

/// Two trailhound processes writing into the same case at once lose nothing and break no line.
#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let index = fixture(dir.path());
    trailhound(&index)
        .args(["case", "new", "shared"])
        .assert()
        .success();
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let index = index.clone();
            std::thread::spawn(move || {
                for n in 0..15 {
                    let note = format!("writer {writer} note {n} {}", "x".repeat(2000));
                    trailhound(&index)
                        .args(["case", "note", &note])
                        .assert()
                        .success();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let case = trailhound::case::Case::open(&index, "shared").unwrap();
    assert!(case.problems.is_empty(), "{:?}", case.problems);
    assert_eq!(case.notes_on(None).count(), 30);
}
