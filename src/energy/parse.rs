//! A small, tolerant Liberty (`.lib`) reader: groups, simple and complex attributes.
//!
//! Grammar accepted (a superset of what the shared SKY130, GF180 and ASAP7 files use):
//! `name ( args ) { body }` (group), `name : value ;` (simple attribute; the `;` may be missing,
//! as in ASAP7 INVBUF's `area` lines), `name ( args ) ;` (complex attribute). Values are quoted
//! strings (which may span lines with `\` continuations, as in ASAP7 SEQ's `statetable`) or bare
//! words such as `1ns`. Comments `/* */` and `//` and line continuations `\` are skipped.

use super::EnergyError;
use crate::report::quote;

/// A token as a message shows it (quoted, escaped, short).
fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{}'", quote(w)),
        Tok::Str(s) => format!("\"{}\"", quote(s)),
        Tok::Punct(c) => format!("'{}'", *c as char),
        Tok::Eof => "end of file".into(),
    }
}

/// Deepest group nesting accepted. Real libraries nest about six deep (`library` > `cell` >
/// `pin` > `internal_power` > `rise_power`); the limit keeps the recursive reader (and the
/// recursive drop of [`Group`]) within a small, input-independent stack.
pub const MAX_GROUP_DEPTH: usize = 64;

/// A Liberty group: `kind (args) { attributes and subgroups }`.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// Group keyword (`library`, `cell`, `pin`, `internal_power`, ...).
    pub kind: String,
    /// Group arguments (names), unquoted.
    pub args: Vec<String>,
    /// Simple (`name : value`) and complex (`name (a, b)`) attributes in file order.
    pub attrs: Vec<(String, Value)>,
    /// Subgroups in file order.
    pub groups: Vec<Group>,
    /// 1-based line where the group starts.
    pub line: u32,
}

/// An attribute value.
#[derive(Clone, Debug)]
pub enum Value {
    /// `name : value ;`
    Simple(String),
    /// `name (a, b, ...) ;`
    Complex(Vec<String>),
}

impl Group {
    /// First simple attribute named `name`.
    pub fn simple(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find_map(|(k, v)| match v {
            Value::Simple(s) if k == name => Some(s.as_str()),
            _ => None,
        })
    }
    /// First complex attribute named `name`.
    pub fn complex(&self, name: &str) -> Option<&[String]> {
        self.attrs.iter().find_map(|(k, v)| match v {
            Value::Complex(a) if k == name => Some(a.as_slice()),
            _ => None,
        })
    }
    /// Subgroups of kind `kind`.
    pub fn subgroups<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Group> + 'a {
        self.groups.iter().filter(move |g| g.kind == kind)
    }
    /// First argument (the group's name), or "".
    pub fn name(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or("")
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Punct(u8),
    Eof,
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    line: u32,
    file: &'a str,
}

impl<'a> Lexer<'a> {
    fn err(&self, msg: String) -> EnergyError {
        EnergyError::Liberty {
            file: self.file.to_string(),
            msg: format!("line {}: {msg}", self.line),
        }
    }

