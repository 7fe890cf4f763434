//! `pann netlist`: a generated circuit as structural Verilog, Graphviz dot or statistics.

use super::args::{emit, CircuitArgs, LibraryArgs};
use anyhow::Result;
use clap::Args;
use pann::circuits::{self, ValidMacSpec};
use pann::netlist::{write_dot, write_verilog, GateStyle, Netlist, VerilogOptions};
use pann::sim::delay::DelayModel;
use std::path::PathBuf;

/// Netlist output format.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum NetlistFormat {
    /// Structural Verilog (one assign per gate, nets `n<id>`).
    Verilog,
    /// Graphviz dot.
    Dot,
    /// Cell counts by kind and component, logic depth.
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
    /// Output format.
    #[arg(long, value_enum, default_value = "verilog")]
    pub format: NetlistFormat,
    /// Verilog module name.
    #[arg(long, default_value = "pann")]
    pub module: String,
    /// Verilog delays (`assign #d` per gate) of --delay: zero, unit, or the delays of --cells
    /// in ticks, as `pann simulate --delay cells` uses them.
    #[command(flatten)]
    pub library: LibraryArgs,
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
    let spec = a.circuit.spec()?;
    if let Some(p) = &a.out {
        pann::report::check_target(p)?;
    }
    let n = circuits::build(&spec);
    let mut buf = Vec::new();
    match a.format {
        NetlistFormat::Verilog => {
            let lib = pann::energy::CellLibrary::load(&a.library.cells)?;
            let model = a.library.delay.model(&lib);
            let opts = VerilogOptions {
                module: Some(a.module.clone()),
                delays: (model != DelayModel::Zero).then(|| model.per_net(&n)),
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
            write_verilog(&n, &opts, &mut buf)?;
        }
        NetlistFormat::Dot => write_dot(&n, &mut buf)?,
        NetlistFormat::Stats => buf.extend(stats(&spec, &n).into_bytes()),
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
