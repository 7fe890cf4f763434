//! One experiment, end to end: a [`Request`] (circuit, stream, operating condition, outputs
//! wanted) goes in, [`run`] picks the engine (zero-delay or timed), streams the operands in
//! batches, meters energy under the cell library, builds the glitch summary and writes the
//! optional per-net, settle, VCD and SAIF outputs; a [`Report`] comes out.
//!
//! This is the layer sweeps, notebooks and the CLI call: the binary holds argument definitions
//! only. The operating condition of every number is one [`Condition`], the single source of the
//! provenance columns.

pub mod circuit;
pub mod condition;
pub mod outputs;
pub mod report;

pub use circuit::{Circuit, ImportedCircuit, PortNames};
pub use condition::{Condition, DelayKind};
pub use outputs::{open_output_toggles, NameStyle, OpenToggles, Outputs};
pub use report::{Provenance, Report};

use crate::energy::{CellLibrary, EnergyError, EnergyMeter, EnergyOptions};
use crate::glitch::{check_clock, simulate_timed, ClockTooShort, GlitchSummary};
use crate::report::ReportError;
use crate::sim::delay::DelayModel;
use crate::simulate::{simulate_following, SimConfig, SimError};
use crate::stream::{Dataflow, StreamSpec};
use condition::{DEFAULT_CLOCK_NS, DEFAULT_SEED, DEFAULT_SYNTHETIC_CYCLES, DEFAULT_WIRE_CAP_FF};

/// What to run.
#[derive(Clone, Debug)]
pub struct Request {
    /// The circuit: generated from a spec, or imported from Yosys.
    pub circuit: Circuit,
    /// Operand source.
    pub stream: StreamSpec,
    /// Operand order of synthetic and `nn:` streams.
    pub dataflow: Dataflow,
    /// Cycles to simulate (one operand pair each); `None`: [`DEFAULT_SYNTHETIC_CYCLES`] for a
    /// synthetic stream, the whole stream for `file:` and `nn:` streams.
    pub cycles: Option<u64>,
    /// Seed of synthetic streams (and of the calibration of `nn:` streams).
    pub seed: u64,
    /// Cell library id (`pann cells list`) or a cells CSV path.
    pub cells: String,
    /// Delay model.
    pub delay: DelayKind,
    /// Clock period, ns; `None`: [`DEFAULT_CLOCK_NS`], with a warning when a timed run
    /// cannot meet it. A given period shorter than a timed run's settle time is refused.
    pub clock_ns: Option<f64>,
    /// Wire capacitance per fan-out pin, fF.
    pub wire_cap_ff: f64,
    /// Optional output files.
    pub outputs: Outputs,
    /// The command line that asked for the run (provenance; empty from the library).
    pub command: String,
    /// Data directory of `nn:` streams (`None`: [`crate::nn::default_data_dir`]).
    pub data_dir: Option<std::path::PathBuf>,
}

impl Request {
    /// A request for `circuit` with every other setting at its default: a uniform synthetic
    /// stream, output-stationary, [`DEFAULT_SYNTHETIC_CYCLES`] cycles, seed
    /// [`DEFAULT_SEED`], the default cell library, zero delay, the default clock and wire
    /// load, no output files.
    pub fn new(circuit: Circuit) -> Request {
        Request {
            circuit,
            stream: StreamSpec::Synthetic {
                dist: crate::stream::Dist::Uniform,
            },
            dataflow: Dataflow::OutputStationary,
            cycles: None,
            seed: DEFAULT_SEED,
            cells: crate::energy::DEFAULT_LIBRARY.to_string(),
            delay: DelayKind::Zero,
            clock_ns: None,
            wire_cap_ff: DEFAULT_WIRE_CAP_FF,
            outputs: Outputs::default(),
            command: String::new(),
            data_dir: None,
        }
    }

    /// The cycles this request asks for (`u64::MAX` = the whole stream).
    pub fn cycle_limit(&self) -> u64 {
        match (&self.stream, self.cycles) {
            (_, Some(c)) => c,
            (StreamSpec::Synthetic { .. }, None) => DEFAULT_SYNTHETIC_CYCLES,
            _ => u64::MAX,
        }
    }

    /// The energy options of this request.
    pub fn energy_options(&self) -> EnergyOptions {
        EnergyOptions {
            clock_ns: self.clock_ns.unwrap_or(DEFAULT_CLOCK_NS),
            wire_cap_ff: self.wire_cap_ff,
            input_slew_ns: 0.0,
        }
    }

    /// Everything that can be checked before simulating: numbers in range, flags that fit
    /// together, output directories that exist. Errors name the flag and value.
    pub fn validate(&self) -> Result<(), ExperimentError> {
        let bad = |flag: &'static str, value: String, why: &str| ExperimentError::Input {
            flag,
            value,
            why: why.to_string(),
        };
        if let Some(c) = self.cycles {
            if c < 2 {
                return Err(bad(
                    "cycles",
                    c.to_string(),
                    "a run needs at least 2 cycles (the first is the baseline; operations = cycles - 1)",
                ));
            }
        }
        condition::check_energy_options(self.clock_ns, self.wire_cap_ff)?;
        if matches!(self.stream, StreamSpec::File { .. })
            && self.dataflow != Dataflow::OutputStationary
        {
            return Err(bad(
                "dataflow",
                self.dataflow.to_string(),
                "applies to synthetic and nn: streams; a vector file is used in its own order",
            ));
        }
        if let (StreamSpec::Nn { .. }, Dataflow::WeightStationary { n }) =
            (&self.stream, self.dataflow)
        {
            if n != crate::stream::DEFAULT_HOLD {
                return Err(bad(
                    "dataflow",
                    self.dataflow.to_string(),
                    "a real layer holds each weight for all its positions; give weight-stationary without :N",
                ));
            }
        }
        if let StreamSpec::Nn { images: 0, .. } = self.stream {
            return Err(bad(
                "images",
                "0".into(),
                "an nn: stream needs at least 1 image",
            ));
        }
        self.outputs.validate(self.delay, self.cycle_limit())
    }
}

