//! The [`Report`] of one experiment and its renderings: a tidy CSV (one row per component,
//! every row with the full provenance), a text table and JSON (serde).

use super::{Circuit, Condition, Request};
use crate::circuits::Unit;
use crate::energy::physical::Physical;
use crate::energy::{CellLibrary, EnergyReport};
use crate::glitch::GlitchSummary;
use crate::netlist::{Component, Netlist};
use crate::sim::Activity;
use crate::simulate::SimConfig;
use crate::stream::StreamSpec;
use std::collections::BTreeMap;

/// Where a report's numbers come from, beyond the operating condition.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Provenance {
    /// `pann` version.
    pub version: &'static str,
    /// Git revision the program was built from (`unknown` outside a checkout).
    pub git_rev: &'static str,
    /// The command line that asked for the run (empty from the library).
    pub command: String,
    /// SHA-256 of the cell table as loaded (its CSV form).
    pub cells_sha256: String,
    /// SHA-256 of the input file: the vector file of a `file:` stream or the imported netlist.
    pub input_sha256: String,
}

/// Git revision at build time.
pub const GIT_REV: &str = env!("PANN_GIT_REV");

impl Provenance {
    /// Provenance columns, in the order of [`Provenance::values`].
    pub const COLUMNS: [&'static str; 5] = [
        "version",
        "git_rev",
        "cells_sha256",
        "input_sha256",
        "command",
    ];

    /// The provenance of `req` run under `lib`.
    pub fn new(req: &Request, lib: &CellLibrary) -> Provenance {
        let mut csv = Vec::new();
        let cells_sha256 = match lib.write_csv(&mut csv) {
            Ok(()) => crate::report::sha256_hex(&csv),
            Err(_) => String::new(),
        };
        let input_sha256 = match (&req.stream, req.circuit.ports()) {
            (StreamSpec::File { path }, _) => std::fs::read(path)
                .map(|b| crate::report::sha256_hex(&b))
                .unwrap_or_default(),
            (_, Some(p)) => p.sha256.clone(),
            _ => String::new(),
        };
        Provenance {
            version: env!("CARGO_PKG_VERSION"),
            git_rev: GIT_REV,
            command: req.command.clone(),
            cells_sha256,
            input_sha256,
        }
    }

    /// Column values, in [`Provenance::COLUMNS`] order.
    pub fn values(&self) -> Vec<String> {
        vec![
            self.version.to_string(),
            self.git_rev.to_string(),
            self.cells_sha256.clone(),
            self.input_sha256.clone(),
            self.command.clone(),
        ]
    }
}

/// Tidy summary of one experiment, with provenance.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// `pann` version that produced the numbers.
    pub version: &'static str,
    /// One-line circuit description.
    pub circuit: String,
    /// The configuration (`cycles` = the cycles actually simulated).
    pub config: SimConfig,
    /// The operating condition.
    pub condition: Condition,
    /// Program revision, command line and input checksums.
    pub provenance: Provenance,
    /// Delay model of the activity.
    pub delay: String,
    /// Logic cells (gates and flip-flops).
    pub gates: usize,
    /// Cells per component.
    pub cells: BTreeMap<String, usize>,
    /// Simulated cycles (including the baseline cycle).
    pub cycles: u64,
    /// Operations counted (= transitions = cycles − 1).
    pub operations: u64,
    /// Zero-delay toggles per component (integers) and `total`.
    pub toggles: BTreeMap<String, u64>,
    /// Zero-delay toggles per operation per component and `total`.
    pub toggles_per_op: BTreeMap<String, f64>,
    /// Energy per operation in fJ: one key per component, `clock`, `leakage`, `inputs` (bare
    /// units: switching of the operand input nets the ports drive) and `total`, from the
    /// activity of the run's delay model (glitches included when timed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_fj_per_op: Option<BTreeMap<String, f64>>,
    /// The same from zero-delay (functional) activity, when the run is timed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_fj_per_op_zero_delay: Option<BTreeMap<String, f64>>,
    /// What sign-off tools leave out, fJ/op: `clock_net` (switching of the clock net, part
    /// of `clock`) and `input_nets` (switching of the nets the input ports drive, part of
    /// the components), and `total_cells` = `total` − both, the number to compare with
    /// OpenSTA's or PrimeTime's `report_power` total. Under the run's delay model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_nets_fj_per_op: Option<BTreeMap<String, f64>>,
    /// The same from zero-delay activity, when the run is timed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_nets_fj_per_op_zero_delay: Option<BTreeMap<String, f64>>,
    /// Energy provenance and breakdown (library, corner, voltage, options, model version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy: Option<EnergyReport>,
    /// Glitch report of a timed run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glitches: Option<GlitchSummary>,
    /// Cell area and longest combinational path of the circuit mapped on the run's library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical: Option<Physical>,
    /// What the caller should know (the stream ended early, a default clock the circuit
    /// cannot meet); the CLI prints them on stderr.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Components reported for a unit, in report order.
