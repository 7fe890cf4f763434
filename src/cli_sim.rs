//! `pann simulate` and `pann netlist`: argument parsing and output formatting only.

use anyhow::{Context, Result};
use clap::Args;
use pann::circuits::{self, AccStyle, AdderArch, MacSpec, MultArch, Repr, Unit, ValidMacSpec};
use pann::netlist::{write_dot, write_verilog, Netlist, VerilogOptions};
use pann::report::write_atomic;
use pann::simulate::{simulate, SimConfig, SimReport};
use pann::stream::{Dataflow, StreamSpec};
use std::io::Write;
use std::path::PathBuf;

/// Circuit selection flags shared by `simulate`, `netlist` and `bench`.
#[derive(Args, Clone, Debug)]
pub struct CircuitArgs {
    /// Unit: mac | mult | adder.
    #[arg(long, default_value = "mac")]
    pub unit: Unit,
    /// Multiplier: array | baugh-wooley | booth-dadda | dadda | wallace.
    #[arg(long, default_value = "dadda")]
    pub mult: MultArch,
    /// Accumulator adder (and adder unit): ripple | brent-kung | kogge-stone | sklansky.
    #[arg(long, default_value = "ripple")]
    pub adder: AdderArch,
    /// Multiplier final adder (default: ripple for array multipliers, else --adder).
    #[arg(long)]
    pub final_adder: Option<AdderArch>,
    /// Activation width in bits (1..=16).
    #[arg(long, default_value_t = 8)]
    pub bx: u32,
    /// Weight width in bits (1..=16).
    #[arg(long, default_value_t = 8)]
    pub bw: u32,
    /// Accumulator width B in bits (adder unit: adder width; up to 64).
    #[arg(long, default_value_t = 32)]
    pub acc: u32,
    /// Representation: twos | unsigned | signmag.
    #[arg(long, default_value = "twos")]
    pub repr: Repr,
    /// Accumulator style: cpa | carry-save.
    #[arg(long, default_value = "cpa")]
    pub acc_style: AccStyle,
}

impl CircuitArgs {
    /// Validate into a spec.
    pub fn spec(&self) -> Result<ValidMacSpec> {
        Ok(MacSpec {
            unit: self.unit,
            mult: self.mult,
            adder: self.adder,
            final_adder: self.final_adder,
            bx: self.bx,
            bw: self.bw,
            acc: self.acc,
            repr: self.repr,
            acc_style: self.acc_style,
        }
        .validate()?)
    }
}

/// Output format of `simulate`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// Human-readable table.
    Table,
    /// Tidy CSV, one row per component, with provenance columns.
    Csv,
    /// One JSON object.
    Json,
}

/// `pann simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    /// Operand stream: uniform | gauss | laplace | relu:P | file:PATH (CSV with columns x,w).
    #[arg(long, default_value = "uniform")]
    pub stream: StreamSpec,
    /// Dataflow: output-stationary | weight-stationary[:N] (weight held N cycles, default 64).
    #[arg(long, default_value = "output-stationary")]
    pub dataflow: Dataflow,
    /// Cycles to simulate (one operand pair each).
    #[arg(long, default_value_t = 100_000)]
    pub cycles: u64,
    /// Seed of synthetic streams.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write every net's toggle count to this CSV (`net,toggles,rises,kind,component`).
    #[arg(long)]
    pub per_net: Option<PathBuf>,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Emit `text` to `out` (atomically) or standard output.
