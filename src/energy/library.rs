//! [`CellLibrary`]: per-primitive cell data for one corner, imported from Liberty or loaded
//! from the shipped CSVs in `data/cells/`, and [`GateModel`]: a primitive's energies evaluated
//! at its actual load and input slews.
//!
//! Units: energy fJ, capacitance fF, time ns, leakage nW, voltage V, temperature °C.

use super::by_function::FunctionIndex;
use super::liberty::{eval_mean, round_sig, LibCell, Liberty, Sense, SourceFile};
use super::mapping::{candidates, Bound, Family, Recipe};
use super::user_map::UserMap;
use super::EnergyError;
use crate::netlist::GateKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variable naming a directory of user cell libraries (`<id>.csv`, as written by
/// `pann cells import`): searched by [`CellLibrary::load`] and [`CellLibrary::list`] before
/// `./data/cells` and the embedded copies, and the default `--out` directory of the import.
pub const CELLS_DIR_ENV: &str = "PANN_CELLS_DIR";

/// How [`CellLibrary::import`] maps primitives to cells and names the result.
///
/// Per primitive, first match wins: the user map; the family's name table
/// ([`mapping::candidates`](super::mapping::candidates), for SKY130, GF180, ASAP7, unless
/// `by_function_only`); mapping by function ([`FunctionIndex::recipe`]).
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Library id (CSV file stem); default: `<family>_<corner>` for the known families, else
    /// the Liberty library name with characters other than `[A-Za-z0-9_.-]` replaced by `_`.
    pub id: Option<String>,
    /// A user mapping file; its entries win over everything else.
    pub map: Option<UserMap>,
    /// Ignore the per-family name tables (default false: they are preferred when they apply).
    pub by_function_only: bool,
}

/// The library used when none is named.
pub const DEFAULT_LIBRARY: &str = "sky130_tt_025C_1v80";

/// Embedded copies of every shipped CSV (`data/cells/*.csv`), so the CLI works from a clean
/// clone without `../shared`.
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/cells/embedded.rs.in"
));

/// One primitive's implementation: the recipe and the library cells it uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prim {
    /// The primitive (stored by [`GateKind::name`]).
    #[serde(with = "kind_name")]
    pub kind: GateKind,
    /// How it is built.
    pub recipe: Recipe,
    /// The cells used (data in pann units).
    pub cells: Vec<LibCell>,
}

mod kind_name {
    use crate::netlist::GateKind;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(k: &GateKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.name())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<GateKind, D::Error> {
        let n = String::deserialize(d)?;
        GateKind::ALL
            .into_iter()
            .find(|k| k.name() == n)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown primitive {n:?}")))
    }
}

/// A primitive's energies at one operating point (load and input slews), per toggle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GateModel {
    /// Output internal energy per rising output toggle caused by input slot `s`, fJ.
    pub arc_rise_fj: [f64; 3],
    /// Output internal energy per falling output toggle caused by slot `s`, fJ.
    pub arc_fall_fj: [f64; 3],
    /// Internal energy per rising toggle of input slot `s` (input-pin tables, plus any
    /// input-inverter stage of a composition), fJ.
    pub in_rise_fj: [f64; 3],
    /// Same for falling input toggles, fJ.
    pub in_fall_fj: [f64; 3],
    /// Output rise / fall transition, ns (max over arcs).
    pub out_slew_ns: (f64, f64),
    /// Propagation delay, ns (max over arcs and edges).
    pub delay_ns: f64,
    /// Leakage, nW.
    pub leakage_nw: f64,
    /// Flip-flops: clock-pin internal energy per clock cycle (rise + fall), fJ.
    pub clock_fj: f64,
    /// Flip-flops: clock-pin capacitance, fF.
    pub clock_cap_ff: f64,
    /// Internal energy of the cell's other, unused output (GF180's `maj3` is a full adder's
    /// carry: its open sum `S`) per toggle of that output caused by slot `s`: mean of the
    /// rise and fall tables at no load, as OpenSTA charges it, fJ. Zero for single-output cells.
    pub open_fj: [f64; 3],
}