pub fn components_of(unit: Unit) -> &'static [Component] {
    use Component::*;
    match unit {
        Unit::Mac => &[OperandRegs, Multiplier, AccAdder, AccReg],
        Unit::Mult => &[Multiplier],
        Unit::Adder => &[AccAdder],
    }
}

/// The report key of a component of `unit`: a bare adder is `adder` (not `acc_adder`), and
/// the input nets of a bare unit (in [`Component::Logic`]) are `inputs`.
fn key_for(unit: Option<Unit>, key: &str) -> String {
    match (unit, key) {
        (Some(Unit::Adder), "acc_adder") => "adder".into(),
        (Some(Unit::Adder | Unit::Mult), "logic") => "inputs".into(),
        _ => key.into(),
    }
}

/// The generated unit of a run, `None` for an imported netlist.
fn unit_of(cfg: &SimConfig) -> Option<Unit> {
    cfg.imported.is_none().then_some(cfg.spec.unit)
}

fn rename<V: Copy>(unit: Option<Unit>, m: &BTreeMap<String, V>) -> BTreeMap<String, V> {
    m.iter().map(|(k, v)| (key_for(unit, k), *v)).collect()
}

impl Report {
    /// Summarise `act` of `n` (the netlist of `circuit`) under `cfg`.
    pub fn new(
        n: &Netlist,
        circuit: &Circuit,
        cfg: &SimConfig,
        act: &Activity,
        condition: Condition,
        provenance: Provenance,
    ) -> Report {
        let unit = unit_of(cfg);
        let mut comps = match unit {
            None => vec![Component::Logic],
            Some(u) => components_of(u).to_vec(),
        };
        // The enable logic of clock gating, when the circuit has it.
        if !n.clock_gates().is_empty() {
            comps.push(Component::ClockGating);
        }
        let by = act.by_component(n);
        let cells_by = n.cells_by_component();
        let ops = act.transitions();
        let mut toggles = BTreeMap::new();
        let mut per_op = BTreeMap::new();
        let mut cells = BTreeMap::new();
        for c in &comps {
            let key = key_for(unit, c.key());
            let t = by.get(c).copied().unwrap_or(0);
            toggles.insert(key.clone(), t);
            per_op.insert(key.clone(), per(t, ops));
            cells.insert(key, cells_by.get(c).copied().unwrap_or(0));
        }
        let total: u64 = by.values().sum();
        toggles.insert("total".into(), total);
        per_op.insert("total".into(), per(total, ops));
        let mut config = cfg.clone();
        config.cycles = act.cycles;
        Report {
            version: env!("CARGO_PKG_VERSION"),
            circuit: circuit.describe(),
            config,
            condition,
            provenance,
            delay: "zero".into(),
            gates: n.cell_count(),
            cells,
            cycles: act.cycles,
            operations: ops,
            toggles,
            toggles_per_op: per_op,
            energy_fj_per_op: None,
            energy_fj_per_op_zero_delay: None,
            port_nets_fj_per_op: None,
            port_nets_fj_per_op_zero_delay: None,
            energy: None,
            glitches: None,
            physical: None,
            warnings: Vec::new(),
        }
    }

