//! The `index.html` / `index.md` of a `pann reproduce` folder: one [`Page`] of blocks
//! (headings, paragraphs, code, tables, figures) rendered twice, as a self-contained static
//! HTML page (inline style, no script, no network) and as Markdown. Every link and image is a
//! relative path inside the folder; [`Page::missing_targets`] lists those that do not exist,
//! so a writer can refuse to publish a page with a dead link.

use std::fmt::Write as _;
use std::path::Path;

/// A run of text inside a paragraph or a table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Monospaced text (a command, a file name).
    Code(String),
    /// Bold text (a verdict).
    Strong(String),
    /// A relative link.
    Link {
        /// Shown text.
        text: String,
        /// Relative path inside the folder.
        href: String,
    },
}

/// Plain text.
pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

/// Monospaced text.
pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

/// A relative link.
pub fn link(t: impl Into<String>, href: impl Into<String>) -> Inline {
    Inline::Link {
        text: t.into(),
        href: href.into(),
    }
}

/// One block of the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A heading of level 1–3.
    Heading(u8, String),
    /// A paragraph.
    Para(Vec<Inline>),
    /// A bulleted list.
    List(Vec<Vec<Inline>>),
    /// Preformatted text (a command line, a fixed-width table).
    Pre(String),
    /// A table; cells are inline runs.
    Table {
        /// Column titles.
        header: Vec<String>,
        /// Rows, one inline run per cell.
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A figure: an embedded image (PNG or SVG) with a caption and further links.
    Figure {
        /// Relative path of the image shown.
        src: String,
        /// Caption (also the alternative text).
        caption: String,
        /// Other renderings of the same figure: (label, relative path).
        also: Vec<(String, String)>,
    },
}

/// A report page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// Title (the first heading too).
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Percent-encode what a relative URL path cannot carry literally.
fn url(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

fn md_esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn inline_html(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(t) => esc(t),
            Inline::Code(t) => format!("<code>{}</code>", esc(t)),
            Inline::Strong(t) => format!("<strong>{}</strong>", esc(t)),
            Inline::Link { text, href } => {
                format!("<a href=\"{}\">{}</a>", esc(&url(href)), esc(text))
            }
        })
        .collect()
}

fn inline_md(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(t) => t.clone(),
            Inline::Code(t) => format!("`{t}`"),
            Inline::Strong(t) => format!("**{t}**"),
            Inline::Link { text, href } => format!("[{text}]({})", url(href)),
        })
        .collect()
}

const STYLE: &str = "body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#222}\
pre{background:#f4f4f4;padding:.6rem;overflow-x:auto}code{background:#f4f4f4;padding:0 .2rem}\
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}th,td{border:1px solid #bbb;padding:.2rem .45rem;text-align:left;vertical-align:top}\
th{background:#eee}figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.9rem;color:#444}";

impl Page {
    /// Every relative target of a link or an image, in page order.
    pub fn targets(&self) -> Vec<String> {
        let mut v = Vec::new();
        let runs = |v: &mut Vec<String>, rs: &[Inline]| {
            for r in rs {
                if let Inline::Link { href, .. } = r {
                    v.push(href.clone());
                }
            }
        };
        for b in &self.blocks {
            match b {
                Block::Para(rs) => runs(&mut v, rs),
                Block::List(items) => items.iter().for_each(|rs| runs(&mut v, rs)),
                Block::Table { rows, .. } => rows.iter().flatten().for_each(|rs| runs(&mut v, rs)),
                Block::Figure { src, also, .. } => {
                    v.push(src.clone());
                    v.extend(also.iter().map(|(_, h)| h.clone()));
                }
                Block::Heading(..) | Block::Pre(_) => {}
            }
        }
        v
    }

    /// Targets that are not a relative path to an existing file under `root` (absolute
    /// paths, URLs with a scheme, `..`, missing files).
    pub fn missing_targets(&self, root: &Path) -> Vec<String> {
        self.targets()
            .into_iter()
            .filter(|t| {
                t.is_empty()
                    || t.starts_with('/')
                    || t.contains("://")
                    || t.contains(':')
                    || t.split('/').any(|p| p == "..")
                    || !root.join(t).is_file()
            })
            .collect()
    }

