//! Liberty import: units, operating conditions, and per-cell data (pin capacitances,
//! internal-energy tables, leakage, delay and transition tables), all converted to pann's units:
//! **fJ** (energy), **fF** (capacitance), **ns** (time), **nW** (power), **V**, **°C**.
//!
//! - `.gz` files are decompressed transparently.
//! - Per-cell files without a library header (upstream GF180) are accepted when a header file
//!   (a `library` group, possibly without cells) is given in the same call.
//! - `switching_power_split_model : "true"` (SKY130): output rise tables include +½·C·V² of the
//!   load and fall tables −½·C·V². [`Liberty::cell`] removes that term point by point
//!   (`rise − ½CV²`, `fall + ½CV²`, exact under bilinear interpolation because it is linear in C),
//!   so every [`LibCell`] table holds internal energy only. Negative entries are kept as they are.
//! - Tables are evaluated by bilinear interpolation with linear extrapolation outside the grid
//!   (as OpenSTA does).

use super::parse::{parse, Group};
use super::EnergyError;
use crate::report::sha256_hex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A lookup table over input slew (ns) × output load (fF). 1-D tables have an empty `load_ff`,
/// scalar tables have both axes empty. `values` is row-major: `values[i * load_ff.len() + j]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Input transition axis, ns.
    pub slew_ns: Vec<f64>,
    /// Output load axis, fF.
    pub load_ff: Vec<f64>,
    /// Values in the table's unit (fJ for energy, ns for delay and transition).
    pub values: Vec<f64>,
}

/// Position of `x` on axis `a`: lower index and fraction (may be < 0 or > 1: extrapolation).
fn locate(a: &[f64], x: f64) -> (usize, f64) {
    if a.len() < 2 {
        return (0, 0.0);
    }
    let mut i = 0;
    while i + 2 < a.len() && x > a[i + 1] {
        i += 1;
    }
    let d = a[i + 1] - a[i];
    let f = if d == 0.0 { 0.0 } else { (x - a[i]) / d };
    (i, f)
}

impl Table {
    /// Value at (`slew_ns`, `load_ff`): bilinear interpolation, linear extrapolation outside.
    pub fn eval(&self, slew_ns: f64, load_ff: f64) -> f64 {
        let (ns, nl) = (self.slew_ns.len().max(1), self.load_ff.len().max(1));
        debug_assert_eq!(self.values.len(), ns * nl);
        let (i, fi) = locate(&self.slew_ns, slew_ns);
        let (j, fj) = locate(&self.load_ff, load_ff);
        let v = |a: usize, b: usize| self.values[a.min(ns - 1) * nl + b.min(nl - 1)];
        let i1 = if ns > 1 { i + 1 } else { i };
        let j1 = if nl > 1 { j + 1 } else { j };
        let r0 = v(i, j) + fj * (v(i, j1) - v(i, j));
        let r1 = v(i1, j) + fj * (v(i1, j1) - v(i1, j));
        r0 + fi * (r1 - r0)
    }
    fn map_values(&mut self, f: impl Fn(f64) -> f64) {
        for v in &mut self.values {
            *v = f(*v);
        }
    }
    fn round(&mut self) {
        for v in self
            .values
            .iter_mut()
            .chain(self.slew_ns.iter_mut())
            .chain(self.load_ff.iter_mut())
        {
            *v = round_sig(*v);
        }
    }
}

/// Round to 7 significant digits (the precision of the source files), so CSVs stay clean.
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let e = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(6 - e);
    (v * scale).round() / scale
}

/// Mean of several tables (state-dependent `when` variants) evaluated at one point.
pub fn eval_mean(ts: &[Table], slew_ns: f64, load_ff: f64) -> f64 {
    if ts.is_empty() {
        return 0.0;
    }
    ts.iter().map(|t| t.eval(slew_ns, load_ff)).sum::<f64>() / ts.len() as f64
}

/// Timing sense of an arc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sense {
    /// Output moves with the input.
    PositiveUnate,
    /// Output moves against the input.
    NegativeUnate,
    /// Either (XOR-like, or clock edge).
    NonUnate,
}

