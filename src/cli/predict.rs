//! `pann predict`: fJ/op per component of a MAC and stream from a coefficients CSV
//! ([`pann::fit::predict::CoefficientTable`]), optionally next to the gate-level simulation
//! ([`pann::experiment::run`]) of the same MAC, stream and condition.

use super::args::{command_line, csv_text, emit, Format, OutputArgs, StreamSourceArgs};
use super::fit::table;
use anyhow::{Context, Result};
use clap::Args;
use pann::circuits::{self, ClockGating, MacSpec, Repr};
use pann::experiment::condition::DEFAULT_SYNTHETIC_CYCLES;
use pann::experiment::{run, Circuit, Request};
use pann::fit::predict::CoefficientTable;
use pann::fit::{Features, StreamStats};
use pann::simulate::{open_stream, SimConfig};
use pann::stream::{Dataflow, StreamSpec};
use std::path::PathBuf;

/// `pann predict`. The models describe Dadda-multiplier, ripple-accumulator MACs (the sweep's
/// reference architecture), so only widths and representation are chosen here.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Coefficients CSV written by `pann fit`.
    #[arg(long)]
    pub models: PathBuf,
    /// Activation width in bits.
    #[arg(long, default_value_t = 8)]
    pub bx: u32,
    /// Weight width in bits.
    #[arg(long, default_value_t = 8)]
    pub bw: u32,
    /// Accumulator width B in bits.
    #[arg(long, default_value_t = 32)]
    pub acc: u32,
    /// Number representation.
    #[arg(long, value_enum, default_value_t = Repr::Twos)]
    pub repr: Repr,
    /// Clock gating of the MAC: `none`, or `acc` (the accumulators gated on a non-zero
    /// product; the gated models of the file: clock, ICG cells and enable logic). `all` has
    /// no fitted model.
    #[arg(long, value_enum, default_value_t = ClockGating::None)]
    pub clock_gating: ClockGating,
    /// Operand stream, as `pann simulate --stream` takes it.
    #[arg(long, default_value = "uniform")]
    pub stream: StreamSpec,
    /// Dataflow, as `pann simulate --dataflow` takes it.
    #[arg(long, default_value = "output-stationary")]
    pub dataflow: Dataflow,
    /// Operand pairs the stream statistics (and the --check simulation) use.
    #[arg(long, default_value_t = DEFAULT_SYNTHETIC_CYCLES)]
    pub cycles: u64,
    #[command(flatten)]
    pub source: StreamSourceArgs,
    /// Library whose models to use, when the file has several (clock and wire load are the
    /// ones the models were fitted at).
    #[arg(long)]
    pub cells: Option<String>,
    /// Also simulate the MAC gate by gate (zero delay, same stream, library, clock and wire
    /// load) and print the simulated fJ/op and the relative error of the prediction.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One line of the result.
#[derive(serde::Serialize)]
struct Line {
    component: String,
    predicted_fj_per_op: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    simulated_fj_per_op: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rel_err: Option<f64>,
}

/// The whole result (JSON form).
#[derive(serde::Serialize)]
struct Prediction {
    circuit: String,
    stream: String,
    cycles: u64,
    seed: u64,
    models: String,
    library: String,
    clock_ns: f64,
    wire_cap_ff: f64,
    pann_version: &'static str,
    git_rev: &'static str,
    command: String,
    components: Vec<Line>,
}

