//! `pann simulate` and `pann netlist`: argument parsing and output formatting only.

use anyhow::{Context, Result};
use clap::Args;
use pann::circuits::{self, AccStyle, AdderArch, MacSpec, MultArch, Repr, Unit, ValidMacSpec};
use pann::netlist::{write_dot, write_verilog, GateStyle, Netlist, VerilogOptions};
use pann::report::write_atomic;
use pann::sim::delay::DelayModel;
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
    /// Cycles to simulate (one operand pair each). Default: 100,000 for synthetic streams, the
    /// whole stream for file: and nn: streams.
    #[arg(long)]
    pub cycles: Option<u64>,
    /// Test images of an nn: stream (the first ones of the test split).
    #[arg(long, default_value_t = 16)]
    pub images: usize,
    /// Seed of synthetic streams.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Write every net's toggle count to this CSV (`net,toggles,rises,kind,component`).
    #[arg(long)]
    pub per_net: Option<PathBuf>,
    /// Write every cycle's settle time to this CSV (`cycle,settle_ticks,settle_ns`; needs
    /// --delay unit or cells). Cycle 0 is the baseline and is not listed.
    #[arg(long)]
    pub settle: Option<PathBuf>,
    /// Draw the report to this .svg or .png: toggles and energy per operation by component
    /// (zero-delay next to timed) and, for timed runs, toggles by cell kind and the
    /// settle-time distribution.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Delay model: zero | unit | cells (timed runs add a glitch report per component).
    #[arg(long, default_value = "zero")]
    pub delay: String,
    /// Clock period in ns (leakage is charged per period; default 10). Under a timed --delay,
    /// a period shorter than the settle time is refused.
    #[arg(long)]
    pub clock_ns: Option<f64>,
    /// Cell library and corner for energy (`pann cells list`), or a cells CSV file.
    #[arg(long, default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: String,
    /// Simulate a Yosys `write_json` netlist (gate cells, `$_DFF_P_`) instead of a generated
    /// circuit; --x and --w name the ports the stream drives, --out the result port; --bx/--bw
    /// are taken from the port widths and --repr says how operands are encoded.
    #[arg(long)]
    pub netlist: Option<PathBuf>,
    /// Activation port of --netlist.
    #[arg(long, default_value = "x", requires = "netlist")]
    pub x: String,
    /// Weight port of --netlist.
    #[arg(long, default_value = "w", requires = "netlist")]
    pub w: String,
    /// Output port of --netlist.
    #[arg(long, default_value = "p", requires = "netlist")]
    pub out: String,
    /// Top module of --netlist (default: the one marked top, or the only one).
    #[arg(long, requires = "netlist")]
    pub top: Option<String>,
    /// Wire capacitance per fan-out pin, fF.
    #[arg(long, default_value_t = 0.3)]
    pub wire_cap_ff: f64,
    /// Write a VCD of every net at tick resolution (event-driven; use short streams or
    /// --vcd-cycles).
    #[arg(long)]
    pub vcd: Option<PathBuf>,
    /// Only cycles FIRST:LAST (inclusive, cycle 1 = the first operation, as in --settle)
    /// go into the VCD, e.g. around the slowest cycle of a long run.
    #[arg(long, value_name = "FIRST:LAST", requires = "vcd")]
    pub vcd_cycles: Option<String>,
    /// Write a backward SAIF (T0, T1, TC, IG per net) of the timed run.
    #[arg(long)]
    pub saif: Option<PathBuf>,
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
    if total == u64::MAX {
        // Stream of unknown length (file or network layer): a counter, no bar.
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {pos} cycles ({per_sec})",
            )
            .expect("valid template"),
        );
        return pb;
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
    let plot = match &a.plot {
        Some(p) => match pann::plot::PlotFormat::from_path(p) {
            Some(f) => Some((p, f)),
            None => anyhow::bail!("--plot {}: the name must end in .svg or .png", p.display()),
        },
        None => None,
    };
    let (spec, n, imported) = match &a.netlist {
        Some(p) => import(&a, p)?,
        None => {
            let spec = a.circuit.spec()?;
            (spec, circuits::build(&spec), None)
        }
    };
    if matches!(a.stream, StreamSpec::File { .. }) && a.dataflow != Dataflow::OutputStationary {
        anyhow::bail!(
            "--dataflow applies to synthetic streams; a vector file is used in its own order"
        );
    }
    let mut stream = a.stream.clone();
    if let StreamSpec::Nn { images, .. } = &mut stream {
        *images = a.images;
    }
    let cycles = match (&stream, a.cycles) {
        (_, Some(c)) => c,
        (StreamSpec::Synthetic { .. }, None) => 100_000,
        _ => u64::MAX,
    };
    let cfg = SimConfig {
        spec,
        stream,
        dataflow: a.dataflow,
        cycles,
        seed: a.seed,
        imported,
    };
    let lib = pann::energy::CellLibrary::load(&a.cells)?;
    let model = crate::cli_timed::delay_model(&a.delay, &lib)?;
    let pb = progress_bar(cycles, a.quiet);
    let mut tick = |d| pb.set_position(d);
    let (vcd_first, _) = crate::cli_timed::vcd_window(&a)?;
    if a.vcd.is_some() && vcd_first >= cycles {
        anyhow::bail!(
            "--vcd-cycles {}: the run has cycles 1 to {} only",
            a.vcd_cycles.as_deref().unwrap_or(""),
            cycles.saturating_sub(1)
        );
    }
    if a.settle.is_some() && model == DelayModel::Zero {
        anyhow::bail!("--settle needs --delay unit or cells");
    }
    let mut settle_list = match &a.settle {
        Some(p) => Some(crate::cli_timed::SettleList::create(p, model.tick_ns())?),
        None => None,
    };
    let (act, timed) = if model == DelayModel::Zero {
        (simulate(&n, &cfg, &mut tick)?.0, None)
    } else {
        let mut rows = |settle: &[u32]| {
            if let Some(l) = settle_list.as_mut() {
                l.push(settle);
            }
        };
        let on_settle: Option<pann::glitch::SettleFn<'_>> = match a.settle {
            Some(_) => Some(&mut rows),
            None => None,
        };
        let out =
            pann::glitch::simulate_timed(&n, &cfg, &model, &mut tick, on_settle, a.saif.is_some())?;
        (out.zero.clone(), Some(out))
    };
    pb.finish_and_clear();
    crate::cli_timed::timed_checks(&n, &cfg, &model, timed.as_ref(), &a)?;
    // Written only once the run passed its checks (a too-short clock leaves no file).
    if let Some(l) = settle_list {
        l.commit()?;
    }
    let opts = pann::energy::EnergyOptions {
        clock_ns: a.clock_ns.unwrap_or(crate::cli_timed::DEFAULT_CLOCK_NS),
        wire_cap_ff: a.wire_cap_ff,
        input_slew_ns: 0.0,
    };
    let meter = pann::energy::EnergyMeter::new(&n, &lib, opts);
    let e_zero = meter.measure(&act);
    let mut report = SimReport::new(&n, &cfg, &act);
    report = match &timed {
        Some(t) => report
            .with_energy(meter.measure(&t.timed.activity), Some(e_zero))
            .with_glitches(pann::glitch::GlitchSummary::new(&n, t, &model)),
        None => report.with_energy(e_zero, None),
    };
    if let Some(p) = &a.per_net {
        write_per_net(p, &n, &act)?;
    }
    if let Some((p, format)) = plot {
        let bytes = pann::plot::simulate_plot(&report, format).map_err(anyhow::Error::msg)?;
        write_atomic::<_, anyhow::Error>(p, |w| Ok(w.write_all(&bytes)?))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Csv => report_csv(&report)?,
        Format::Table => report_table(&report),
    };
    emit(&a.output, &text)
}