/// An input pin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InPin {
    /// Pin name.
    pub name: String,
    /// Load this pin presents, fF: max(`capacitance`, `rise_capacitance`, `fall_capacitance`),
    /// the worst-edge value a timing tool (OpenSTA) uses for load and switching power.
    pub cap_ff: f64,
    /// Internal energy per rising input transition vs input slew, fJ (one table per `when`).
    pub e_rise: Vec<Table>,
    /// Internal energy per falling input transition, fJ.
    pub e_fall: Vec<Table>,
    /// True for the clock pin of a flip-flop.
    pub is_clock: bool,
}

/// A timing/power arc from `related` input to an output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arc {
    /// Related input pin.
    pub related: String,
    /// Timing sense (unateness).
    pub sense: Sense,
    /// Internal energy per rising output transition (split-model term removed), fJ.
    pub e_rise: Vec<Table>,
    /// Internal energy per falling output transition, fJ.
    pub e_fall: Vec<Table>,
    /// `cell_rise` delay, ns.
    pub d_rise: Option<Table>,
    /// `cell_fall` delay, ns.
    pub d_fall: Option<Table>,
    /// Output `rise_transition`, ns.
    pub t_rise: Option<Table>,
    /// Output `fall_transition`, ns.
    pub t_fall: Option<Table>,
}

/// An output pin and its arcs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutPin {
    /// Pin name.
    pub name: String,
    /// Liberty `function`, if any.
    pub function: String,
    /// Arcs, one per related input pin.
    pub arcs: Vec<Arc>,
}

/// One library cell in pann's units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibCell {
    /// Cell name as in the library.
    pub name: String,
    /// Input pins.
    pub inputs: Vec<InPin>,
    /// Output pins.
    pub outputs: Vec<OutPin>,
    /// Leakage, nW: mean over the `when` states (states taken as equally likely; a group
    /// without `when` is used only if there are no conditional ones), else
    /// `cell_leakage_power`.
    pub leakage_nw: f64,
    /// Cell `area` as the library gives it (µm² for SKY130, GF180 and ASAP7); 0 if absent
    /// (and in cell tables imported before areas were recorded).
    #[serde(default)]
    pub area_um2: f64,
}

impl LibCell {
    /// Input pin by name.
    pub fn input(&self, name: &str) -> Option<&InPin> {
        self.inputs.iter().find(|p| p.name == name)
    }
    /// Output pin by name.
    pub fn output(&self, name: &str) -> Option<&OutPin> {
        self.outputs.iter().find(|p| p.name == name)
    }
    fn round(&mut self) {
        self.leakage_nw = round_sig(self.leakage_nw);
        for p in &mut self.inputs {
            p.cap_ff = round_sig(p.cap_ff);
            p.e_rise
                .iter_mut()
                .chain(p.e_fall.iter_mut())
                .for_each(Table::round);
        }
        for o in &mut self.outputs {
            for a in &mut o.arcs {
                a.e_rise
                    .iter_mut()
                    .chain(a.e_fall.iter_mut())
                    .for_each(Table::round);
                [&mut a.d_rise, &mut a.d_fall, &mut a.t_rise, &mut a.t_fall]
                    .into_iter()
                    .flatten()
                    .for_each(Table::round);
            }
        }
    }
}

/// A cell's logic as written in the Liberty file: what mapping by function reads.
#[derive(Clone, Debug, PartialEq)]
pub struct CellLogic {
    /// Cell name.
    pub name: String,
    /// File the cell came from.
    pub file: String,
    /// `area` (library units; infinite if missing, so such cells sort last).
    pub area: f64,
    /// Input pins in declaration order.
    pub inputs: Vec<String>,
    /// Output pins (not three-state) in declaration order with their `function` ("" if none).
    pub outputs: Vec<(String, String)>,
    /// The `ff` group, if any.
    pub ff: Option<FfLogic>,
    /// A latch, a state table, several `ff` groups or an inout pin: never mapped by function.
    pub other_state: bool,
    /// `dont_use`, or a power-management or clock-gating cell (`is_isolation_cell`,
    /// `is_level_shifter`, `always_on`, `retention_cell`, `switch_cell_type`,
    /// `clock_gating_integrated_cell`): mapped by function only through a `--map` entry.
    pub special: bool,
}