    /// The generated unit, if the circuit was generated.
    fn unit(&self) -> Option<Unit> {
        unit_of(&self.config)
    }

    /// Attach energy: `e` from the run's activity, `zero` from zero-delay activity when the
    /// run is timed.
    pub fn with_energy(mut self, e: EnergyReport, zero: Option<EnergyReport>) -> Report {
        let unit = self.unit();
        let map = |e: &EnergyReport| {
            let mut m = rename(unit, &e.fj_per_op_by_component);
            m.insert("total".into(), e.total_fj_per_op);
            m
        };
        self.energy_fj_per_op = Some(map(&e));
        self.energy_fj_per_op_zero_delay = zero.as_ref().map(map);
        self.port_nets_fj_per_op = Some(port_nets(&e));
        self.port_nets_fj_per_op_zero_delay = zero.as_ref().map(port_nets);
        self.energy = Some(e);
        self
    }

    /// Attach a timed run's glitch report.
    pub fn with_glitches(mut self, g: GlitchSummary) -> Report {
        self.delay = g.delay.to_string();
        self.glitches = Some(g);
        self
    }

    /// Circuit columns, then [`Condition::COLUMNS`], the run's size, then
    /// [`Provenance::COLUMNS`]. An imported netlist fills `unit` with
    /// `netlist:PATH sha256:HEX` and leaves the generator's columns empty (only its operand
    /// widths and representation are known).
    pub fn provenance_columns(&self) -> Vec<(&'static str, String)> {
        let spec = &self.config.spec;
        let s = spec.spec();
        let generated = |v: String| match &self.config.imported {
            Some(_) => String::new(),
            None => v,
        };
        let unit = match &self.config.imported {
            Some(p) => format!("netlist:{} sha256:{}", p.path, p.sha256),
            None => s.unit.to_string(),
        };
        let mut cols = vec![
            ("unit", unit),
            ("mult", generated(s.mult.to_string())),
            ("final_adder", generated(spec.final_adder().to_string())),
            ("adder", generated(s.adder.to_string())),
            ("bx", s.bx.to_string()),
            ("bw", s.bw.to_string()),
            ("acc", generated(s.acc.to_string())),
            ("repr", s.repr.to_string()),
            ("acc_style", generated(s.acc_style.to_string())),
        ];
        cols.extend(Condition::COLUMNS.into_iter().zip(self.condition.values()));
        cols.push(("cycles", self.cycles.to_string()));
        cols.push(("operations", self.operations.to_string()));
        cols.extend(
            Provenance::COLUMNS
                .into_iter()
                .zip(self.provenance.values()),
        );
        cols
    }