/// Errors of an experiment.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// A flag or value that cannot be run.
    #[error("--{flag} {value}: {why}")]
    Input {
        /// Flag (without `--`).
        flag: &'static str,
        /// Given value.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// The simulation failed (stream error or bit-accuracy check).
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The cell library could not be loaded.
    #[error(transparent)]
    Energy(#[from] EnergyError),
    /// The clock is shorter than the settle time.
    #[error(transparent)]
    Clock(#[from] ClockTooShort),
    /// An output file could not be written.
    #[error(transparent)]
    Output(#[from] ReportError),
    /// The imported netlist could not be read.
    #[error("{path}: {why}")]
    Import {
        /// File.
        path: String,
        /// What is wrong.
        why: String,
    },
}

/// Run `req`. `progress` receives the number of cycles done after every batch.
pub fn run(req: &Request, progress: &mut dyn FnMut(u64)) -> Result<Report, ExperimentError> {
    req.validate()?;
    let lib = CellLibrary::load(&req.cells)?;
    let model = req.delay.model(&lib);
    let (n, spec) = (req.circuit.netlist(), req.circuit.spec());
    let cfg = SimConfig {
        spec: *spec,
        stream: req.stream.clone(),
        dataflow: req.dataflow,
        cycles: req.cycle_limit(),
        seed: req.seed,
        imported: req.circuit.ports().cloned(),
        data_dir: req.data_dir.clone(),
    };
    let mut settle_list = req.outputs.settle_list(model.tick_ns())?;
    // The cells' open outputs (GF180 full-adder sums) are counted in the same runs.
    let open = crate::energy::mapped::MappedNetlist::followed(n, &lib)?;
    let open = (!open.is_empty()).then_some(&open);
    let (act, timed) = if model == DelayModel::Zero {
        (simulate_following(n, &cfg, open, progress)?.0, None)
    } else {
        let mut rows = |settle: &[u32]| {
            if let Some(l) = settle_list.as_mut() {
                l.push(settle);
            }
        };
        let on_settle: Option<crate::glitch::SettleFn<'_>> = match req.outputs.settle {
            Some(_) => Some(&mut rows),
            None => None,
        };
        let out = simulate_timed(
            n,
            &cfg,
            &model,
            progress,
            on_settle,
            req.outputs.saif.is_some(),
            open,
        )?;
        (out.zero.clone(), Some(out))
    };
    if act.cycles < 2 {
        return Err(ExperimentError::Input {
            flag: "stream",
            value: req.stream.to_string(),
            why: format!(
                "gave {} cycle(s); a run needs at least 2 (the first is the baseline)",
                act.cycles
            ),
        });
    }
    let mut warnings = Vec::new();
    if act.cycles < cfg.cycles && req.cycles.is_some() {
        warnings.push(format!(
            "the stream {} ended after {} cycles; --cycles {} asked for more",
            req.stream, act.cycles, cfg.cycles
        ));
    }
    if let Some(t) = &timed {
        match req.clock_ns {
            Some(c) => check_clock(&t.timed, &model, c)?,
            None => {
                let settle_ns = t.timed.max_settle() as f64 * model.tick_ns();
                if settle_ns > DEFAULT_CLOCK_NS {
                    warnings.push(format!(
                        "the circuit settles in {settle_ns:.3} ns, longer than the default \
                         {DEFAULT_CLOCK_NS} ns clock the energy figures assume; pass --clock-ns"
                    ));
                }
            }
        }
    }
    // Written only once the run passed its checks (a too-short clock leaves no file).
    if let Some(l) = settle_list {
        l.commit()?;
    }
    let opts = req.energy_options();
    let meter = EnergyMeter::new(n, &lib, opts);
    let followed = open.is_some();
    let e_zero = meter.measure_with_open(&act, followed.then_some(act.open.as_slice()));
    let condition = Condition::new(
        &lib,
        req.delay,
        &opts,
        req.clock_ns.is_some(),
        &req.stream,
        req.dataflow,
        req.seed,
    );
    let provenance = Provenance::new(req, &lib);
    let mut report = Report::new(n, &req.circuit, &cfg, &act, condition, provenance);
    report = match &timed {
        Some(t) => report
            .with_energy(
                meter.measure_with_open(
                    &t.timed.activity,
                    followed.then_some(t.timed.activity.open.as_slice()),
                ),
                Some(e_zero),
            )
            .with_glitches(GlitchSummary::new(n, t, &model)),
        None => report.with_energy(e_zero, None),
    };
    report.physical = Some(crate::energy::physical::physical(n, &lib)?);
    report.warnings = warnings;
    req.outputs
        .write(n, &cfg, &model, &lib, &act, timed.as_ref(), opts.clock_ns)?;
    Ok(report)
}