/// A flip-flop's `ff (IQ, IQN) { next_state, clocked_on }` group.
#[derive(Clone, Debug, PartialEq)]
pub struct FfLogic {
    /// The state variable names (`IQ`, `IQN`).
    pub state: Vec<String>,
    /// `next_state` expression.
    pub next_state: String,
    /// `clocked_on` expression.
    pub clocked_on: String,
    /// Has `clear`, `preset` or `clocked_on_also`.
    pub asynchronous: bool,
}

/// A source file: path as given and SHA-256 of its bytes (compressed bytes for `.gz`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path as given on the command line.
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

#[derive(Clone, Debug)]
struct Template {
    var1: String,
    var2: String,
    index1: Vec<f64>,
    index2: Vec<f64>,
}

/// A loaded Liberty library (one corner), with units resolved.
#[derive(Debug)]
pub struct Liberty {
    /// Library name (`library(name)`).
    pub name: String,
    /// Source files with checksums.
    pub sources: Vec<SourceFile>,
    /// Supply voltage, V (default operating conditions, else `nom_voltage`).
    pub voltage_v: f64,
    /// Temperature, °C.
    pub temperature_c: f64,
    /// Process factor.
    pub process: f64,
    /// Whether `switching_power_split_model : "true"` was set.
    pub split_model: bool,
    time_ns: f64,
    cap_ff: f64,
    energy_fj: f64,
    leak_nw: f64,
    templates: BTreeMap<String, Template>,
    cells: BTreeMap<String, Group>,
    file_of_cell: BTreeMap<String, String>,
}

fn read_bytes(path: &Path) -> Result<(Vec<u8>, Vec<u8>), EnergyError> {
    let file = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| EnergyError::Liberty {
        file: file.clone(),
        msg: format!("cannot read: {e}"),
    })?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| EnergyError::Liberty {
                file,
                msg: format!("gzip stream is corrupt or truncated: {e}"),
            })?;
        Ok((raw, out))
    } else {
        Ok((raw.clone(), raw))
    }
}

/// Parse a unit attribute such as `1ns`, `"1pW"`, `1 uW` into (multiplier, unit suffix).
fn split_unit(s: &str) -> Option<(f64, String)> {
    let s = s.trim();
    let k = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let num = s[..k].trim();
    let m = if num.is_empty() {
        1.0
    } else {
        num.parse().ok()?
    };
    Some((m, s[k..].trim().to_ascii_lowercase()))
}

fn num(s: &str, file: &str, ctx: &str) -> Result<f64, EnergyError> {
    s.trim().parse::<f64>().map_err(|_| EnergyError::Liberty {
        file: file.to_string(),
        msg: format!("{ctx}: not a number: {s:?}"),
    })
}

fn num_list(s: &str, file: &str, ctx: &str) -> Result<Vec<f64>, EnergyError> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| num(x, file, ctx))
        .collect()
}

impl Liberty {
    /// Read one corner from one or more files (a header file plus per-cell files is fine).
    pub fn read<P: AsRef<Path>>(paths: &[P]) -> Result<Liberty, EnergyError> {
        let files = paths
            .iter()
            .map(|p| {
                let (raw, text) = read_bytes(p.as_ref())?;
                Ok((p.as_ref().display().to_string(), raw, text))
            })
            .collect::<Result<Vec<_>, EnergyError>>()?;
        Self::from_texts(&files)
    }