/// Run `pann predict`.
pub fn run_predict(a: PredictArgs) -> Result<()> {
    a.output.check()?;
    let table = CoefficientTable::read(&a.models)?;
    let spec = MacSpec {
        bx: a.bx,
        bw: a.bw,
        acc: a.acc,
        repr: a.repr,
        clock_gating: a.clock_gating,
        ..MacSpec::default()
    }
    .validate()?;
    let models = match a.clock_gating {
        ClockGating::None => table.select(a.repr, a.cells.as_deref()),
        ClockGating::Acc => table.select_gated(a.repr, a.cells.as_deref()),
        g => {
            anyhow::bail!("--clock-gating {g}: no fitted model (the models cover `none` and `acc`)")
        }
    }
    .with_context(|| format!("--models {}", a.models.display()))?;
    let (library, clock_ns, wire_cap_ff) = (
        models[0].library.clone(),
        models[0].clock_ns,
        models[0].wire_cap_ff,
    );
    let stream = a.source.stream(&a.stream);
    anyhow::ensure!(a.cycles >= 2, "--cycles {}: at least 2", a.cycles);
    let cfg = SimConfig {
        spec,
        stream: stream.clone(),
        dataflow: a.dataflow,
        cycles: a.cycles,
        seed: a.source.seed,
        imported: None,
        data_dir: Some(a.source.data_dir()),
    };
    let pairs = open_stream(&cfg)
        .and_then(|mut s| s.take_pairs(a.cycles))
        .with_context(|| format!("--stream {}", a.stream))?;
    let stats = StreamStats::from_pairs(&spec, &pairs);
    let features = Features::of(&spec, &circuits::build(&spec), clock_ns, stats);
    let mut lines: Vec<Line> = models
        .iter()
        .map(|m| Line {
            component: m.component.report_key().to_string(),
            predicted_fj_per_op: m.predict(&features),
            simulated_fj_per_op: None,
            rel_err: None,
        })
        .collect();
    lines.push(Line {
        component: "total".into(),
        predicted_fj_per_op: lines.iter().map(|l| l.predicted_fj_per_op).sum(),
        simulated_fj_per_op: None,
        rel_err: None,
    });
    if a.check {
        let req = Request {
            stream: stream.clone(),
            dataflow: a.dataflow,
            cycles: Some(a.cycles),
            seed: a.source.seed,
            cells: library.clone(),
            clock_ns: Some(clock_ns),
            wire_cap_ff,
            command: command_line(),
            data_dir: Some(a.source.data_dir()),
            ..Request::new(Circuit::generated(spec))
        };
        let report = run(&req, &mut |_| {})?;
        let sim = report.energy_fj_per_op.unwrap_or_default();
        for l in &mut lines {
            if let Some(&s) = sim.get(&l.component) {
                l.simulated_fj_per_op = Some(s);
                l.rel_err = Some((l.predicted_fj_per_op - s) / s);
            }
        }
    }
    let p = Prediction {
        circuit: spec.describe(),
        stream: stream.to_string(),
        cycles: a.cycles,
        seed: a.source.seed,
        models: a.models.display().to_string(),
        library,
        clock_ns,
        wire_cap_ff,
        pann_version: env!("CARGO_PKG_VERSION"),
        git_rev: pann::experiment::report::GIT_REV,
        command: command_line(),
        components: lines,
    };
    let text = match a.output.format {
        Format::Json => serde_json::to_string_pretty(&p)? + "\n",
        Format::Csv => as_csv(&p, a.check)?,
        Format::Table => as_table(&p, a.check),
    };
    emit(&a.output.out, &text)
}

fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_default()
}

fn as_table(p: &Prediction, check: bool) -> String {
    let mut header = vec!["component", "predicted fJ/op"];
    if check {
        header.extend(["simulated fJ/op", "rel err"]);
    }
    let rows: Vec<Vec<String>> = p
        .components
        .iter()
        .map(|l| {
            let mut r = vec![l.component.clone(), format!("{:.3}", l.predicted_fj_per_op)];
            if check {
                r.push(fmt_opt(l.simulated_fj_per_op, |v| format!("{v:.3}")));
                r.push(fmt_opt(l.rel_err, |v| format!("{:+.2}%", 100.0 * v)));
            }
            r
        })
        .collect();
    format!(
        "{}, stream {} ({} pairs, seed {}); models {} under {}, clock {} ns, wire {} fF\n{}",
        p.circuit,
        p.stream,
        p.cycles,
        p.seed,
        p.models,
        p.library,
        p.clock_ns,
        p.wire_cap_ff,
        table(&header, &rows)
    )
}

fn as_csv(p: &Prediction, check: bool) -> Result<String> {
    let mut header = vec!["component", "predicted_fj_per_op"];
    if check {
        header.extend(["simulated_fj_per_op", "rel_err"]);
    }
    header.extend([
        "circuit",
        "stream",
        "cycles",
        "seed",
        "models",
        "library",
        "clock_ns",
        "wire_cap_ff",
        "pann_version",
        "git_rev",
        "command",
    ]);
    let rows: Vec<Vec<String>> = p
        .components
        .iter()
        .map(|l| {
            let mut r = vec![l.component.clone(), l.predicted_fj_per_op.to_string()];
            if check {
                r.push(fmt_opt(l.simulated_fj_per_op, |v| v.to_string()));
                r.push(fmt_opt(l.rel_err, |v| v.to_string()));
            }
            r.extend([
                p.circuit.clone(),
                p.stream.clone(),
                p.cycles.to_string(),
                p.seed.to_string(),
                p.models.clone(),
                p.library.clone(),
                p.clock_ns.to_string(),
                p.wire_cap_ff.to_string(),
                p.pann_version.to_string(),
                p.git_rev.to_string(),
                p.command.clone(),
            ]);
            r
        })
        .collect();
    csv_text(&header, &rows)
}
