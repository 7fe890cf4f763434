//! `pann netlist`: a generated or imported circuit as structural Verilog (generic gates, or
//! the library cells of `--cells`), Graphviz dot or statistics.

use super::args::{emit, CircuitArgs, ImportArgs};
use anyhow::Result;
use clap::Args;
use pann::circuits::ValidMacSpec;
use pann::energy::mapped::MappedNetlist;
use pann::energy::{CellLibrary, DEFAULT_LIBRARY};
use pann::experiment::DelayKind;
use pann::netlist::{write_dot, write_verilog, GateStyle, Netlist, VerilogOptions};
use pann::sim::delay::DelayModel;
use std::path::PathBuf;

/// Netlist output format.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum NetlistFormat {
    /// Structural Verilog: one assign per gate, nets `n<id>`; with --cells, one library-cell
    /// instance per cell the energy model charges (same nets, instances named
    /// `<component>_n<id>`), for OpenSTA, PrimeTime, Yosys, Icarus.
    Verilog,
    /// Graphviz dot.
    Dot,
    /// Cell counts by kind and component, logic depth; with --cells, the cell area (µm², the
    /// library's cell areas summed over the instances of the mapped netlist) and the longest
    /// combinational path (ns, the library's delays as `pann simulate --delay cells` uses them).
    Stats,
}

/// `--gate-style` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum GateStyleArg {
    /// `assign #d n = pann_maj3(a, b, c);`
    Function,
    /// `assign #d n = (a & b) | (a & c) | (b & c);`
    Expression,
}

/// `pann netlist`.
#[derive(Args, Debug)]
pub struct NetlistArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    #[command(flatten)]
    pub import: ImportArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "verilog")]
    pub format: NetlistFormat,
    /// Verilog module name.
    #[arg(long, default_value = "pann")]
    pub module: String,
    /// Write the circuit as instances of this cell library's cells (`pann cells list`, or a
    /// cells CSV): exactly the cells and compositions the energy model charges. Read with the
    /// library's Liberty file; pann's `--vcd-style pins` VCD and SAIF name its pins. With
    /// --delay unit or cells: only the library whose delays the generic netlist carries.
    #[arg(long)]
    pub cells: Option<String>,
    /// Generic Verilog with delays (`assign #d` per gate): zero (cell instances with --cells),
    /// unit, or the delays of --cells (default library) in ticks, as `pann simulate --delay
    /// cells` uses them.
    #[arg(long, value_enum, default_value_t = DelayKind::Zero)]
    pub delay: DelayKind,
    /// How andnot, ornot and maj3 cells are written: `function` (a call per cell, which
    /// Icarus evaluates once per time step, matching `pann simulate --delay`) or
    /// `expression` (plain operators, which Icarus splits into functor trees).
    #[arg(long, value_enum, default_value = "function")]
    pub gate_style: GateStyleArg,
    /// Write here (atomically) instead of standard output.
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
}

/// A `` `timescale `` whose unit is one tick of `tick_ns` nanoseconds (1, 10 or 100 fs, ps,
/// ns or us).
fn timescale_for(tick_ns: f64) -> Result<String> {
    for (unit, scale) in [("fs", 1e-6), ("ps", 1e-3), ("ns", 1.0), ("us", 1e3)] {
        for m in [1.0, 10.0, 100.0] {
            if ((m * scale) / tick_ns - 1.0).abs() < 1e-9 {
                return Ok(format!(
                    "{m}{unit}/{}",
                    if unit == "fs" { "1fs" } else { "1ps" }
                ));
            }
        }
    }
    anyhow::bail!("tick of {tick_ns} ns cannot be written as a Verilog `timescale unit")
}

/// Run `pann netlist`.
pub fn run_netlist(a: NetlistArgs) -> Result<()> {
    let circuit = a.import.circuit(&a.circuit)?;
    let (n, spec) = (circuit.netlist(), circuit.spec());
    if let Some(p) = &a.out {
        pann::report::check_target(p)?;
    }
    let mut buf = Vec::new();
    match (a.format, &a.cells) {
        (NetlistFormat::Verilog, Some(cells)) if a.delay == DelayKind::Zero => {
            let lib = CellLibrary::load(cells)?;
            MappedNetlist::new(n, &lib, &a.module)?.write_verilog(n, &mut buf)?;
        }
        (NetlistFormat::Verilog, cells) => {
            let lib = CellLibrary::load(cells.as_deref().unwrap_or(DEFAULT_LIBRARY))?;
            let model = a.delay.model(&lib);
            let opts = VerilogOptions {
                module: Some(a.module.clone()),
                delays: (model != DelayModel::Zero).then(|| model.per_net(n)),
                style: match a.gate_style {
                    GateStyleArg::Function => GateStyle::Function,
                    GateStyleArg::Expression => GateStyle::Expression,
                },
                // One `#1` is one tick of the cell library's delay table.
                timescale: match &model {
                    DelayModel::Cells(t) => Some(timescale_for(t.tick_ns)?),
                    _ => None,
                },
            };
            write_verilog(n, &opts, &mut buf)?;
        }
        (NetlistFormat::Dot, _) => write_dot(n, &mut buf)?,
        (NetlistFormat::Stats, cells) => {
            let mut s = stats(spec, n);
            if let Some(cells) = cells {
                let lib = CellLibrary::load(cells)?;
                let p = pann::energy::physical::physical(n, &lib)?;
                s += &format!(
                    "library {}\nlibrary_cells {}\narea_um2 {:.4}\nlongest_path_ns {:.3}\n",
                    p.library, p.instances, p.area_um2, p.longest_path_ns
                );
                for (c, a) in &p.area_by_component {
                    s += &format!("area_um2.{c} {a:.4}\n");
                }
            }
            buf.extend(s.into_bytes())
        }
    }
    emit(&a.out, &String::from_utf8(buf)?)
}

fn stats(spec: &ValidMacSpec, n: &Netlist) -> String {
    let mut by_kind = std::collections::BTreeMap::new();
    for g in n.gates() {
        if g.kind.arity() > 0 {
            *by_kind.entry(g.kind.name()).or_insert(0usize) += 1;
        }
    }
    let depth = n.levels().into_iter().max().unwrap_or(0);
    let mut s = format!(
        "circuit {}\ncells {}\nlogic_depth {depth}\n",
        spec.describe(),
        n.cell_count()
    );
    for (c, k) in n.cells_by_component() {
        s += &format!("component.{} {k}\n", c.key());
    }
    for (k, v) in by_kind {
        s += &format!("kind.{k} {v}\n");
    }
    s
}