/// Import `--netlist`: the operand widths come from the `--x`/`--w` ports.
fn import(
    a: &SimulateArgs,
    p: &std::path::Path,
) -> Result<(ValidMacSpec, Netlist, Option<pann::simulate::ImportedPorts>)> {
    use pann::netlist::yosys::{import_json, ImportOptions};
    let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let opts = ImportOptions {
        top: a.top.clone(),
        inputs: vec![a.x.clone(), a.w.clone()],
        outputs: vec![a.out.clone()],
    };
    let n = import_json(&text, &opts).with_context(|| format!("importing {}", p.display()))?;
    let width = |name: &str| n.input(name).map_or(0, |q| q.bits.len() as u32);
    let spec = MacSpec {
        unit: Unit::Mult,
        bx: width(&a.x),
        bw: width(&a.w),
        repr: a.circuit.repr,
        mult: MultArch::Dadda,
        ..MacSpec::default()
    }
    .validate()
    .with_context(|| format!("{}: ports {} and {}", p.display(), a.x, a.w))?;
    let ports = pann::simulate::ImportedPorts {
        path: p.display().to_string(),
        x: a.x.clone(),
        w: a.w.clone(),
        out: a.out.clone(),
        sha256: pann::report::sha256_hex(&bytes),
    };
    Ok((spec, n, Some(ports)))
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
    let e = r.energy.as_ref();
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
        ("library", e.map_or(String::new(), |e| e.library.clone())),
        (
            "voltage_v",
            e.map_or(String::new(), |e| e.voltage_v.to_string()),
        ),
        (
            "temperature_c",
            e.map_or(String::new(), |e| e.temperature_c.to_string()),
        ),
        (
            "clock_ns",
            e.map_or(String::new(), |e| e.options.clock_ns.to_string()),
        ),
        (
            "wire_cap_ff",
            e.map_or(String::new(), |e| e.options.wire_cap_ff.to_string()),
        ),
        (
            "energy_model",
            e.map_or(String::new(), |e| e.model.to_string()),
        ),
        ("version", r.version.to_string()),
    ]
}