    /// Self-contained static HTML (inline style, no script, relative links only).
    pub fn html(&self) -> String {
        let mut s = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            esc(&self.title)
        );
        for b in &self.blocks {
            match b {
                Block::Heading(l, t) => {
                    let l = l.clamp(&1, &3);
                    let _ = writeln!(s, "<h{l}>{}</h{l}>", esc(t));
                }
                Block::Para(rs) => {
                    let _ = writeln!(s, "<p>{}</p>", inline_html(rs));
                }
                Block::List(items) => {
                    s += "<ul>\n";
                    for rs in items {
                        let _ = writeln!(s, "<li>{}</li>", inline_html(rs));
                    }
                    s += "</ul>\n";
                }
                Block::Pre(t) => {
                    let _ = writeln!(s, "<pre>{}</pre>", esc(t.trim_end()));
                }
                Block::Table { header, rows } => {
                    s += "<table>\n<thead><tr>";
                    for h in header {
                        let _ = write!(s, "<th>{}</th>", esc(h));
                    }
                    s += "</tr></thead>\n<tbody>\n";
                    for r in rows {
                        s += "<tr>";
                        for c in r {
                            let _ = write!(s, "<td>{}</td>", inline_html(c));
                        }
                        s += "</tr>\n";
                    }
                    s += "</tbody>\n</table>\n";
                }
                Block::Figure { src, caption, also } => {
                    let links: Vec<String> = also
                        .iter()
                        .map(|(l, h)| format!("<a href=\"{}\">{}</a>", esc(&url(h)), esc(l)))
                        .collect();
                    let _ = writeln!(
                        s,
                        "<figure>\n<img src=\"{}\" alt=\"{}\">\n<figcaption>{}{}{}</figcaption>\n</figure>",
                        esc(&url(src)),
                        esc(caption),
                        esc(caption),
                        if links.is_empty() { "" } else { " — " },
                        links.join(", ")
                    );
                }
            }
        }
        s += "</body>\n</html>\n";
        s
    }

    /// The same page as Markdown (GitHub flavour: pipe tables, relative images).
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        for b in &self.blocks {
            match b {
                Block::Heading(l, t) => {
                    let _ = writeln!(s, "{} {t}\n", "#".repeat(*l.clamp(&1, &3) as usize));
                }
                Block::Para(rs) => {
                    let _ = writeln!(s, "{}\n", inline_md(rs));
                }
                Block::List(items) => {
                    for rs in items {
                        let _ = writeln!(s, "- {}", inline_md(rs));
                    }
                    s += "\n";
                }
                Block::Pre(t) => {
                    let _ = writeln!(s, "```\n{}\n```\n", t.trim_end());
                }
                Block::Table { header, rows } => {
                    let _ = writeln!(
                        s,
                        "| {} |",
                        header
                            .iter()
                            .map(|h| md_esc(h))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
                    for r in rows {
                        let cells: Vec<String> = r.iter().map(|c| md_esc(&inline_md(c))).collect();
                        let _ = writeln!(s, "| {} |", cells.join(" | "));
                    }
                    s += "\n";
                }
                Block::Figure { src, caption, also } => {
                    let links: Vec<String> = also
                        .iter()
                        .map(|(l, h)| format!("[{l}]({})", url(h)))
                        .collect();
                    let _ = writeln!(
                        s,
                        "![{caption}]({})\n\n*{caption}*{}{}\n",
                        url(src),
                        if links.is_empty() { "" } else { " — " },
                        links.join(", ")
                    );
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Page {
        Page {
            title: "T <x>".into(),
            blocks: vec![
                Block::Heading(1, "T <x>".into()),
                Block::Para(vec![
                    text("a & b "),
                    code("pann curve"),
                    link("csv", "d/c.csv"),
                ]),
                Block::Table {
                    header: vec!["k|".into(), "v".into()],
                    rows: vec![vec![vec![text("x")], vec![link("f", "f.csv")]]],
                },
                Block::Figure {
                    src: "d/p.png".into(),
                    caption: "fig".into(),
                    also: vec![("SVG".into(), "d/p.svg".into())],
                },
            ],
        }
    }

    #[test]
    fn html_escapes_text_and_lists_every_target() {
        let p = page();
        let h = p.html();
        assert!(h.contains("<title>T &lt;x&gt;</title>"));
        assert!(h.contains("a &amp; b <code>pann curve</code><a href=\"d/c.csv\">csv</a>"));
        assert!(h.contains("<img src=\"d/p.png\" alt=\"fig\">"));
        assert!(!h.contains("<script"));
        assert!(!h.contains("http"));
        assert_eq!(p.targets(), ["d/c.csv", "f.csv", "d/p.png", "d/p.svg"]);
        let md = p.markdown();
        assert!(md.contains("| k\\| | v |"));
        assert!(md.contains("![fig](d/p.png)"));
    }

    #[test]
    fn missing_and_non_relative_targets_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        for f in ["d/c.csv", "d/p.png", "d/p.svg"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let mut p = page();
        assert_eq!(p.missing_targets(dir.path()), ["f.csv"]);
        std::fs::write(dir.path().join("f.csv"), "x").unwrap();
        assert!(p.missing_targets(dir.path()).is_empty());
        p.blocks.push(Block::Para(vec![
            link("a", "/etc/passwd"),
            link("b", "https://x.org/a"),
            link("c", "../d/c.csv"),
        ]));
        assert_eq!(
            p.missing_targets(dir.path()),
            ["/etc/passwd", "https://x.org/a", "../d/c.csv"]
        );
    }
}