pub fn emit(out: &Option<PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => write_atomic::<_, anyhow::Error>(p, |w| Ok(w.write_all(text.as_bytes())?))
            .with_context(|| format!("writing {}", p.display())),
        None => {
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() || total < 5_000_000 {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cycles ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    pb
}

/// Run `pann simulate`.
pub fn run_simulate(a: SimulateArgs) -> Result<()> {
    let spec = a.circuit.spec()?;
    if matches!(a.stream, StreamSpec::File { .. }) && a.dataflow != Dataflow::OutputStationary {
        anyhow::bail!(
            "--dataflow applies to synthetic streams; a vector file is used in its own order"
        );
    }
    let n = circuits::build(&spec);
    let cfg = SimConfig {
        spec,
        stream: a.stream.clone(),
        dataflow: a.dataflow,
        cycles: a.cycles,
        seed: a.seed,
    };
    let pb = progress_bar(a.cycles, a.quiet);
    let (act, _stats) = simulate(&n, &cfg, &mut |d| pb.set_position(d))?;
    pb.finish_and_clear();
    let report = SimReport::new(&n, &cfg, &act);
    if let Some(p) = &a.per_net {
        write_per_net(p, &n, &act)?;
    }
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Csv => report_csv(&report)?,
        Format::Table => report_table(&report),
    };
    emit(&a.out, &text)
}

fn write_per_net(p: &std::path::Path, n: &Netlist, act: &pann::sim::Activity) -> Result<()> {
    write_atomic::<_, anyhow::Error>(p, |w| {
        writeln!(w, "net,toggles,rises,kind,component")?;
        for (i, g) in n.gates().iter().enumerate() {
            writeln!(
                w,
                "n{i},{},{},{},{}",
                act.toggles[i],
                act.rises[i],
                g.kind.name(),
                n.components()[i].key()
            )?;
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", p.display()))
}

/// Provenance columns shared by every CSV row.
fn provenance(r: &SimReport) -> Vec<(&'static str, String)> {
    let s = r.config.spec.spec();
    vec![
        ("unit", s.unit.to_string()),
        ("mult", s.mult.to_string()),
        ("final_adder", r.config.spec.final_adder().to_string()),
        ("adder", s.adder.to_string()),
        ("bx", s.bx.to_string()),
        ("bw", s.bw.to_string()),
        ("acc", s.acc.to_string()),
        ("repr", s.repr.to_string()),
        ("acc_style", s.acc_style.to_string()),
        ("stream", r.config.stream.to_string()),
        ("dataflow", r.config.dataflow.to_string()),
        ("seed", r.config.seed.to_string()),
        ("cycles", r.cycles.to_string()),
        ("operations", r.operations.to_string()),
        ("delay", r.delay.clone()),
        ("version", r.version.to_string()),
    ]
}

fn report_csv(r: &SimReport) -> Result<String> {
    let prov = provenance(r);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = prov.iter().map(|p| p.0).collect();
    header.extend(["component", "cells", "toggles", "toggles_per_op"]);
    w.write_record(&header)?;
    for (comp, t) in &r.toggles {
        let mut row: Vec<String> = prov.iter().map(|p| p.1.clone()).collect();
        let cells = match comp.as_str() {
            "total" => r.gates,
            c => r.cells.get(c).copied().unwrap_or(0),
        };
        row.extend([
            comp.clone(),
            cells.to_string(),
            t.to_string(),
            format!("{:.6}", r.toggles_per_op[comp]),
        ]);
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn report_table(r: &SimReport) -> String {
    let mut s = String::new();
    let c = &r.config;
    s += &format!("circuit   {}\n", r.circuit);
    s += &format!(
        "stream    {} ({}), seed {}, {} cycles = {} operations, delay {}\n",
        c.stream, c.dataflow, c.seed, r.cycles, r.operations, r.delay
    );
    s += &format!(
        "{:<14} {:>8} {:>14} {:>12}\n",
        "component", "cells", "toggles", "toggles/op"
    );
    for (comp, t) in &r.toggles {
        let cells = match comp.as_str() {
            "total" => r.gates,
            c => r.cells.get(c).copied().unwrap_or(0),
        };
        s += &format!(
            "{:<14} {:>8} {:>14} {:>12.3}\n",
            comp, cells, t, r.toggles_per_op[comp]
        );
    }
    s
}

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
    /// Write here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `pann netlist`.
pub fn run_netlist(a: NetlistArgs) -> Result<()> {
    let spec = a.circuit.spec()?;
    let n = circuits::build(&spec);
    let mut buf = Vec::new();
    match a.format {
        NetlistFormat::Verilog => {
            let opts = VerilogOptions {
                module: Some(a.module.clone()),
                delay: None,
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

/// `pann bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    /// Delay model: zero | unit | cells.
    #[arg(long, default_value = "zero")]
    pub delay: String,
    /// Vectors for pann.
    #[arg(long, default_value_t = 1 << 24)]
    pub cycles: u64,
    /// Vectors for Icarus and Verilator.
    #[arg(long, default_value_t = 20_000)]
    pub ref_cycles: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Best of this many pann runs.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `pann bench`.
pub fn run_bench(a: BenchArgs) -> Result<()> {
    use pann::sim::delay::{DelayModel, DelayTable};
    let spec = a.circuit.spec()?;
    let delay = match a.delay.as_str() {
        "zero" => DelayModel::Zero,
        "unit" => DelayModel::Unit,
        "cells" => DelayModel::Cells(DelayTable::default_cells()),
        d => anyhow::bail!("unknown --delay '{d}' (expected zero, unit or cells)"),
    };
    let rows = pann::bench::run(&pann::bench::BenchConfig {
        spec,
        delay,
        cycles: a.cycles,
        ref_cycles: a.ref_cycles,
        seed: a.seed,
        repeats: a.repeats,
    });
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in &rows {
                w.serialize(r)?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Table => {
            let mut s = format!(
                "circuit {} ({} cells), delay {}\n",
                rows[0].circuit, rows[0].cells, rows[0].delay
            );
            s += &format!(
                "{:<16} {:>10} {:>10} {:>12} {:>12} {:>10}  note\n",
                "engine", "vectors", "seconds", "vectors/s", "gate-evals/s", "x icarus"
            );
            for r in &rows {
                s += &format!(
                    "{:<16} {:>10} {:>10.4} {:>12.3e} {:>12.3e} {:>10.1}  {}\n",
                    r.engine,
                    r.vectors,
                    r.seconds,
                    r.vectors_per_s,
                    r.gate_evals_per_s,
                    r.vs_icarus,
                    r.note
                );
            }
            s
        }
    };
    emit(&a.out, &text)
}