/// One row per component (the report's components, then `clock`, `leakage`, `total`).
fn component_rows(r: &SimReport) -> Vec<ComponentRow> {
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
    keys.into_iter()
        .map(|k| {
            // (zero-delay, timed) toggles of this component in a timed run.
            let timed = r.glitches.as_ref().and_then(|g| match k.as_str() {
                "total" => Some((g.zero_delay_total, g.timed_total)),
                _ => g
                    .rows
                    .iter()
                    .find(|row| row.component.key() == k)
                    .map(|row| (row.zero_delay, row.timed)),
            });
            ComponentRow {
                cells: match k.as_str() {
                    "total" => Some(r.gates),
                    c => r.cells.get(c).copied(),
                },
                toggles: r.toggles.get(&k).copied(),
                toggles_per_op: r.toggles_per_op.get(&k).copied(),
                timed_toggles_per_op: timed.map(|t| t.1 as f64 / r.operations.max(1) as f64),
                glitch_ratio: timed.map(|t| t.1 as f64 / t.0 as f64),
                energy_fj_per_op: r.energy_fj_per_op.as_ref().and_then(|e| e.get(&k).copied()),
                energy_zero_delay: r
                    .energy_fj_per_op_zero_delay
                    .as_ref()
                    .and_then(|e| e.get(&k).copied()),
                component: k,
            }
        })
        .collect()
}

struct ComponentRow {
    component: String,
    cells: Option<usize>,
    toggles: Option<u64>,
    toggles_per_op: Option<f64>,
    timed_toggles_per_op: Option<f64>,
    glitch_ratio: Option<f64>,
    energy_fj_per_op: Option<f64>,
    energy_zero_delay: Option<f64>,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

fn report_csv(r: &SimReport) -> Result<String> {
    let prov = provenance(r);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = prov.iter().map(|p| p.0).collect();
    header.extend([
        "component",
        "cells",
        "toggles",
        "toggles_per_op",
        "timed_toggles_per_op",
        "glitch_ratio",
        "energy_fj_per_op",
        "energy_fj_per_op_zero_delay",
    ]);
    w.write_record(&header)?;
    for c in component_rows(r) {
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
    for row in component_rows(r) {
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
    if let Some(g) = &r.glitches {
        s += &format!(
            "settle    max {} ticks = {:.3} ns, mean {:.1} ticks (tick {} ns, delay {})\n",
            g.max_settle_ticks, g.max_settle_ns, g.mean_settle_ticks, g.tick_ns, g.delay
        );
        s += &pann::glitch::kind_table(&g.by_kind, r.operations);
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
    /// Verilog delays: zero | unit | cells (`assign #d` per gate; `cells` takes the delays of
    /// --cells in ticks, as `pann simulate --delay cells` does).
    #[arg(long, default_value = "zero")]
    pub delay: String,
    /// Cell library and corner whose delays `--delay cells` writes (`pann cells list`).
    #[arg(long, default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: String,
    /// How andnot, ornot and maj3 cells are written: `function` (a call per cell, which
    /// Icarus evaluates once per time step, matching `pann simulate --delay`) or
    /// `expression` (plain operators, which Icarus splits into functor trees).
    #[arg(long, value_enum, default_value = "function")]
    pub gate_style: GateStyleArg,
    /// Write here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `--gate-style` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum GateStyleArg {
    /// `assign #d n = pann_maj3(a, b, c);`
    Function,
    /// `assign #d n = (a & b) | (a & c) | (b & c);`
    Expression,
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
    let n = circuits::build(&spec);
    let mut buf = Vec::new();
    match a.format {
        NetlistFormat::Verilog => {
            let lib = pann::energy::CellLibrary::load(&a.cells)?;
            let model = crate::cli_timed::delay_model(&a.delay, &lib)?;
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

/// `pann bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    /// Delay model: zero | unit | cells (the delays of --cells).
    #[arg(long, default_value = "zero")]
    pub delay: String,
    /// Cell library and corner whose delays `--delay cells` uses (`pann cells list`).
    #[arg(long, default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: String,
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
    let spec = a.circuit.spec()?;
    let lib = pann::energy::CellLibrary::load(&a.cells)?;
    let delay = crate::cli_timed::delay_model(&a.delay, &lib)?;
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