fn lib_cell<'a>(p: &'a Prim, name: &str) -> &'a LibCell {
    p.cells
        .iter()
        .find(|c| c.name == name)
        .expect("recipe cells are stored with the primitive")
}

/// Slew seen by an arc for an output edge, given the related input's (rise, fall) slews.
fn from_slew(sense: Sense, to_rise: bool, slews: (f64, f64)) -> f64 {
    let from_rise = match sense {
        Sense::NegativeUnate => !to_rise,
        _ => to_rise,
    };
    if from_rise {
        slews.0
    } else {
        slews.1
    }
}

/// (energy, transition, delay) of `cell.out` for one output edge through the arc from `rel`.
fn arc_eval(
    c: &LibCell,
    out: &str,
    rel: &str,
    to_rise: bool,
    slews: (f64, f64),
    load: f64,
) -> (f64, f64, f64) {
    let Some(a) = c
        .output(out)
        .and_then(|o| o.arcs.iter().find(|a| a.related == rel))
    else {
        return (0.0, 0.0, 0.0);
    };
    let s = from_slew(a.sense, to_rise, slews);
    let (e, t, d) = if to_rise {
        (&a.e_rise, &a.t_rise, &a.d_rise)
    } else {
        (&a.e_fall, &a.t_fall, &a.d_fall)
    };
    let f =
        |t: &Option<super::liberty::Table>| t.as_ref().map_or(0.0, |t| t.eval(s, load).max(0.0));
    (eval_mean(e, s, load), f(t), f(d))
}

fn pin_energy(c: &LibCell, pin: &str, rise: bool, slew: f64) -> f64 {
    c.input(pin).map_or(0.0, |p| {
        eval_mean(if rise { &p.e_rise } else { &p.e_fall }, slew, 0.0)
    })
}

fn pin_cap(c: &LibCell, pin: &str) -> f64 {
    c.input(pin).map_or(0.0, |p| p.cap_ff)
}

fn clock_pin(c: &LibCell) -> Option<&super::liberty::InPin> {
    c.inputs.iter().find(|p| p.is_clock)
}

impl Prim {
    /// Capacitance each input slot presents to its driver, fF.
    pub fn input_caps_ff(&self) -> Vec<f64> {
        let k = self.kind.arity();
        match &self.recipe {
            Recipe::Direct { core } | Recipe::InvOut { core, .. } => {
                let c = lib_cell(self, &core.cell);
                (0..k).map(|s| pin_cap(c, &core.pins[s])).collect()
            }
            Recipe::InvIn { core, inv, slots } => {
                let c = lib_cell(self, &core.cell);
                let i = lib_cell(self, &inv.cell);
                (0..k)
                    .map(|s| {
                        if slots.contains(&s) {
                            pin_cap(i, &inv.pins[0])
                        } else {
                            pin_cap(c, &core.pins[s])
                        }
                    })
                    .collect()
            }
            Recipe::NandMux { nand, inv } => {
                let n = lib_cell(self, &nand.cell);
                let i = lib_cell(self, &inv.cell);
                let (ca, cb) = (pin_cap(n, &nand.pins[0]), pin_cap(n, &nand.pins[1]));
                vec![ca, ca, cb + pin_cap(i, &inv.pins[0])]
            }
        }
    }