    /// [`Liberty::read`] on files already in memory: `(name, raw bytes, text)` for each, where
    /// the raw bytes (checksummed) may be the gzip the text came from.
    pub fn from_texts(files: &[(String, Vec<u8>, Vec<u8>)]) -> Result<Liberty, EnergyError> {
        let mut headers: Vec<(Group, String)> = Vec::new();
        let mut sources = Vec::new();
        let mut cells = BTreeMap::new();
        let mut file_of_cell = BTreeMap::new();
        for (file, raw, text) in files {
            sources.push(SourceFile {
                path: file.clone(),
                sha256: sha256_hex(raw),
            });
            for mut g in parse(text, file)? {
                match g.kind.as_str() {
                    "library" => {
                        for c in std::mem::take(&mut g.groups) {
                            if c.kind == "cell" {
                                file_of_cell.insert(c.name().to_string(), file.clone());
                                cells.insert(c.name().to_string(), c);
                            } else {
                                g.groups.push(c);
                            }
                        }
                        headers.push((g, file.clone()));
                    }
                    "cell" => {
                        file_of_cell.insert(g.name().to_string(), file.clone());
                        cells.insert(g.name().to_string(), g);
                    }
                    _ => {}
                }
            }
        }
        let all = sources
            .iter()
            .map(|s| s.path.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut headers = headers.into_iter();
        let (h, hfile) = headers.next().ok_or_else(|| EnergyError::Liberty {
            file: all.clone(),
            msg: "no library header (library group with units): per-cell files need the corner's header file too".into(),
        })?;
        let mut lib = Self::from_header(h, hfile, sources, cells, file_of_cell)?;
        // Further complete libraries (ASAP7 splits one corner over SIMPLE, INVBUF, SEQ files):
        // same units required; their templates are merged; the first header's conditions rule.
        for (h, f) in headers {
            let other = Self::from_header(h, f.clone(), vec![], BTreeMap::new(), BTreeMap::new())?;
            let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
            if !(same(other.time_ns, lib.time_ns)
                && same(other.cap_ff, lib.cap_ff)
                && same(other.energy_fj, lib.energy_fj)
                && same(other.leak_nw, lib.leak_nw))
            {
                return Err(EnergyError::Attribute {
                    file: f,
                    cell: "(library)".into(),
                    attr: "time_unit/capacitive_load_unit/voltage_unit/leakage_power_unit".into(),
                    msg: format!("units differ from those of {}", lib.sources[0].path),
                });
            }
            for (k, t) in other.templates {
                lib.templates.entry(k).or_insert(t);
            }
        }
        Ok(lib)
    }

    fn from_header(
        h: Group,
        file: String,
        sources: Vec<SourceFile>,
        cells: BTreeMap<String, Group>,
        file_of_cell: BTreeMap<String, String>,
    ) -> Result<Liberty, EnergyError> {
        let err = |attr: &str, msg: String| EnergyError::Attribute {
            file: file.clone(),
            cell: "(library)".into(),
            attr: attr.to_string(),
            msg,
        };
        let unit = |attr: &str| -> Result<(f64, String), EnergyError> {
            let v = h.simple(attr).ok_or_else(|| err(attr, "missing".into()))?;
            split_unit(v).ok_or_else(|| err(attr, format!("cannot read unit {v:?}")))
        };
        let (t, tu) = unit("time_unit")?;
        let time_ns = t * match tu.as_str() {
            "ns" => 1.0,
            "ps" => 1e-3,
            "us" => 1e3,
            "fs" => 1e-6,
            _ => return Err(err("time_unit", format!("unknown unit {tu:?}"))),
        };
        let (v, vu) = unit("voltage_unit")?;
        let volt = v * match vu.as_str() {
            "v" => 1.0,
            "mv" => 1e-3,
            _ => return Err(err("voltage_unit", format!("unknown unit {vu:?}"))),
        };
        let (l, lu) = unit("leakage_power_unit")?;
        let leak_nw = l * match lu.as_str() {
            "mw" => 1e6,
            "uw" => 1e3,
            "nw" => 1.0,
            "pw" => 1e-3,
            "fw" => 1e-6,
            _ => return Err(err("leakage_power_unit", format!("unknown unit {lu:?}"))),
        };
        let cl = h
            .complex("capacitive_load_unit")
            .ok_or_else(|| err("capacitive_load_unit", "missing".into()))?;
        if cl.len() != 2 {
            return Err(err(
                "capacitive_load_unit",
                format!("expected (value, unit), got {cl:?}"),
            ));
        }
        let cm = num(&cl[0], &file, "capacitive_load_unit")?;
        let cap_ff = cm
            * match cl[1].trim().to_ascii_lowercase().as_str() {
                "pf" => 1e3,
                "ff" => 1.0,
                "nf" => 1e6,
                u => return Err(err("capacitive_load_unit", format!("unknown unit {u:?}"))),
            };
        // Internal energy tables are in capacitance unit × voltage unit².
        let energy_fj = cap_ff * volt * volt;

        let opname = h.simple("default_operating_conditions");
        let op = h
            .subgroups("operating_conditions")
            .find(|g| opname.is_none_or(|n| g.name() == n));
        let pick = |attr: &str, nom: &str| -> Result<f64, EnergyError> {
            match op.and_then(|g| g.simple(attr)).or_else(|| h.simple(nom)) {
                Some(s) => num(s, &file, attr),
                None => Err(err(nom, "missing (no operating_conditions either)".into())),
            }
        };
        let voltage_v = pick("voltage", "nom_voltage")? * volt;
        let temperature_c = pick("temperature", "nom_temperature")?;
        let process = pick("process", "nom_process").unwrap_or(1.0);
        let split_model = h
            .simple("switching_power_split_model")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"));

        let mut templates = BTreeMap::new();
        for g in h
            .groups
            .iter()
            .filter(|g| g.kind == "lu_table_template" || g.kind == "power_lut_template")
        {
            let idx = |k: &str| -> Result<Vec<f64>, EnergyError> {
                match g.complex(k).and_then(|a| a.first()) {
                    Some(s) => num_list(s, &file, &format!("template {} {k}", g.name())),
                    None => Ok(Vec::new()),
                }
            };
            templates.insert(
                g.name().to_string(),
                Template {
                    var1: g.simple("variable_1").unwrap_or("").to_string(),
                    var2: g.simple("variable_2").unwrap_or("").to_string(),
                    index1: idx("index_1")?,
                    index2: idx("index_2")?,
                },
            );
        }
        Ok(Liberty {
            name: h.name().to_string(),
            sources,
            voltage_v,
            temperature_c,
            process,
            split_model,
            time_ns,
            cap_ff,
            energy_fj,
            leak_nw,
            templates,
            cells,
            file_of_cell,
        })
    }

    /// Names of all cells, sorted.
    pub fn cell_names(&self) -> impl Iterator<Item = &str> {
        self.cells.keys().map(String::as_str)
    }

    /// True if the library has a cell of that name.
    pub fn has_cell(&self, name: &str) -> bool {
        self.cells.contains_key(name)
    }

    /// Time unit of the source files, ns (0.001 for a `1ps` library).
    pub fn time_unit_ns(&self) -> f64 {
        self.time_ns
    }

    /// The logic view of a cell (area, pins, `function` and `ff` attributes), for mapping by
    /// function; `None` if there is no such cell.
    pub fn cell_logic(&self, name: &str) -> Option<CellLogic> {
        let g = self.cells.get(name)?;
        let pins = |dir: &'static str| {
            g.subgroups("pin")
                .filter(move |p| p.simple("direction") == Some(dir))
        };
        let ff = g.subgroups("ff").next().map(|f| FfLogic {
            state: f.args.clone(),
            next_state: f.simple("next_state").unwrap_or("").to_string(),
            clocked_on: f.simple("clocked_on").unwrap_or("").to_string(),
            asynchronous: ["clear", "preset", "clocked_on_also"]
                .iter()
                .any(|a| f.simple(a).is_some()),
        });
        Some(CellLogic {
            name: name.to_string(),
            file: self.file_of_cell.get(name).cloned().unwrap_or_default(),
            area: g
                .simple("area")
                .and_then(|a| a.trim().parse().ok())
                .unwrap_or(f64::INFINITY),
            inputs: pins("input").map(|p| p.name().to_string()).collect(),
            outputs: pins("output")
                .filter(|p| p.simple("three_state").is_none())
                .map(|p| {
                    (
                        p.name().to_string(),
                        p.simple("function").unwrap_or("").to_string(),
                    )
                })
                .collect(),
            ff,
            other_state: g.subgroups("latch").next().is_some()
                || g.subgroups("statetable").next().is_some()
                || g.subgroups("ff").count() > 1
                || g.subgroups("pin")
                    .any(|p| p.simple("direction") == Some("inout")),
            special: g.simple("dont_use").is_some_and(|v| v == "true")
                || [
                    "is_isolation_cell",
                    "is_level_shifter",
                    "always_on",
                    "retention_cell",
                    "switch_cell_type",
                    "clock_gating_integrated_cell",
                ]
                .iter()
                .any(|a| g.simple(a).is_some_and(|v| v != "false")),
        })
    }

