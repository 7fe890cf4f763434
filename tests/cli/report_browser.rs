//! `pann reproduce` on a tiny slice writes an `index.html` that a real headless browser
//! (Debian `chromium`) renders with every image loaded and every link resolving to a file of
//! the output folder; the same check flags a broken image (so it can fail).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Appended before `</body>`: once everything loaded, one line per image (loaded or broken)
/// and per link (as the browser resolved it) into `<pre id="pann-check">`.
const CHECK_SCRIPT: &str = r#"<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('img').forEach(function (i) {
    out.push((i.complete && i.naturalWidth > 0 ? 'IMG-OK ' : 'IMG-BROKEN ') + i.getAttribute('src'));
  });
  document.querySelectorAll('a').forEach(function (a) { out.push('LINK ' + a.href); });
  var p = document.createElement('pre');
  p.id = 'pann-check';
  p.textContent = 'BEGIN\n' + out.join('\n') + '\nEND';
  document.body.appendChild(p);
});
</script>"#;

/// The Chromium binary, if installed. Under CI (`CI` set) it must be: `.ci/run` installs it.
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "CI is set but chromium is missing: .ci/run installs it"
    );
    found
}

/// Lines the check script wrote after `page` loaded in headless Chromium.
fn browser_check(browser: &str, page: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(page).unwrap();
    let checked = page.with_file_name("pann-check.html");
    std::fs::write(
        &checked,
        html.replace("</body>", &format!("{CHECK_SCRIPT}</body>")),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", checked.display()))
        .output()
        .expect("run chromium");
    std::fs::remove_file(&checked).unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let begin = dom.find("BEGIN\n").unwrap_or_else(|| {
        panic!(
            "check script did not run: {}\n{}",
            dom.chars().take(500).collect::<String>(),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let end = dom[begin..].find("\nEND").expect("END") + begin;
    dom[begin + 6..end]
        .lines()
        .map(|l| l.replace("&amp;", "&"))
        .collect()
}

/// The local file a `file://` URL names (percent-decoded, fragment dropped).
fn file_of(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("file://")?;
    let path = path.split('#').next().unwrap();
    let b = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&path[i + 1..i + 3], 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

#[test]
fn reproduce_index_html_loads_every_image_and_resolves_every_link_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("chromium not installed: skipped (CI installs it)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_pann"))
        .args([
            "reproduce",
            "--quick",
            "--network",
            "mlp:mnist",
            "--limit",
            "40",
            "--heldout",
            "40",
            "--r",
            "0.5,4",
            "--act-bits",
            "4",
            "--models",
            "data/power_models.csv",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    // Self-contained: no script, no remote resource.
    assert!(
        !html.contains("<script") && !html.contains("http"),
        "{html}"
    );
    // Provenance and content the page promises.
    for needle in [
        "pann reproduce --quick --network mlp:mnist",
        "pann curve --model mlp --dataset mnist --quick --limit 40 --heldout 40",
        "sky130_tt_025C_1v80",
        "Timings per stage",
        "Seeds:",
        "sha256",
        "claims.csv",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}");
        assert!(md.contains(needle), "index.md lacks {needle}");
    }
    let lines = browser_check(browser, &out.join("index.html"));
    let images: Vec<&String> = lines.iter().filter(|l| l.starts_with("IMG")).collect();
    assert_eq!(images.len(), html.matches("<img ").count());
    assert!(!images.is_empty());
    for l in &images {
        assert!(l.starts_with("IMG-OK "), "image did not load: {l}");
    }
    let links: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("LINK "))
        .collect();
    assert_eq!(links.len(), html.matches("<a ").count());
    assert!(links.len() >= 6, "{links:?}");
    let root = out.canonicalize().unwrap();
    for l in &links {
        let f = file_of(l).unwrap_or_else(|| panic!("not a local link: {l}"));
        assert!(f.is_file(), "link does not resolve: {l}");
        assert!(
            f.canonicalize().unwrap().starts_with(&root),
            "outside the folder: {l}"
        );
    }
    // The checker itself: a missing image is reported broken.
    std::fs::write(
        out.join("broken.html"),
        "<!DOCTYPE html><html><body><img src=\"curve-mlp-mnist/nope.png\"></body></html>",
    )
    .unwrap();
    let lines = browser_check(browser, &out.join("broken.html"));
    assert_eq!(lines, ["IMG-BROKEN curve-mlp-mnist/nope.png"]);
}