    /// Evaluate at supply `v` (V), output load `load_ff` (fF), input slews per slot
    /// (rise, fall) in ns, and clock slew (ns, flip-flops only).
    pub fn model(&self, v: f64, load_ff: f64, slews: &[(f64, f64)], clock_slew: f64) -> GateModel {
        let mut m = GateModel::default();
        let half_v2 = 0.5 * v * v;
        let k = self.kind.arity();
        let sl = |s: usize| slews.get(s).copied().unwrap_or((0.0, 0.0));
        match &self.recipe {
            Recipe::Direct { core } if self.kind == GateKind::Dff => {
                let c = lib_cell(self, &core.cell);
                self.dff(&mut m, c, core, load_ff, sl(0), clock_slew, None, half_v2);
            }
            Recipe::InvOut { core, inv } => {
                let c = lib_cell(self, &core.cell);
                let i = lib_cell(self, &inv.cell);
                self.dff(
                    &mut m,
                    c,
                    core,
                    load_ff,
                    sl(0),
                    clock_slew,
                    Some((i, inv)),
                    half_v2,
                );
            }
            Recipe::Direct { core } => {
                let c = lib_cell(self, &core.cell);
                for s in 0..k {
                    self.direct_slot(&mut m, c, core, s, sl(s), load_ff);
                    // A full adder's sum switches too (open, no load; the outputs
                    // `MappedNetlist` leaves open: only maj3's).
                    let open = c.outputs.iter().filter(|o| o.name != core.out);
                    for o in open.filter(|_| self.kind == GateKind::Maj3) {
                        let (er, _, _) = arc_eval(c, &o.name, &core.pins[s], true, sl(s), 0.0);
                        let (ef, _, _) = arc_eval(c, &o.name, &core.pins[s], false, sl(s), 0.0);
                        m.open_fj[s] += 0.5 * (er + ef);
                    }
                }
            }
            Recipe::InvIn { core, inv, slots } => {
                let c = lib_cell(self, &core.cell);
                let i = lib_cell(self, &inv.cell);
                for s in 0..k {
                    if !slots.contains(&s) {
                        self.direct_slot(&mut m, c, core, s, sl(s), load_ff);
                        continue;
                    }
                    let cp = pin_cap(c, &core.pins[s]);
                    let ip = &inv.pins[0];
                    // Input rises → INV output falls (and vice versa).
                    let (ef, tf, df) = arc_eval(i, &inv.out, ip, false, sl(s), cp);
                    let (er, tr, dr) = arc_eval(i, &inv.out, ip, true, sl(s), cp);
                    m.in_rise_fj[s] = pin_energy(i, ip, true, sl(s).0)
                        + ef
                        + pin_energy(c, &core.pins[s], false, tf)
                        + half_v2 * cp;
                    m.in_fall_fj[s] = pin_energy(i, ip, false, sl(s).1)
                        + er
                        + pin_energy(c, &core.pins[s], true, tr)
                        + half_v2 * cp;
                    let save = (m.in_rise_fj[s], m.in_fall_fj[s], m.delay_ns);
                    m.delay_ns = 0.0;
                    self.direct_slot(&mut m, c, core, s, (tr, tf), load_ff);
                    let core_d = m.delay_ns;
                    (m.in_rise_fj[s], m.in_fall_fj[s]) = (save.0, save.1);
                    m.delay_ns = save.2.max(core_d + df.max(dr));
                }
                m.leakage_nw += i.leakage_nw * slots.len() as f64;
            }
            Recipe::NandMux { nand, inv } => {
                let n = lib_cell(self, &nand.cell);
                let i = lib_cell(self, &inv.cell);
                let (pa, pb) = (&nand.pins[0], &nand.pins[1]);
                let (ca, cb) = (pin_cap(n, pa), pin_cap(n, pb));
                let ip = &inv.pins[0];
                // First level: NAND1(a, !c), NAND2(b, c); output NAND3(n1 on A, n2 on B).
                let s_in = sl(0);
                let (e1r, t1r, d1) = arc_eval(n, &nand.out, pa, true, s_in, ca);
                let (e1f, t1f, _) = arc_eval(n, &nand.out, pa, false, s_in, ca);
                let mid = (t1r, t1f);
                let mut e_out = [0.0; 2];
                let mut t_out = [0.0f64; 2];
                let mut d3 = 0.0f64;
                for (j, rise) in [(0, true), (1, false)] {
                    let (ea, ta, da) = arc_eval(n, &nand.out, pa, rise, mid, load_ff);
                    let (eb, tb, db) = arc_eval(n, &nand.out, pb, rise, mid, load_ff);
                    // One first-level toggle (opposite edge) per output toggle.
                    let (e1, t1) = if rise { (e1f, t1f) } else { (e1r, t1r) };
                    e_out[j] = 0.5 * (ea + eb) + e1 + pin_energy(n, pa, !rise, t1) + half_v2 * ca;
                    t_out[j] = ta.max(tb);
                    d3 = d3.max(da.max(db));
                }
                for s in 0..3 {
                    m.arc_rise_fj[s] = e_out[0];
                    m.arc_fall_fj[s] = e_out[1];
                }
                for (s, p) in [(0, pa), (1, pa)] {
                    m.in_rise_fj[s] = pin_energy(n, p, true, sl(s).0);
                    m.in_fall_fj[s] = pin_energy(n, p, false, sl(s).1);
                }
                let sc = sl(2);
                let (ef, tf, di) = arc_eval(i, &inv.out, ip, false, sc, ca.max(cb));
                let (er, tr, _) = arc_eval(i, &inv.out, ip, true, sc, cb);
                m.in_rise_fj[2] = pin_energy(n, pb, true, sc.0)
                    + pin_energy(i, ip, true, sc.0)
                    + ef
                    + pin_energy(n, pb, false, tf)
                    + half_v2 * cb;
                m.in_fall_fj[2] = pin_energy(n, pb, false, sc.1)
                    + pin_energy(i, ip, false, sc.1)
                    + er
                    + pin_energy(n, pb, true, tr)
                    + half_v2 * cb;
                m.out_slew_ns = (t_out[0], t_out[1]);
                m.delay_ns = di + d1 + d3;
                m.leakage_nw = 3.0 * n.leakage_nw + i.leakage_nw;
                return m;
            }
        }
        if let Recipe::Direct { core } | Recipe::InvIn { core, .. } = &self.recipe {
            m.leakage_nw += lib_cell(self, &core.cell).leakage_nw;
        }
        m
    }