    /// Extract one cell in pann's units.
    pub fn cell(&self, name: &str) -> Result<LibCell, EnergyError> {
        let g = self.cells.get(name).ok_or_else(|| EnergyError::Attribute {
            file: self
                .sources
                .iter()
                .map(|s| s.path.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            cell: name.to_string(),
            attr: "cell".into(),
            msg: "no such cell in the library".into(),
        })?;
        let cx = Cx {
            lib: self,
            file: self.file_of_cell.get(name).cloned().unwrap_or_default(),
            cell: name.to_string(),
        };
        let mut c = cx.cell(g)?;
        c.round();
        Ok(c)
    }
}

/// Extraction context: names the file and cell in errors.
struct Cx<'a> {
    lib: &'a Liberty,
    file: String,
    cell: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Energy,
    Time,
}

impl Cx<'_> {
    fn err(&self, attr: &str, msg: impl Into<String>) -> EnergyError {
        EnergyError::Attribute {
            file: self.file.clone(),
            cell: self.cell.clone(),
            attr: attr.to_string(),
            msg: msg.into(),
        }
    }

    fn num(&self, s: &str, attr: &str) -> Result<f64, EnergyError> {
        s.trim()
            .parse::<f64>()
            .map_err(|_| self.err(attr, format!("not a number: {s:?}")))
    }

    fn list(&self, s: &str, attr: &str) -> Result<Vec<f64>, EnergyError> {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| self.num(x, attr))
            .collect()
    }

    /// A table group (`rise_power(template) { index_1 ... values ... }`) in pann units.
    fn table(&self, g: &Group, kind: Kind) -> Result<Table, EnergyError> {
        let attr = format!("{}({})", g.kind, g.name());
        let tpl = self.lib.templates.get(g.name());
        if tpl.is_none() && g.name() != "scalar" && !g.name().is_empty() {
            return Err(self.err(&attr, "unknown table template"));
        }
        let index = |k: &str, from_tpl: Option<&Vec<f64>>| -> Result<Vec<f64>, EnergyError> {
            match g.complex(k).and_then(|a| a.first()) {
                Some(s) => self.list(s, &attr),
                None => Ok(from_tpl.cloned().unwrap_or_default()),
            }
        };
        let i1 = index("index_1", tpl.map(|t| &t.index1))?;
        let i2 = index("index_2", tpl.map(|t| &t.index2))?;
        let rows = g
            .complex("values")
            .ok_or_else(|| self.err(&attr, "missing values"))?;
        let mut vals = Vec::new();
        for r in rows {
            vals.extend(self.list(r, &attr)?);
        }
        let (v1, v2) = tpl
            .map(|t| (t.var1.as_str(), t.var2.as_str()))
            .unwrap_or(("", ""));
        let is_load = |v: &str| v.contains("capacitance");
        let n1 = i1.len().max(1);
        let n2 = if v2.is_empty() { 1 } else { i2.len().max(1) };
        if vals.len() != n1 * n2 {
            return Err(self.err(
                &attr,
                format!("{} values for a {n1}×{n2} table (truncated?)", vals.len()),
            ));
        }
        let lib = self.lib;
        let ts = |v: &[f64]| v.iter().map(|x| x * lib.time_ns).collect::<Vec<_>>();
        let cs = |v: &[f64]| v.iter().map(|x| x * lib.cap_ff).collect::<Vec<_>>();
        let (mut slew, mut load, mut values) = (Vec::new(), Vec::new(), vals.clone());
        if v2.is_empty() {
            if is_load(v1) {
                load = cs(&i1);
            } else if !v1.is_empty() {
                slew = ts(&i1);
            }
        } else if is_load(v1) {
            // Transpose (load × slew) into (slew × load).
            load = cs(&i1);
            slew = ts(&i2);
            for i in 0..n2 {
                for j in 0..n1 {
                    values[i * n1 + j] = vals[j * n2 + i];
                }
            }
        } else {
            slew = ts(&i1);
            load = cs(&i2);
        }
        let f = match kind {
            Kind::Energy => lib.energy_fj,
            Kind::Time => lib.time_ns,
        };
        let mut t = Table {
            slew_ns: slew,
            load_ff: load,
            values,
        };
        t.map_values(|v| v * f);
        Ok(t)
    }

    fn cell(&self, g: &Group) -> Result<LibCell, EnergyError> {
        let lib = self.lib;
        // Leakage: mean over `when` states, else cell_leakage_power.
        let leak = |cond: bool| -> Result<Vec<f64>, EnergyError> {
            g.subgroups("leakage_power")
                .filter(|l| l.simple("when").is_some() == cond)
                .filter_map(|l| l.simple("value"))
                .map(|v| self.num(v, "leakage_power"))
                .collect()
        };
        let mut conds = leak(true)?;
        if conds.is_empty() {
            conds = leak(false)?;
        }
        let leakage_nw = if !conds.is_empty() {
            conds.iter().sum::<f64>() / conds.len() as f64
        } else {
            match g.simple("cell_leakage_power") {
                Some(v) => self.num(v, "cell_leakage_power")?,
                None => 0.0,
            }
        } * lib.leak_nw;
        let clock_pins: Vec<String> = g
            .groups
            .iter()
            .filter(|s| s.kind == "ff" || s.kind == "latch")
            .filter_map(|s| s.simple("clocked_on").or(s.simple("enable")))
            .map(|s| s.trim_start_matches('!').to_string())
            .collect();
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for p in g.subgroups("pin") {
            let dir = p.simple("direction").unwrap_or("");
            match dir {
                "input" => inputs.push(self.in_pin(p, &clock_pins)?),
                "output" => outputs.push(self.out_pin(p)?),
                "internal" | "inout" => {}
                _ => {
                    return Err(self.err(
                        &format!("pin({}) direction", p.name()),
                        format!("unexpected {dir:?}"),
                    ))
                }
            }
        }
        let area_um2 = match g.simple("area") {
            Some(v) => self.num(v, "area")?,
            None => 0.0,
        };
        Ok(LibCell {
            name: self.cell.clone(),
            inputs,
            outputs,
            leakage_nw,
            area_um2,
        })
    }

    fn in_pin(&self, p: &Group, clock_pins: &[String]) -> Result<InPin, EnergyError> {
        let attr = format!("pin({}) capacitance", p.name());
        let mut cap: f64 = 0.0;
        let mut found = false;
        for k in ["capacitance", "rise_capacitance", "fall_capacitance"] {
            if let Some(v) = p.simple(k) {
                cap = cap.max(self.num(v, &attr)?);
                found = true;
            }
        }
        if !found {
            return Err(self.err(&attr, "missing"));
        }
        let (mut e_rise, mut e_fall) = (Vec::new(), Vec::new());
        for ip in p.subgroups("internal_power") {
            for t in ip.subgroups("rise_power") {
                e_rise.push(self.table(t, Kind::Energy)?);
            }
            for t in ip.subgroups("fall_power") {
                e_fall.push(self.table(t, Kind::Energy)?);
            }
        }
        let is_clock = clock_pins.iter().any(|c| c == p.name())
            || p.simple("clock").is_some_and(|c| c == "true");
        Ok(InPin {
            name: p.name().to_string(),
            cap_ff: cap * self.lib.cap_ff,
            e_rise,
            e_fall,
            is_clock,
        })
    }

    fn out_pin(&self, p: &Group) -> Result<OutPin, EnergyError> {
        let lib = self.lib;
        let mut arcs: Vec<Arc> = Vec::new();
        let arc_for = |arcs: &mut Vec<Arc>, rel: &str| -> usize {
            if let Some(i) = arcs.iter().position(|a| a.related == rel) {
                return i;
            }
            arcs.push(Arc {
                related: rel.to_string(),
                sense: Sense::NonUnate,
                e_rise: Vec::new(),
                e_fall: Vec::new(),
                d_rise: None,
                d_fall: None,
                t_rise: None,
                t_fall: None,
            });
            arcs.len() - 1
        };
        for t in p.subgroups("timing") {
            let ty = t.simple("timing_type").unwrap_or("combinational");
            if !(ty.starts_with("combinational") || ty == "rising_edge" || ty == "falling_edge") {
                continue; // checks, async set/reset, three-state
            }
            let sense = match t.simple("timing_sense").unwrap_or("non_unate") {
                "positive_unate" => Sense::PositiveUnate,
                "negative_unate" => Sense::NegativeUnate,
                _ => Sense::NonUnate,
            };
            for rel in t.simple("related_pin").unwrap_or("").split_whitespace() {
                let i = arc_for(&mut arcs, rel);
                let a = &mut arcs[i];
                a.sense = sense;
                for (k, slot) in [
                    ("cell_rise", &mut a.d_rise),
                    ("cell_fall", &mut a.d_fall),
                    ("rise_transition", &mut a.t_rise),
                    ("fall_transition", &mut a.t_fall),
                ] {
                    if slot.is_none() {
                        if let Some(tg) = t.subgroups(k).next() {
                            *slot = Some(self.table(tg, Kind::Time)?);
                        }
                    }
                }
            }
        }
        let half_v2 = 0.5 * lib.voltage_v * lib.voltage_v;
        for ip in p.subgroups("internal_power") {
            for rel in ip.simple("related_pin").unwrap_or("").split_whitespace() {
                let i = arc_for(&mut arcs, rel);
                for (k, sign) in [("rise_power", -1.0), ("fall_power", 1.0)] {
                    for tg in ip.subgroups(k) {
                        let mut t = self.table(tg, Kind::Energy)?;
                        if lib.split_model && !t.load_ff.is_empty() {
                            let nl = t.load_ff.len();
                            for (n, v) in t.values.iter_mut().enumerate() {
                                *v += sign * half_v2 * t.load_ff[n % nl];
                            }
                        }
                        if sign < 0.0 {
                            arcs[i].e_rise.push(t);
                        } else {
                            arcs[i].e_fall.push(t);
                        }
                    }
                }
            }
        }
        Ok(OutPin {
            name: p.name().to_string(),
            function: p.simple("function").unwrap_or("").to_string(),
            arcs,
        })
    }
}