    /// One row per component (the report's components, then `clock`, `leakage`, `inputs`,
    /// `total`), then, with energy, the [`PORT_NET_ROWS`] (energy columns only).
    pub fn component_rows(&self) -> Vec<ComponentRow> {
        let r = self;
        let mut keys: Vec<String> = r
            .toggles
            .keys()
            .filter(|k| *k != "total")
            .cloned()
            .collect();
        if let Some(e) = &r.energy_fj_per_op {
            keys.extend(e.keys().filter(|k| !r.toggles.contains_key(*k)).cloned());
        }
        keys.retain(|k| k != "total");
        keys.push("total".into());
        let unit = r.unit();
        let port_rows = PORT_NET_ROWS.into_iter().filter_map(|k| {
            let e = r.port_nets_fj_per_op.as_ref()?;
            Some(ComponentRow {
                component: k.to_string(),
                area_um2: None,
                cells: None,
                toggles: None,
                toggles_per_op: None,
                timed_toggles_per_op: None,
                glitch_ratio: None,
                energy_fj_per_op: e.get(k).copied(),
                energy_zero_delay: r
                    .port_nets_fj_per_op_zero_delay
                    .as_ref()
                    .and_then(|z| z.get(k).copied()),
            })
        });
        let rows: Vec<ComponentRow> = keys
            .into_iter()
            .map(|k| {
                // (zero-delay, timed) toggles of this component in a timed run.
                let timed = r.glitches.as_ref().and_then(|g| match k.as_str() {
                    "total" => Some((g.zero_delay_total, g.timed_total)),
                    _ => g
                        .rows
                        .iter()
                        .find(|row| key_for(unit, row.component.key()) == k)
                        .map(|row| (row.zero_delay, row.timed)),
                });
                let area = r.physical.as_ref().and_then(|p| match k.as_str() {
                    "total" => Some(p.area_um2),
                    c => p
                        .area_by_component
                        .iter()
                        .find(|(key, _)| key_for(unit, key) == c)
                        .map(|(_, a)| *a),
                });
                ComponentRow {
                    area_um2: area,
                    cells: match k.as_str() {
                        "total" => Some(r.gates),
                        c => r.cells.get(c).copied(),
                    },
                    toggles: r.toggles.get(&k).copied(),
                    toggles_per_op: r.toggles_per_op.get(&k).copied(),
                    timed_toggles_per_op: timed.map(|t| t.1 as f64 / r.operations.max(1) as f64),
                    glitch_ratio: timed.and_then(|t| (t.0 > 0).then(|| t.1 as f64 / t.0 as f64)),
                    energy_fj_per_op: r.energy_fj_per_op.as_ref().and_then(|e| e.get(&k).copied()),
                    energy_zero_delay: r
                        .energy_fj_per_op_zero_delay
                        .as_ref()
                        .and_then(|e| e.get(&k).copied()),
                    component: k,
                }
            })
            .collect();
        rows.into_iter().chain(port_rows).collect()
    }

    /// Tidy CSV: one row per component, each with every provenance column.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let prov = self.provenance_columns();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<&str> = prov.iter().map(|p| p.0).collect();
        header.extend(ComponentRow::COLUMNS);
        w.write_record(&header)?;
        for c in self.component_rows() {
            let mut row: Vec<String> = prov.iter().map(|p| p.1.clone()).collect();
            row.extend([
                c.component,
                opt(c.cells),
                opt(c.toggles),
                opt(c.toggles_per_op.map(|v| format!("{v:.6}"))),
                opt(c.timed_toggles_per_op.map(|v| format!("{v:.6}"))),
                opt(c.glitch_ratio.map(|v| format!("{v:.6}"))),
                opt(c.energy_fj_per_op.map(|v| format!("{v:.6}"))),
                opt(c.energy_zero_delay.map(|v| format!("{v:.6}"))),
                opt(c.area_um2.map(|v| format!("{v:.4}"))),
            ]);
            w.write_record(&row)?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
    }