    fn direct_slot(
        &self,
        m: &mut GateModel,
        c: &LibCell,
        core: &Bound,
        s: usize,
        sl: (f64, f64),
        load: f64,
    ) {
        let p = &core.pins[s];
        let (er, tr, dr) = arc_eval(c, &core.out, p, true, sl, load);
        let (ef, tf, df) = arc_eval(c, &core.out, p, false, sl, load);
        m.arc_rise_fj[s] = er;
        m.arc_fall_fj[s] = ef;
        m.in_rise_fj[s] = pin_energy(c, p, true, sl.0);
        m.in_fall_fj[s] = pin_energy(c, p, false, sl.1);
        m.out_slew_ns.0 = m.out_slew_ns.0.max(tr);
        m.out_slew_ns.1 = m.out_slew_ns.1.max(tf);
        m.delay_ns = m.delay_ns.max(dr.max(df));
    }

    #[allow(clippy::too_many_arguments)]
    fn dff(
        &self,
        m: &mut GateModel,
        c: &LibCell,
        core: &Bound,
        load: f64,
        d_slew: (f64, f64),
        clk_slew: f64,
        inv: Option<(&LibCell, &Bound)>,
        half_v2: f64,
    ) {
        let clk = clock_pin(c).map(|p| p.name.clone()).unwrap_or_default();
        let cs = (clk_slew, clk_slew);
        let d = &core.pins[0];
        m.in_rise_fj[0] = pin_energy(c, d, true, d_slew.0);
        m.in_fall_fj[0] = pin_energy(c, d, false, d_slew.1);
        if let Some(p) = clock_pin(c) {
            m.clock_fj = eval_mean(&p.e_rise, clk_slew, 0.0) + eval_mean(&p.e_fall, clk_slew, 0.0);
            m.clock_cap_ff = p.cap_ff;
        }
        m.leakage_nw = c.leakage_nw;
        match inv {
            None => {
                let (er, tr, dr) = arc_eval(c, &core.out, &clk, true, cs, load);
                let (ef, tf, df) = arc_eval(c, &core.out, &clk, false, cs, load);
                (m.arc_rise_fj[0], m.arc_fall_fj[0]) = (er, ef);
                m.out_slew_ns = (tr, tf);
                m.delay_ns = dr.max(df);
            }
            Some((i, ib)) => {
                let ci = pin_cap(i, &ib.pins[0]);
                let ip = &ib.pins[0];
                // Q rises ⇔ QN falls.
                let (qf, tqf, dqf) = arc_eval(c, &core.out, &clk, false, cs, ci);
                let (qr, tqr, dqr) = arc_eval(c, &core.out, &clk, true, cs, ci);
                let (er, tr, dr) = arc_eval(i, &ib.out, ip, true, (tqr, tqf), load);
                let (ef, tf, df) = arc_eval(i, &ib.out, ip, false, (tqr, tqf), load);
                m.arc_rise_fj[0] = qf + pin_energy(i, ip, false, tqf) + er + half_v2 * ci;
                m.arc_fall_fj[0] = qr + pin_energy(i, ip, true, tqr) + ef + half_v2 * ci;
                m.out_slew_ns = (tr, tf);
                m.delay_ns = dqf.max(dqr) + dr.max(df);
                m.leakage_nw += i.leakage_nw;
            }
        }
    }
}

