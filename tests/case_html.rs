//! The case's HTML report: read back by a real HTML parser (hostile event strings stay text, no
//! script, nothing fetched) and rendered by a real browser, headless Chromium, on a phone-sized
//! screen: the activity chart and the timeline are on the page it draws.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};
use support::case_fixture::{fixture, run_ok, HOSTILE_USER};

fn report(dir: &Path) -> (PathBuf, String) {
    let index = fixture(dir);
    let run = |args: &[&str]| {
        run_ok(&index, args);
    };
    run(&["case", "new", "html-case"]);
    run(&["case", "pin", "assume-1", "--note", "session handed out"]);
    run(&[
        "case",
        "pin",
        "delete-trail",
        "--note",
        "<script>alert('note')</script>",
    ]);
    run(&["case", "pin", "hostile", "--note", HOSTILE_USER]);
    let path = dir.join("report.html");
    run(&[
        "case",
        "export",
        "--format",
        "html",
        "-o",
        path.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

fn select<'a>(document: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    document
        .select(&Selector::parse(selector).unwrap())
        .collect()
}

#[test]
fn the_page_parses_with_the_chart_and_timeline_and_hostile_strings_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html) = report(dir.path());
    let document = Html::parse_document(&html);
    assert!(
        document.errors.is_empty() || !html.contains("<script"),
        "{:?}",
        document.errors
    );
    assert!(select(&document, "script").is_empty(), "a script element");
    assert!(
        select(&document, "img").is_empty(),
        "an img element from an event"
    );
    let fetchable: Vec<String> = select(&document, "[src], [href]")
        .iter()
        .map(|e| e.html())
        .collect();
    assert!(fetchable.is_empty(), "fetchable references: {fetchable:?}");
    let csp = select(&document, "meta[http-equiv='Content-Security-Policy']");
    assert!(csp[0]
        .value()
        .attr("content")
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(
        select(&document, "h1")[0].text().collect::<String>(),
        "Case html-case"
    );
    assert_eq!(select(&document, "svg#activity-chart rect.bar").len(), 48);
    assert_eq!(select(&document, "svg#activity-chart line.pin").len(), 3);
    let items = select(&document, "ol.timeline > li");
    assert_eq!(items.len(), 3);
    let texts: Vec<String> = items.iter().map(|li| li.text().collect()).collect();
    assert!(
        texts[0].contains("AssumeRole") && texts[0].contains("session handed out"),
        "{texts:?}"
    );
    assert!(
        texts[1].contains("<script>alert('note')</script>"),
        "{texts:?}"
    );
    assert!(texts[2].contains(HOSTILE_USER), "{texts:?}");
    assert!(select(&document, "meta[name='viewport']").len() == 1);
}

/// Chromium, when the machine has it (`.ci/run` installs Debian's).
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let output = Command::new("which").arg(name).output().ok()?;
            output
                .status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        })
}

#[test]
fn a_real_browser_draws_the_chart_and_the_timeline_on_a_phone_screen() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPING the browser test: no chromium here (.ci/run installs Debian's chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = report(dir.path());
    let url = format!("file://{}", page.display());
    let headless = |extra: &[&str]| {
        Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let dumped = headless(&["--dump-dom"]);
    assert!(
        dumped.status.success(),
        "{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    let dom = Html::parse_document(&String::from_utf8_lossy(&dumped.stdout));
    assert_eq!(select(&dom, "svg#activity-chart rect.bar").len(), 48);
    assert_eq!(select(&dom, "ol.timeline > li").len(), 3);
    assert!(
        select(&dom, "script").is_empty(),
        "the browser's DOM holds a script"
    );
    assert!(select(&dom, "img").is_empty());

    let shot = dir.path().join("phone.png");
    let drawn = headless(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=412,915",
        "--hide-scrollbars",
    ]);
    assert!(
        drawn.status.success(),
        "{}",
        String::from_utf8_lossy(&drawn.stderr)
    );
    let png = std::fs::read(&shot).expect("the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // The PNG's width and height (IHDR) are the phone's.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 412);
    assert!(png.len() > 10_000, "an empty page? {} bytes", png.len());
}
