//! A user mapping file (`pann cells import --map FILE`): primitives bound to named cells, for
//! libraries whose cells lack a usable `function` or where the automatic choice is not wanted.
//!
//! CSV, one primitive per line: `kind,cell[,pins[,out]]`. `kind` is a primitive name (`inv`,
//! `and2`, `andnot`, `mux2`, `maj3`, `dff`, …); `pins` are the cell's input pins bound to the
//! primitive's slots `a b c` in order, separated by spaces (for `dff`: the D pin); `out` is the
//! output pin. Without `pins`/`out` they are found from the cell's `function` (as in mapping by
//! function); with them, they are checked against the `function` when it has one. Blank lines,
//! lines starting with `#` and a header line starting with `kind` are skipped. Every entry is a
//! single cell (a `Direct` recipe) and wins over any other mapping; compositions (`andnot` from
//! an inverter and an AND2, …) use the `inv` of the map when it has one.
//!
//! ```text
//! # kind,cell,pins,out
//! inv,XYZ_INV_X1,A,ZN
//! andnot,XYZ_ANDN_X1,A B,Z
//! dff,XYZ_DFF_X1
//! ```

use super::by_function::{bind_comb, bind_dff, check_binding};
use super::liberty::Liberty;
use super::mapping::{Bound, Recipe};
use super::EnergyError;
use crate::netlist::GateKind;
use std::collections::BTreeMap;
use std::path::Path;

/// One line of a mapping file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// 1-based line number.
    pub line: usize,
    /// Cell name.
    pub cell: String,
    /// Input pins per slot, if given.
    pub pins: Option<Vec<String>>,
    /// Output pin, if given.
    pub out: Option<String>,
}

/// A parsed mapping file: at most one entry per primitive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserMap {
    /// File name, for errors.
    pub file: String,
    /// Entries by primitive.
    pub entries: BTreeMap<GateKind, MapEntry>,
}

impl UserMap {
    /// Read and parse a mapping file.
    pub fn read(path: &Path) -> Result<UserMap, EnergyError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| EnergyError::Map {
            file: file.clone(),
            line: 0,
            field: "(file)".into(),
            value: String::new(),
            msg: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &file)
    }

    /// Parse mapping-file text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<UserMap, EnergyError> {
        let mut m = UserMap {
            file: file.to_string(),
            entries: BTreeMap::new(),
        };
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') || l.starts_with("kind") {
                continue;
            }
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            let err = |field: &str, value: &str, msg: String| m.err(line, field, value, msg);
            if f.len() < 2 || f.len() > 4 {
                return Err(err(
                    "(line)",
                    l,
                    format!("expected kind,cell[,pins[,out]], got {} fields", f.len()),
                ));
            }
            let kind = GateKind::ALL
                .into_iter()
                .find(|k| k.name() == f[0])
                .ok_or_else(|| {
                    let known: Vec<&str> = GateKind::ALL
                        .iter()
                        .filter(|k| k.arity() > 0)
                        .map(|k| k.name())
                        .collect();
                    err(
                        "kind",
                        f[0],
                        format!("unknown primitive (known: {})", known.join(", ")),
                    )
                })?;
            if kind.arity() == 0 {
                return Err(err(
                    "kind",
                    f[0],
                    "needs no cell (inputs and constants)".into(),
                ));
            }
            if f[1].is_empty() {
                return Err(err("cell", f[1], "empty cell name".into()));
            }
            let pins = f
                .get(2)
                .filter(|p| !p.is_empty())
                .map(|p| p.split_whitespace().map(String::from).collect::<Vec<_>>());
            let want = if kind == GateKind::Dff {
                1
            } else {
                kind.arity()
            };
            if let Some(p) = &pins {
                if p.len() != want {
                    return Err(err(
                        "pins",
                        f[2],
                        format!(
                            "{} needs {want} pin(s) (slots a b c in order), got {}",
                            kind.name(),
                            p.len()
                        ),
                    ));
                }
            }
            let entry = MapEntry {
                line,
                cell: f[1].to_string(),
                pins,
                out: f.get(3).filter(|o| !o.is_empty()).map(|o| o.to_string()),
            };
            if let Some(prev) = m.entries.get(&kind) {
                return Err(err(
                    "kind",
                    f[0],
                    format!("mapped twice (first on line {})", prev.line),
                ));
            }
            m.entries.insert(kind, entry);
        }
        Ok(m)
    }

    fn err(&self, line: usize, field: &str, value: &str, msg: String) -> EnergyError {
        EnergyError::Map {
            file: self.file.clone(),
            line,
            field: field.to_string(),
            value: value.to_string(),
            msg,
        }
    }

    /// The recipe for `kind` from this map, checked against `lib`; `None` if not mapped.
    pub fn recipe(&self, lib: &Liberty, kind: GateKind) -> Result<Option<Recipe>, EnergyError> {
        let Some(e) = self.entries.get(&kind) else {
            return Ok(None);
        };
        let err = |field: &str, value: &str, msg: String| self.err(e.line, field, value, msg);
        let mut cell = lib
            .cell_logic(&e.cell)
            .ok_or_else(|| err("cell", &e.cell, format!("no such cell in {}", lib.name)))?;
        cell.special = false; // named by the user: allowed
        for p in e.pins.iter().flatten() {
            if !cell.inputs.contains(p) {
                return Err(err(
                    "pins",
                    p,
                    format!(
                        "not an input pin of {} (inputs: {})",
                        e.cell,
                        cell.inputs.join(" ")
                    ),
                ));
            }
        }
        let outs: Vec<&str> = cell.outputs.iter().map(|(o, _)| o.as_str()).collect();
        if let Some(o) = &e.out {
            if !outs.contains(&o.as_str()) {
                return Err(err(
                    "out",
                    o,
                    format!(
                        "not an output pin of {} (outputs: {})",
                        e.cell,
                        outs.join(" ")
                    ),
                ));
            }
        }
        let found = if kind == GateKind::Dff {
            bind_dff(&cell).filter(|(_, inv)| !inv).map(|(b, _)| b)
        } else {
            bind_comb(&cell, kind, &[])
        };
        let bound = match (&e.pins, &e.out, found) {
            (None, None, Some(b)) => b,
            (None, Some(o), Some(b)) if *o == b.out => b,
            (None, _, _) => {
                return Err(err(
                    "cell",
                    &e.cell,
                    format!(
                        "its function is not {} under any pin order: give pins and out",
                        kind.name()
                    ),
                ))
            }
            (Some(pins), out, found) => {
                let out = match (out, found, outs.as_slice()) {
                    (Some(o), _, _) => o.clone(),
                    (None, Some(b), _) => b.out,
                    (None, None, [one]) => one.to_string(),
                    (None, None, _) => {
                        return Err(err(
                            "out",
                            "",
                            format!("{} has several outputs: name one", e.cell),
                        ))
                    }
                };
                let b = Bound {
                    cell: e.cell.clone(),
                    pins: pins.clone(),
                    out,
                };
                if check_binding(&cell, kind, &b.pins, &b.out) == Some(false) {
                    return Err(err(
                        "pins",
                        &b.pins.join(" "),
                        format!(
                            "{}.{} with these pins does not compute {}",
                            e.cell,
                            b.out,
                            kind.name()
                        ),
                    ));
                }
                b
            }
        };
        Ok(Some(Recipe::Direct { core: bound }))
    }
}