/// Per-primitive cell data of one corner.
#[derive(Clone, Debug)]
pub struct CellLibrary {
    /// Identifier, `<family>_<corner>` (e.g. `sky130_tt_025C_1v80`); the CSV file stem.
    pub id: String,
    /// Liberty library name.
    pub library: String,
    /// Supply voltage, V.
    pub voltage_v: f64,
    /// Temperature, °C.
    pub temperature_c: f64,
    /// Process factor from the file.
    pub process: f64,
    /// Delay tick, ns: 0.01 ns (10 ps) for SKY130 and GF180, 0.001 ns (1 ps) for ASAP7.
    pub tick_ns: f64,
    /// Source Liberty files with SHA-256.
    pub sources: Vec<SourceFile>,
    /// Whether the source used `switching_power_split_model` (already removed from tables).
    pub split_model: bool,
    prims: BTreeMap<GateKind, Prim>,
}

/// The CSV row: one per primitive.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    library_id: String,
    library: String,
    primitive: String,
    cells: String,
    voltage_v: f64,
    temperature_c: f64,
    process: f64,
    ref_slew_ns: f64,
    ref_load_ff: f64,
    e_rise_fj: f64,
    e_fall_fj: f64,
    e_in_rise_fj: f64,
    e_in_fall_fj: f64,
    switch_fj_per_ff: f64,
    pin_caps_ff: String,
    leakage_nw: f64,
    delay_ns: f64,
    tick_ns: f64,
    delay_ticks: u32,
    clock_fj: f64,
    clock_cap_ff: f64,
    split_model: bool,
    sources: String,
    model_json: String,
}

fn id_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// A library name as an id: characters other than `[A-Za-z0-9_.-]` become `_`.
fn sanitize_id(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if id_char_ok(c) { c } else { '_' })
        .collect();
    if s.is_empty() {
        "library".into()
    } else {
        s
    }
}

fn check_id(id: &str, file: &str) -> Result<String, EnergyError> {
    if id.is_empty() || id.starts_with('.') || !id.chars().all(id_char_ok) {
        return Err(EnergyError::Csv {
            file: file.to_string(),
            msg: format!("library id {id:?}: use letters, digits, '_', '-', '.' (not first)"),
        });
    }
    Ok(id.to_string())
}