    /// A text table for people.
    pub fn table(&self) -> String {
        let r = self;
        let mut s = String::new();
        let c = &r.config;
        s += &format!("circuit   {}\n", r.circuit);
        s += &format!(
            "stream    {} ({}), seed {}, {} cycles = {} operations, delay {}\n",
            c.stream, c.dataflow, c.seed, r.cycles, r.operations, r.delay
        );
        if let Some(e) = &r.energy {
            s += &format!(
                "cells     {} ({} V, {} °C), clock {} ns, wire {} fF/fan-out, energy model {}\n",
                e.library,
                e.voltage_v,
                e.temperature_c,
                e.options.clock_ns,
                e.options.wire_cap_ff,
                e.model
            );
        }
        let timed = r.glitches.is_some();
        s += &format!("{:<14} {:>7} {:>12}", "component", "cells", "toggles/op");
        if timed {
            s += &format!(" {:>12} {:>7}", "timed tgl/op", "glitch");
        }
        s += &format!(" {:>12}", "fJ/op");
        if timed {
            s += &format!(" {:>12}", "fJ/op (zd)");
        }
        s += "\n";
        let f = |v: Option<f64>, p: usize| v.map_or("-".into(), |v| format!("{v:.p$}"));
        let rows = r.component_rows();
        for row in &rows {
            s += &format!(
                "{:<14} {:>7} {:>12}",
                row.component,
                opt(row.cells),
                f(row.toggles_per_op, 3)
            );
            if timed {
                s += &format!(
                    " {:>12} {:>7}",
                    f(row.timed_toggles_per_op, 3),
                    f(row.glitch_ratio, 3)
                );
            }
            s += &format!(" {:>12}", f(row.energy_fj_per_op, 2));
            if timed {
                s += &format!(" {:>12}", f(row.energy_zero_delay, 2));
            }
            s += "\n";
        }
        if rows.iter().any(|r| r.component == "inputs") {
            s += "(inputs: switching of the operand nets the input ports drive)\n";
        }
        if rows.iter().any(|r| r.component == "total_cells") {
            s += "(clock_net, input_nets: switching of port-driven nets, included above and not \
                  charged by OpenSTA or PrimeTime; total_cells = total - both)\n";
        }
        if timed {
            s += "(zd: zero delay, functional toggles only; glitch: timed / zero-delay toggles)\n";
        }
        if let Some(p) = &r.physical {
            s += &format!(
                "area      {:.2} um² ({} library cells), longest combinational path {:.3} ns \
                 ({} ticks of the library's delays)\n",
                p.area_um2, p.instances, p.longest_path_ns, p.longest_path_ticks
            );
        }
        if let Some(g) = &r.glitches {
            s += &format!(
                "settle    max {} ticks = {:.3} ns, mean {:.1} ticks (tick {} ns, delay {})\n",
                g.max_settle_ticks, g.max_settle_ns, g.mean_settle_ticks, g.tick_ns, g.delay
            );
            s += &crate::glitch::kind_table(&g.by_kind, r.operations);
        }
        s
    }
}

/// Rows after `total`: the switching of port-driven nets (already inside the rows above) and
/// the total without it, as sign-off tools report it.
pub const PORT_NET_ROWS: [&str; 3] = ["clock_net", "input_nets", "total_cells"];

fn port_nets(e: &EnergyReport) -> BTreeMap<String, f64> {
    let v = [
        e.clock_net_fj_per_op,
        e.input_nets_fj_per_op,
        e.cells_total_fj_per_op(),
    ];
    PORT_NET_ROWS
        .iter()
        .zip(v)
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// One component's numbers in a report.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentRow {
    /// Component key (`multiplier`, `acc_adder`, …, `clock`, `leakage`, `inputs`, `total`).
    pub component: String,
    /// Cells of the component.
    pub cells: Option<usize>,
    /// Zero-delay toggles.
    pub toggles: Option<u64>,
    /// Zero-delay toggles per operation.
    pub toggles_per_op: Option<f64>,
    /// Timed toggles per operation (timed runs).
    pub timed_toggles_per_op: Option<f64>,
    /// Timed / zero-delay toggles (timed runs; absent when there were no zero-delay toggles).
    pub glitch_ratio: Option<f64>,
    /// fJ per operation under the run's delay model.
    pub energy_fj_per_op: Option<f64>,
    /// fJ per operation from zero-delay activity (timed runs).
    pub energy_zero_delay: Option<f64>,
    /// Cell area of the component mapped on the run's library, µm².
    pub area_um2: Option<f64>,
}

impl ComponentRow {
    /// The per-component CSV columns.
    pub const COLUMNS: [&'static str; 9] = [
        "component",
        "cells",
        "toggles",
        "toggles_per_op",
        "timed_toggles_per_op",
        "glitch_ratio",
        "energy_fj_per_op",
        "energy_fj_per_op_zero_delay",
        "area_um2",
    ];
}

fn per(t: u64, ops: u64) -> f64 {
    if ops == 0 {
        0.0
    } else {
        t as f64 / ops as f64
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}
