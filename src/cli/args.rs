//! Argument groups shared by several subcommands, the one `emit`, and the progress bar.

use anyhow::Result;
use clap::Args;
use pann::circuits::{
    AccStyle, AdderArch, ClockGating, MacSpec, MultArch, Repr, Unit, ValidMacSpec,
};
use pann::experiment::condition::{DelayKind, DEFAULT_IMAGES, DEFAULT_SEED, DEFAULT_WIRE_CAP_FF};
use pann::report::write_atomic;
use pann::stream::{Dataflow, StreamSpec};
use std::io::Write;
use std::path::PathBuf;

/// Circuit selection flags shared by `simulate`, `netlist` and `bench`.
#[derive(Args, Clone, Debug)]
pub struct CircuitArgs {
    /// Unit.
    #[arg(long, value_enum, default_value_t = Unit::Mac)]
    pub unit: Unit,
    /// Multiplier architecture.
    #[arg(long, value_enum, default_value_t = MultArch::Dadda)]
    pub mult: MultArch,
    /// Accumulator adder (and adder unit).
    #[arg(long, value_enum, default_value_t = AdderArch::Ripple)]
    pub adder: AdderArch,
    /// Multiplier final adder (default: ripple for array multipliers, else --adder).
    #[arg(long, value_enum)]
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
    /// Number representation.
    #[arg(long, value_enum, default_value_t = Repr::Twos)]
    pub repr: Repr,
    /// Accumulator style.
    #[arg(long, value_enum, default_value_t = AccStyle::Cpa)]
    pub acc_style: AccStyle,
    /// Operand isolation (MAC): operand registers hold on a zero activation, the product is gated.
    #[arg(long)]
    pub operand_isolation: bool,
    /// Clock gating (MAC, cpa accumulator) with the library's integrated clock-gating cell:
    /// `acc` gates the accumulator(s) on a zero product and the unsigned split's idle one;
    /// `all` also the operand registers that do not load (the weight when it repeats).
    #[arg(long, value_enum, default_value_t = ClockGating::None)]
    pub clock_gating: ClockGating,
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
            operand_isolation: self.operand_isolation,
            clock_gating: self.clock_gating,
        }
        .validate()?)
    }
}

/// Where a stream's data comes from: the images of an nn: stream, its data directory, the
/// seed of a synthetic one (`simulate`, `crosscheck`, `predict`).
#[derive(Args, Clone, Debug)]
pub struct StreamSourceArgs {
    /// Test images of an nn: stream (the first ones of the test split).
    #[arg(long, default_value_t = DEFAULT_IMAGES)]
    pub images: usize,
    /// Data directory of nn: streams (default: ./data, else the crate's data/).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Seed of synthetic streams.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

impl StreamSourceArgs {
    /// `stream`, an nn: stream over --images images.
    pub fn stream(&self, stream: &StreamSpec) -> StreamSpec {
        let mut stream = stream.clone();
        if let StreamSpec::Nn { images, .. } = &mut stream {
            *images = self.images;
        }
        stream
    }

    /// The data directory (see [`data_dir`]).
    pub fn data_dir(&self) -> PathBuf {
        data_dir(&self.data_dir)
    }
}

/// The run options `simulate` and `crosscheck` share (the stream, dataflow and cycle count
/// each declare with their own help and defaults).
#[derive(Args, Clone, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub source: StreamSourceArgs,
    #[command(flatten)]
    pub library: LibraryArgs,
    #[command(flatten)]
    pub energy: EnergyArgs,
}

impl RunArgs {
    /// The experiment of `circuit` on `stream` (an nn: stream over --images images) under
    /// these options, with default outputs and this command line.
    pub fn request(
        &self,
        circuit: pann::experiment::Circuit,
        stream: &StreamSpec,
        dataflow: Dataflow,
        cycles: Option<u64>,
    ) -> pann::experiment::Request {
        pann::experiment::Request {
            stream: self.source.stream(stream),
            dataflow,
            cycles,
            seed: self.source.seed,
            cells: self.library.cells.clone(),
            delay: self.library.delay,
            clock_ns: self.energy.clock_ns,
            wire_cap_ff: self.energy.wire_cap_ff,
            command: command_line(),
            data_dir: Some(self.source.data_dir()),
            ..pann::experiment::Request::new(circuit)
        }
    }
}

/// Cell library and delay model.
#[derive(Args, Clone, Debug)]
pub struct LibraryArgs {
    /// Cell library and corner (`pann cells list`), or a cells CSV file.
    #[arg(long, default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: String,
    /// Delay model (timed runs count glitches; `cells` takes the delays of --cells).
    #[arg(long, value_enum, default_value_t = DelayKind::Zero)]
    pub delay: DelayKind,
}

/// Energy options.
#[derive(Args, Clone, Debug)]
pub struct EnergyArgs {
    /// Clock period in ns (leakage is charged per period; default 10). Under a timed --delay,
    /// a period shorter than the settle time is refused.
    #[arg(long, allow_negative_numbers = true)]
    pub clock_ns: Option<f64>,
    /// Wire capacitance per fan-out pin, fF.
    #[arg(long, default_value_t = DEFAULT_WIRE_CAP_FF, allow_negative_numbers = true)]
    pub wire_cap_ff: f64,
}