/// Identifier of a Liberty library: `<family>_<corner>`.
fn library_id(fam: Family, library: &str) -> String {
    match fam {
        Family::Asap7 => {
            let l = library.to_ascii_lowercase();
            let c = ["_tt_", "_ff_", "_ss_"]
                .iter()
                .find(|c| l.contains(*c))
                .map(|c| c.trim_matches('_'))
                .unwrap_or("tt");
            format!("asap7_rvt_{c}")
        }
        _ => {
            let corner = library.rsplit("__").next().unwrap_or(library);
            format!("{}_{corner}", fam.short())
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

impl CellLibrary {
    /// Import from Liberty with the default [`ImportOptions`]: name tables for the known
    /// families, mapping by function otherwise. Errors name the file, cell and attribute; a
    /// primitive with no available recipe is an error naming the cells tried.
    pub fn from_liberty(lib: &Liberty) -> Result<CellLibrary, EnergyError> {
        Self::import(lib, &ImportOptions::default())
    }

    /// Import from Liberty: pick each primitive's recipe (see [`ImportOptions`] for the order).
    pub fn import(lib: &Liberty, opts: &ImportOptions) -> Result<CellLibrary, EnergyError> {
        let files = || {
            lib.sources
                .iter()
                .map(|s| s.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let fam = Family::detect(&lib.name);
        let index = FunctionIndex::new(lib);
        let mut prims = BTreeMap::new();
        let mut inv: Option<Bound> = None;
        for kind in GateKind::ALL.into_iter().filter(|k| k.arity() > 0) {
            let by_name = match fam {
                Some(f) if !opts.by_function_only => candidates(f, kind),
                _ => vec![],
            };
            let user = match &opts.map {
                Some(m) => m.recipe(lib, kind)?,
                None => None,
            };
            let recipe = user
                .or_else(|| {
                    by_name
                        .iter()
                        .find(|r| r.cells().iter().all(|c| lib.has_cell(c)))
                        .cloned()
                })
                .or_else(|| index.recipe(kind, inv.as_ref()));
            let Some(recipe) = recipe else {
                let missing: Vec<&str> = by_name
                    .last()
                    .map(|r| r.cells().into_iter().filter(|c| !lib.has_cell(c)).collect())
                    .unwrap_or_default();
                return Err(EnergyError::Attribute {
                    file: files(),
                    cell: if missing.is_empty() {
                        "(none)".into()
                    } else {
                        missing.join(",")
                    },
                    attr: format!("cell (needed for primitive {})", kind.name()),
                    msg: format!(
                        "missing from the library, and no cell's function implements {} \
                         (name a cell for it in a --map file)",
                        kind.name()
                    ),
                });
            };
            if let (GateKind::Inv, Recipe::Direct { core }) = (kind, &recipe) {
                inv = Some(core.clone());
            }
            let cells = recipe
                .cells()
                .into_iter()
                .map(|c| lib.cell(c))
                .collect::<Result<Vec<_>, _>>()?;
            prims.insert(
                kind,
                Prim {
                    kind,
                    recipe,
                    cells,
                },
            );
        }
        let id = match (&opts.id, fam) {
            (Some(id), _) => check_id(id, &files())?,
            (None, Some(f)) => library_id(f, &lib.name),
            (None, None) => sanitize_id(&lib.name),
        };
        let ps = fam == Some(Family::Asap7) || lib.time_unit_ns() < 0.01;
        Ok(CellLibrary {
            id,
            library: lib.name.clone(),
            voltage_v: lib.voltage_v,
            temperature_c: lib.temperature_c,
            process: lib.process,
            tick_ns: if ps { 0.001 } else { 0.01 },
            sources: lib.sources.clone(),
            split_model: lib.split_model,
            prims,
        })
    }

    /// The implementation of a primitive (None for inputs and constants).
    pub fn prim(&self, kind: GateKind) -> Option<&Prim> {
        self.prims.get(&kind)
    }

    /// Reference operating point: load = 4 inverter inputs, slew = the inverter's output
    /// transition at that load with an ideal input (mean of rise and fall).
    pub fn reference_point(&self) -> (f64, f64) {
        let inv = &self.prims[&GateKind::Inv];
        let load = 4.0 * inv.input_caps_ff()[0];
        let m = inv.model(self.voltage_v, load, &[(0.0, 0.0)], 0.0);
        let m = inv.model(self.voltage_v, load, &[m.out_slew_ns], 0.0);
        (
            round_sig(0.5 * (m.out_slew_ns.0 + m.out_slew_ns.1)),
            round_sig(load),
        )
    }

    /// Model of `kind` at the reference point.
    pub fn reference_model(&self, kind: GateKind) -> Option<GateModel> {
        let (s, l) = self.reference_point();
        self.prim(kind)
            .map(|p| p.model(self.voltage_v, l, &[(s, s); 3], s))
    }

    /// Propagation delay of `kind` at the reference point (load = 4 inverter inputs, slew =
    /// the inverter's output slew there; max over arcs and edges) in ticks of
    /// [`CellLibrary::tick_ns`], rounded, at least 1 for cells, 0 for inputs and constants.
    /// For `--delay cells`; see [`CellLibrary::delay_table`].
    pub fn delay_ticks(&self, kind: GateKind) -> u32 {
        self.reference_model(kind)
            .map_or(0, |m| ((m.delay_ns / self.tick_ns).round() as u32).max(1))
    }

    /// The timed simulator's per-kind delay table from this library: [`Self::delay_ticks`]
    /// for every combinational kind, ticks of [`Self::tick_ns`] (`--delay cells`).
    pub fn delay_table(&self) -> crate::sim::delay::DelayTable {
        GateKind::ALL.iter().filter(|k| k.is_combinational()).fold(
            crate::sim::delay::DelayTable::uniform(1, self.tick_ns),
            |t, &k| t.with(k, self.delay_ticks(k)),
        )
    }

    /// Write the CSV (one row per primitive) to `w`.
    pub fn write_csv(&self, w: &mut dyn std::io::Write) -> Result<(), EnergyError> {
        let (rs, rl) = self.reference_point();
        let sources = self
            .sources
            .iter()
            .map(|s| {
                let name = Path::new(&s.path)
                    .file_name()
                    .map_or(s.path.clone(), |n| n.to_string_lossy().into_owned());
                format!("{name}={}", s.sha256)
            })
            .collect::<Vec<_>>()
            .join(";");
        let mut wr = csv::Writer::from_writer(w);
        for (kind, p) in &self.prims {
            let m = p.model(self.voltage_v, rl, &[(rs, rs); 3], rs);
            let k = kind.arity().min(if *kind == GateKind::Dff { 1 } else { 3 });
            let caps = p.input_caps_ff();
            let row = Row {
                library_id: self.id.clone(),
                library: self.library.clone(),
                primitive: kind.name().to_string(),
                cells: p.recipe.describe(),
                voltage_v: self.voltage_v,
                temperature_c: self.temperature_c,
                process: self.process,
                ref_slew_ns: rs,
                ref_load_ff: rl,
                e_rise_fj: round_sig(mean(&m.arc_rise_fj[..k])),
                e_fall_fj: round_sig(mean(&m.arc_fall_fj[..k])),
                e_in_rise_fj: round_sig(mean(&m.in_rise_fj[..k])),
                e_in_fall_fj: round_sig(mean(&m.in_fall_fj[..k])),
                switch_fj_per_ff: round_sig(0.5 * self.voltage_v * self.voltage_v),
                pin_caps_ff: caps
                    .iter()
                    .map(|c| format!("{}", round_sig(*c)))
                    .collect::<Vec<_>>()
                    .join(";"),
                leakage_nw: round_sig(m.leakage_nw),
                delay_ns: round_sig(m.delay_ns),
                tick_ns: self.tick_ns,
                delay_ticks: self.delay_ticks(*kind),
                clock_fj: round_sig(m.clock_fj),
                clock_cap_ff: round_sig(m.clock_cap_ff),
                split_model: self.split_model,
                sources: sources.clone(),
                model_json: serde_json::to_string(p).expect("serialisable"),
            };
            wr.serialize(row).map_err(|e| EnergyError::Csv {
                file: self.id.clone(),
                msg: e.to_string(),
            })?;
        }
        wr.flush().map_err(|e| EnergyError::Csv {
            file: self.id.clone(),
            msg: e.to_string(),
        })?;
        Ok(())
    }

    /// Read a CSV written by [`CellLibrary::write_csv`]; `file` names it in errors.
    pub fn read_csv(text: &str, file: &str) -> Result<CellLibrary, EnergyError> {
        let err = |msg: String| EnergyError::Csv {
            file: file.to_string(),
            msg,
        };
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let mut lib: Option<CellLibrary> = None;
        for r in rd.deserialize::<Row>() {
            let r = r.map_err(|e| err(e.to_string()))?;
            let p: Prim = serde_json::from_str(&r.model_json)
                .map_err(|e| err(format!("primitive {}: model_json: {e}", r.primitive)))?;
            let l = lib.get_or_insert_with(|| CellLibrary {
                id: r.library_id.clone(),
                library: r.library.clone(),
                voltage_v: r.voltage_v,
                temperature_c: r.temperature_c,
                process: r.process,
                tick_ns: r.tick_ns,
                sources: r
                    .sources
                    .split(';')
                    .filter_map(|s| s.split_once('='))
                    .map(|(p, h)| SourceFile {
                        path: p.to_string(),
                        sha256: h.to_string(),
                    })
                    .collect(),
                split_model: r.split_model,
                prims: BTreeMap::new(),
            });
            l.prims.insert(p.kind, p);
        }
        let lib = lib.ok_or_else(|| err("no rows".into()))?;
        for k in GateKind::ALL.iter().filter(|k| k.arity() > 0) {
            if !lib.prims.contains_key(k) {
                return Err(err(format!("no row for primitive {}", k.name())));
            }
        }
        Ok(lib)
    }

    /// Directories searched for `<id>.csv`, in order: the user cells directory
    /// ([`Self::user_dir`]), then `./data/cells`.
    pub fn search_dirs() -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = Self::user_dir().into_iter().collect();
        v.push(PathBuf::from("data/cells"));
        v
    }

    /// Where `pann cells import` writes by default and where libraries are found by id:
    /// `$PANN_CELLS_DIR` ([`CELLS_DIR_ENV`]) if set, else `$HOME/.local/share/pann/cells`.
    /// Never the shipped `data/cells` (regenerated on purpose by `data/cells/import.sh`).
    pub fn user_dir() -> Option<PathBuf> {
        std::env::var_os(CELLS_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| PathBuf::from(h).join(".local/share/pann/cells"))
            })
    }

    /// Load a library by id: `<dir>/<id>.csv` in the first of [`Self::search_dirs`] that has
    /// it, else the embedded copy; or a path to a CSV file.
    pub fn load(name: &str) -> Result<CellLibrary, EnergyError> {
        let p = Path::new(name);
        if name.ends_with(".csv") || p.is_file() {
            let text = std::fs::read_to_string(p).map_err(|e| EnergyError::Csv {
                file: name.to_string(),
                msg: e.to_string(),
            })?;
            return Self::read_csv(&text, name);
        }
        for dir in Self::search_dirs() {
            let local = dir.join(format!("{name}.csv"));
            if let Ok(text) = std::fs::read_to_string(&local) {
                return Self::read_csv(&text, &local.display().to_string());
            }
        }
        match EMBEDDED.iter().find(|(id, _)| *id == name) {
            Some((id, text)) => Self::read_csv(text, &format!("(embedded) {id}.csv")),
            None => Err(EnergyError::UnknownLibrary {
                name: name.to_string(),
                known: Self::list().join(", "),
            }),
        }
    }

    /// Ids of the embedded libraries and of the `<id>.csv` files in [`Self::search_dirs`],
    /// sorted, without repeats.
    pub fn list() -> Vec<String> {
        let mut v: Vec<String> = EMBEDDED.iter().map(|(id, _)| id.to_string()).collect();
        for dir in Self::search_dirs() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "csv") {
                    if let Some(stem) = p.file_stem() {
                        v.push(stem.to_string_lossy().into_owned());
                    }
                }
            }
        }
        v.sort();
        v.dedup();
        v
    }
}