    fn skip_ws(&mut self) -> Result<(), EnergyError> {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c == b'\n' {
                self.line += 1;
                self.i += 1;
            } else if c.is_ascii_whitespace() || c == b'\\' {
                self.i += 1;
            } else if c == b'/' && self.s.get(self.i + 1) == Some(&b'*') {
                let start = self.line;
                self.i += 2;
                loop {
                    if self.i + 1 >= self.s.len() {
                        self.line = start;
                        return Err(self.err("unterminated comment".into()));
                    }
                    if self.s[self.i] == b'*' && self.s[self.i + 1] == b'/' {
                        self.i += 2;
                        break;
                    }
                    if self.s[self.i] == b'\n' {
                        self.line += 1;
                    }
                    self.i += 1;
                }
            } else if c == b'/' && self.s.get(self.i + 1) == Some(&b'/') {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Tok, EnergyError> {
        self.skip_ws()?;
        let Some(&c) = self.s.get(self.i) else {
            return Ok(Tok::Eof);
        };
        match c {
            b'{' | b'}' | b'(' | b')' | b':' | b';' | b',' => {
                self.i += 1;
                Ok(Tok::Punct(c))
            }
            b'"' => {
                self.i += 1;
                let start_line = self.line;
                let mut out = Vec::new();
                loop {
                    let Some(&d) = self.s.get(self.i) else {
                        self.line = start_line;
                        return Err(self.err("unterminated string (truncated file?)".into()));
                    };
                    self.i += 1;
                    match d {
                        b'"' => break,
                        b'\\' if self.s.get(self.i) == Some(&b'\n') => {
                            self.i += 1;
                            self.line += 1;
                        }
                        b'\\' if self.s.get(self.i) == Some(&b'\r') => {
                            self.i += 1;
                        }
                        b'\n' => {
                            self.line += 1;
                            out.push(d);
                        }
                        _ => out.push(d),
                    }
                }
                Ok(Tok::Str(String::from_utf8_lossy(&out).into_owned()))
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() {
                    let d = self.s[self.i];
                    if d.is_ascii_whitespace() || b"{}():;,\"".contains(&d) {
                        break;
                    }
                    if d == b'\\' {
                        break;
                    }
                    self.i += 1;
                }
                Ok(Tok::Word(
                    String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                ))
            }
        }
    }

    fn peek(&mut self) -> Result<Tok, EnergyError> {
        let (i, line) = (self.i, self.line);
        let t = self.next()?;
        self.i = i;
        self.line = line;
        Ok(t)
    }
}

/// Parse Liberty text into its top-level groups (usually one `library`; a per-cell file without
/// header yields bare `cell` groups). `file` names the source in error messages.
pub fn parse(text: &[u8], file: &str) -> Result<Vec<Group>, EnergyError> {
    let mut lx = Lexer {
        s: text,
        i: 0,
        line: 1,
        file,
    };
    let mut top = Vec::new();
    loop {
        match lx.next()? {
            Tok::Eof => return Ok(top),
            Tok::Word(w) => match parse_statement(&mut lx, w, 1)? {
                Stmt::Group(g) => top.push(g),
                Stmt::Attr(..) => {}
            },
            t => return Err(lx.err(format!("unexpected {} at top level", show(&t)))),
        }
    }
}

enum Stmt {
    Group(Group),
    Attr(String, Value),
}

fn parse_args(lx: &mut Lexer) -> Result<Vec<String>, EnergyError> {
    let mut args = Vec::new();
    loop {
        match lx.next()? {
            Tok::Punct(b')') => return Ok(args),
            Tok::Punct(b',') => {}
            Tok::Word(w) | Tok::Str(w) => args.push(w),
            Tok::Eof => {
                return Err(
                    lx.err("unexpected end of file in argument list (truncated file?)".into())
                )
            }
            t => return Err(lx.err(format!("unexpected {} in argument list", show(&t)))),
        }
    }
}

/// One statement whose name `name` was just read, at group nesting `depth` (1 = top level).
fn parse_statement(lx: &mut Lexer, name: String, depth: usize) -> Result<Stmt, EnergyError> {
    let line = lx.line;
    match lx.next()? {
        Tok::Punct(b':') => {
            let v = match lx.next()? {
                Tok::Word(w) | Tok::Str(w) => w,
                Tok::Eof => {
                    return Err(lx.err(format!(
                        "attribute {}: missing value (truncated file?)",
                        quote(&name)
                    )))
                }
                t => {
                    return Err(lx.err(format!(
                        "attribute {}: unexpected {}",
                        quote(&name),
                        show(&t)
                    )))
                }
            };
            // Multi-word bare values (rare): join until `;`, `}` or a new statement's line.
            if lx.peek()? == Tok::Punct(b';') {
                lx.next()?;
            }
            Ok(Stmt::Attr(name, Value::Simple(v)))
        }
        Tok::Punct(b'(') => {
            let args = parse_args(lx)?;
            match lx.peek()? {
                Tok::Punct(b'{') => {
                    if depth > MAX_GROUP_DEPTH {
                        return Err(lx.err(format!(
                            "groups nested deeper than {MAX_GROUP_DEPTH} levels (malformed file?)"
                        )));
                    }
                    lx.next()?;
                    let mut g = Group {
                        kind: name,
                        args,
                        line,
                        ..Group::default()
                    };
                    loop {
                        match lx.next()? {
                            Tok::Punct(b'}') => break,
                            Tok::Punct(b';') => {}
                            Tok::Word(w) => match parse_statement(lx, w, depth + 1)? {
                                Stmt::Group(sg) => g.groups.push(sg),
                                Stmt::Attr(k, v) => g.attrs.push((k, v)),
                            },
                            Tok::Eof => {
                                return Err(lx.err(format!(
                                    "truncated file: group {}({}) opened at line {} is not closed",
                                    quote(&g.kind),
                                    quote(&g.args.join(",")),
                                    g.line
                                )))
                            }
                            t => {
                                return Err(lx.err(format!(
                                    "unexpected {} in group {}({})",
                                    show(&t),
                                    quote(&g.kind),
                                    quote(&g.args.join(","))
                                )))
                            }
                        }
                    }
                    Ok(Stmt::Group(g))
                }
                Tok::Punct(b';') => {
                    lx.next()?;
                    Ok(Stmt::Attr(name, Value::Complex(args)))
                }
                _ => Ok(Stmt::Attr(name, Value::Complex(args))),
            }
        }
        Tok::Eof => Err(lx.err(format!(
            "unexpected end of file after {} (truncated file?)",
            quote(&name)
        ))),
        t => Err(lx.err(format!("after {}: unexpected {}", quote(&name), show(&t)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quirks_of_real_files() {
        let src = br#"library(x) {
  time_unit : 1ns ;
  capacitive_load_unit(1, pf);
  /* comment */ cell (c) {
    area : 0.2
    statetable ("CLK ENA", "IQ") { \
       table : "L L : - : L , \
                H - : - : N "; }
    pin (A) { capacitance : 0.5; }
  }
}"#;
        let top = parse(src, "t.lib").unwrap();
        assert_eq!(top.len(), 1);
        let lib = &top[0];
        assert_eq!(lib.simple("time_unit"), Some("1ns"));
        assert_eq!(lib.complex("capacitive_load_unit").unwrap(), ["1", "pf"]);
        let cell = lib.subgroups("cell").next().unwrap();
        assert_eq!(cell.simple("area"), Some("0.2"));
        assert_eq!(
            cell.subgroups("pin").next().unwrap().simple("capacitance"),
            Some("0.5")
        );
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_whatever_the_depth() {
        for n in [MAX_GROUP_DEPTH + 1, 20_000, 1_000_000] {
            let src = "g(x){".repeat(n);
            let e = parse(src.as_bytes(), "deep.lib").unwrap_err().to_string();
            assert!(e.contains("deep.lib") && e.contains("nested deeper"), "{e}");
        }
        let ok = format!(
            "{}{}",
            "g(x){".repeat(MAX_GROUP_DEPTH),
            "}".repeat(MAX_GROUP_DEPTH)
        );
        assert_eq!(parse(ok.as_bytes(), "ok.lib").unwrap().len(), 1);
    }

    #[test]
    fn truncated_file_names_the_open_group() {
        let e = parse(b"library(x) {\n cell(c) {\n area : 1;\n", "t.lib").unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("t.lib") && m.contains("cell(c)") && m.contains("truncated"),
            "{m}"
        );
    }
}