/// An integrated clock-gating cell found in a Liberty library.
#[derive(Clone, Debug, PartialEq)]
pub struct ClockGatingCell {
    /// Cell name.
    pub cell: String,
    /// Its `clock_gating_integrated_cell` value (e.g. `latch_posedge`).
    pub kind: String,
    /// Pin with `clock_gate_clock_pin : true`.
    pub clk: String,
    /// Pin with `clock_gate_enable_pin : true`.
    pub gate: String,
    /// Pin with `clock_gate_out_pin : true`.
    pub out: String,
    /// `area` (infinite if missing).
    pub area: f64,
}

impl Liberty {
    /// Cells with a `clock_gating_integrated_cell` attribute and their clock, enable and
    /// output pins, sorted by name (cells missing one of the three pins are left out).
    pub fn clock_gating_cells(&self) -> Vec<ClockGatingCell> {
        let mut v = Vec::new();
        for (name, g) in &self.cells {
            let Some(kind) = g.simple("clock_gating_integrated_cell") else {
                continue;
            };
            let pin = |attr: &str| {
                g.subgroups("pin")
                    .find(|p| {
                        p.simple(attr)
                            .is_some_and(|v| v.trim_matches('"') == "true")
                    })
                    .map(|p| p.name().to_string())
            };
            if let (Some(clk), Some(gate), Some(out)) = (
                pin("clock_gate_clock_pin"),
                pin("clock_gate_enable_pin"),
                pin("clock_gate_out_pin"),
            ) {
                v.push(ClockGatingCell {
                    cell: name.clone(),
                    kind: kind.trim_matches('"').to_string(),
                    clk,
                    gate,
                    out,
                    area: g
                        .simple("area")
                        .and_then(|a| a.trim().parse().ok())
                        .unwrap_or(f64::INFINITY),
                });
            }
        }
        v
    }
}