impl EnergyArgs {
    /// The energy options, checked: a positive finite clock, a finite wire load >= 0.
    pub fn options(&self) -> Result<pann::energy::EnergyOptions> {
        pann::experiment::condition::check_energy_options(self.clock_ns, self.wire_cap_ff)?;
        let clock_ns = self
            .clock_ns
            .unwrap_or(pann::experiment::condition::DEFAULT_CLOCK_NS);
        Ok(pann::energy::EnergyOptions {
            clock_ns,
            wire_cap_ff: self.wire_cap_ff,
            input_slew_ns: 0.0,
        })
    }
}

/// Output format of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable table.
    Table,
    /// Tidy CSV with provenance columns.
    Csv,
    /// One JSON object.
    Json,
}

/// Where and how the report goes.
#[derive(Args, Clone, Debug)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(short = 'o', long, alias = "output")]
    pub out: Option<PathBuf>,
}

impl OutputArgs {
    /// Check before any work that the output's directory exists.
    pub fn check(&self) -> Result<()> {
        if let Some(p) = &self.out {
            pann::report::check_target(p)?;
        }
        Ok(())
    }
}

/// Write `text` to `out` (atomically) or standard output (a closed pipe ends output quietly).
pub fn emit(out: &Option<PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => write_atomic::<_, anyhow::Error>(p, |w| Ok(w.write_all(text.as_bytes())?)),
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// A CSV document from a header and rows.
pub fn csv_text(header: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// A progress bar on a terminal for `total` cycles (`u64::MAX`: unknown length, a counter);
/// hidden when quiet, not a terminal, or short.
pub fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() || total < 5_000_000 {
        return indicatif::ProgressBar::hidden();
    }
    let (pb, template) = if total == u64::MAX {
        (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} [{elapsed_precise}] {pos} cycles ({per_sec})",
        )
    } else {
        (
            indicatif::ProgressBar::new(total),
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cycles ({per_sec}, eta {eta})",
        )
    };
    pb.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
    pb
}

/// A progress bar on a terminal counting `total` items named `what` (e.g. sweep points);
/// hidden when quiet or not a terminal.
pub fn count_bar(total: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    let template = format!(
        "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {what} (eta {{eta}})"
    );
    pb.set_style(indicatif::ProgressStyle::with_template(&template).expect("valid template"));
    pb
}

/// The command line as typed, program named `pann` (provenance); arguments with spaces or
/// quotes are single-quoted so the line can be pasted into a shell.
pub fn command_line() -> String {
    let quote = |a: String| {
        if !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=.,:/+@%".contains(c))
        {
            a
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    std::iter::once("pann".to_string())
        .chain(std::env::args().skip(1).map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The data directory: `--data-dir`, else ./data, else the crate's data/.
pub fn data_dir(d: &Option<PathBuf>) -> PathBuf {
    d.clone().unwrap_or_else(pann::nn::default_data_dir)
}

/// A Yosys netlist instead of a generated circuit.
#[derive(Args, Clone, Debug)]
pub struct ImportArgs {
    /// Use a Yosys `write_json` netlist (gate cells and flip-flops) instead of a
    /// generated circuit; --x-port and --w-port name the ports the stream drives, --out-port
    /// the result port; --bx/--bw are taken from the port widths and --repr says how operands
    /// are encoded.
    #[arg(long)]
    pub netlist: Option<PathBuf>,
    /// Activation port of --netlist.
    #[arg(long, default_value = "x", requires = "netlist")]
    pub x_port: String,
    /// Weight port of --netlist.
    #[arg(long, default_value = "w", requires = "netlist")]
    pub w_port: String,
    /// Output port of --netlist.
    #[arg(long, default_value = "p", requires = "netlist")]
    pub out_port: String,
    /// Top module of --netlist (default: the one marked top, or the only one).
    #[arg(long, requires = "netlist")]
    pub top: Option<String>,
    /// Hold another input port of --netlist at a value every cycle, e.g. --tie en=1
    /// --tie clear=0 (decimal, 0x… or 0b…); repeat per port. Every input port must be driven.
    #[arg(long, value_name = "PORT=VALUE", requires = "netlist", value_parser = parse_tie)]
    pub tie: Vec<(String, u128)>,
    /// List every problem of a --netlist that does not import (default: the first few).
    #[arg(long)]
    pub verbose: bool,
}

impl ImportArgs {
    /// The circuit: imported from --netlist, else generated from `circuit`.
    pub fn circuit(&self, circuit: &CircuitArgs) -> Result<pann::experiment::Circuit> {
        use pann::experiment::{Circuit, PortNames};
        Ok(match &self.netlist {
            Some(p) => Circuit::import(
                p,
                &PortNames {
                    top: self.top.clone(),
                    x: self.x_port.clone(),
                    w: self.w_port.clone(),
                    out: self.out_port.clone(),
                    ties: self.tie.clone(),
                },
                circuit.repr,
                self.verbose,
            )?,
            None => Circuit::generated(circuit.spec()?),
        })
    }
}

/// `--tie PORT=VALUE`.
fn parse_tie(s: &str) -> Result<(String, u128), String> {
    pann::sim::drive::parse_tie(s).map_err(|e| e.to_string())
}
