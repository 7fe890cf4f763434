//! `pann simulate`: arguments and one call of [`pann::experiment::run`].

use super::args::{emit, progress_bar, CircuitArgs, Format, ImportArgs, OutputArgs, RunArgs};
use anyhow::Result;
use clap::Args;
use pann::experiment::{run, NameStyle, Outputs, Request};
use pann::report::write_atomic;
use pann::stream::{Dataflow, StreamSpec};
use std::path::PathBuf;

/// `pann simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    /// Operand stream: uniform | gauss | laplace | relu:P (activation zero with probability
    /// P) | file:PATH (CSV with columns x,w) | nn:MODEL[:DATASET]:LAYER (the pairs one MAC
    /// sees while a real network layer runs on the first --images test images, e.g.
    /// nn:ccexam-cnn:conv2 or nn:lenet5:fashion-mnist:conv2; quantized to fit the MAC).
    #[arg(long, default_value = "uniform")]
    pub stream: StreamSpec,
    /// Dataflow: output-stationary | weight-stationary[:N] (weight held N cycles, default 64;
    /// an nn: layer holds each weight for all its positions).
    #[arg(long, default_value = "output-stationary")]
    pub dataflow: Dataflow,
    /// Cycles to simulate (one operand pair each, at least 2). Default: 100,000 for synthetic
    /// streams, the whole stream for file: and nn: streams.
    #[arg(long)]
    pub cycles: Option<u64>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Write every net's toggle count to this CSV (`net,toggles,rises,kind,component`; timed
    /// runs count every transition and add `zero_delay_toggles,zero_delay_rises`).
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
    /// Write a VCD of every net at tick resolution (timed runs: event-driven, glitches
    /// included; zero delay: settled values at each clock edge; use short streams or
    /// --vcd-cycles).
    #[arg(long)]
    pub vcd: Option<PathBuf>,
    /// Only cycles FIRST:LAST (inclusive, cycle 1 = the first operation, as in --settle)
    /// go into the VCD, e.g. around the slowest cycle of a long run.
    #[arg(long, value_name = "FIRST:LAST", requires = "vcd", value_parser = parse_window)]
    pub vcd_cycles: Option<(u64, u64)>,
    /// Write a backward SAIF (T0, T1, TC, IG per net) of the run, on the --clock-ns time
    /// base (DURATION = operations × period).
    #[arg(long)]
    pub saif: Option<PathBuf>,
    /// Names in --vcd and --saif: `nets` (pann's nets, for viewers) or `pins` (the pins of
    /// `pann netlist --cells` with the same --cells, plus `clk`: what OpenSTA's
    /// `read_vcd`/`read_saif -scope pann` and PrimeTime annotate; the VCD then starts at
    /// cycle 1).
    #[arg(long, value_enum, default_value_t = NameStyle::Nets)]
    pub vcd_style: NameStyle,
    #[command(flatten)]
    pub import: ImportArgs,
    /// Hide the progress bar and warnings.
    #[arg(long)]
    pub quiet: bool,
}

/// `--vcd-cycles FIRST:LAST`.
fn parse_window(s: &str) -> Result<(u64, u64), String> {
    s.split_once(':')
        .and_then(|(f, l)| Some((f.trim().parse().ok()?, l.trim().parse().ok()?)))
        .filter(|&(f, l)| 1 <= f && f <= l)
        .ok_or_else(|| "expected FIRST:LAST with 1 <= FIRST <= LAST".to_string())
}

impl SimulateArgs {
    /// The experiment these arguments ask for.
    pub fn request(&self) -> Result<Request> {
        let circuit = self.import.circuit(&self.circuit)?;
        Ok(Request {
            outputs: Outputs {
                per_net: self.per_net.clone(),
                settle: self.settle.clone(),
                vcd: self.vcd.clone(),
                vcd_cycles: self.vcd_cycles,
                saif: self.saif.clone(),
                names: self.vcd_style,
            },
            ..self
                .run
                .request(circuit, &self.stream, self.dataflow, self.cycles)
        })
    }
}

/// Run `pann simulate`.
pub fn run_simulate(a: SimulateArgs) -> Result<()> {
    let plot = match &a.plot {
        Some(p) => match pann::plot::PlotFormat::from_path(p) {
            Some(f) => {
                pann::report::check_target(p)?;
                Some((p, f))
            }
            None => anyhow::bail!("--plot {}: the name must end in .svg or .png", p.display()),
        },
        None => None,
    };
    a.output.check()?;
    let req = a.request()?;
    let pb = progress_bar(req.cycle_limit(), a.quiet);
    let report = run(&req, &mut |d| pb.set_position(d))?;
    pb.finish_and_clear();
    if !a.quiet {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    if let Some((p, format)) = plot {
        let bytes = pann::plot::simulate_plot(&report, format).map_err(anyhow::Error::msg)?;
        write_atomic::<_, anyhow::Error>(p, |w| Ok(w.write_all(&bytes)?))?;
    }
    let text = match a.output.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Csv => report.csv()?,
        Format::Table => report.table(),
    };
    emit(&a.output.out, &text)
}
