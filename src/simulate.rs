//! One simulation experiment: a validated circuit, an operand stream and a seed in; per-net
//! activity out. Streams are read and simulated in batches, so memory stays flat in the
//! stream length; each batch is split over all cores.

use crate::circuits::driver::RegisterMap;
use crate::circuits::{MacDriver, MacState, Unit, ValidMacSpec};
use crate::netlist::Netlist;
use crate::sim::zero_delay::RunStats;
use crate::sim::{Activity, Driver, PortVectors, ZeroDelaySim};
use crate::stream::{
    Dataflow, FileStream, OperandStream, Ranges, StreamError, StreamSpec, Synthetic,
};

/// Pairs per batch (about 14 MB of driver state for a MAC).
pub const BATCH: usize = 1 << 18;

/// What to simulate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SimConfig {
    /// The circuit.
    pub spec: ValidMacSpec,
    /// Operand source.
    pub stream: StreamSpec,
    /// Operand order (synthetic streams).
    pub dataflow: Dataflow,
    /// Number of cycles (= operand pairs; a vector file may end sooner).
    pub cycles: u64,
    /// Seed of synthetic streams.
    pub seed: u64,
}

/// Errors of an experiment.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The stream failed.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The simulator's register check failed: the circuit does not compute what integer
    /// arithmetic says. A bug, reported rather than hidden.
    #[error("bit-accuracy check failed: {0} block(s) where the circuit's registers differ from the arithmetic model ({1})")]
    Mismatch(u64, String),
}

/// Open the configured stream for `spec`'s operand ranges.
pub fn open_stream(cfg: &SimConfig) -> Result<Box<dyn OperandStream>, StreamError> {
    let ranges = Ranges {
        x: cfg.spec.x_range(),
        w: cfg.spec.w_range(),
    };
    Ok(match &cfg.stream {
        StreamSpec::Synthetic { dist } => Box::new(Synthetic::new(
            *dist,
            cfg.dataflow,
            ranges,
            cfg.seed,
            cfg.cycles,
        )),
        StreamSpec::File { path } => Box::new(FileStream::open(path, ranges, cfg.cycles)?),
    })
}

/// Simulate `cfg` on `n` (built from `cfg.spec`) at zero delay. `progress` receives the
/// number of cycles done after every batch.
pub fn simulate(
    n: &Netlist,
    cfg: &SimConfig,
    progress: &mut dyn FnMut(u64),
) -> Result<(Activity, RunStats), SimError> {
    let spec = &cfg.spec;
    let mut stream = open_stream(cfg)?;
    let sim = ZeroDelaySim::new(n);
    let map = RegisterMap::new(spec, n);
    let mut act = Activity::new(n.len());
    let mut stats = RunStats::default();
    let mut state = MacState::default();
    let mut prev: Option<(u64, u64)> = None;
    let mut pairs = Vec::with_capacity(BATCH);
    let mut done = 0u64;
    loop {
        stream.next_batch(&mut pairs, BATCH)?;
        if pairs.is_empty() {
            break;
        }
        // Each batch after the first starts with the previous batch's last cycle as its
        // baseline, so toggles across the boundary are counted exactly once.
        let enc: Vec<(u64, u64)> = prev
            .into_iter()
            .chain(
                pairs
                    .iter()
                    .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w))),
            )
            .collect();
        let (a, s) = if spec.unit == Unit::Adder {
            let vecs = enc
                .iter()
                .map(|&(a, b)| vec![a as u128, b as u128])
                .collect();
            let drv = PortVectors::new(n, vecs);
            sim.run(&drv)
        } else {
            let drv = MacDriver::new(spec, &map, state, &enc);
            let init = drv.state_at(0).expect("MAC driver knows its state");
            let r = sim.run_from(&drv, init);
            state = drv.state(enc.len() - 1);
            r
        };
        act.merge(&a);
        if prev.is_some() {
            act.cycles -= 1;
        }
        stats.blocks += s.blocks;
        stats.register_rounds += s.register_rounds;
        stats.mispredictions += s.mispredictions;
        stats.segments += s.segments;
        prev = enc.last().copied();
        done += pairs.len() as u64;
        progress(done);
    }
    if stats.mispredictions > 0 {
        return Err(SimError::Mismatch(stats.mispredictions, spec.describe()));
    }
    Ok((act, stats))
}

/// Tidy summary of one experiment, with provenance.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SimReport {
    /// `pann` version that produced the numbers.
    pub version: &'static str,
    /// One-line circuit description.
    pub circuit: String,
    /// The configuration.
    pub config: SimConfig,
    /// Delay model of the activity (`zero` here).
    pub delay: String,
    /// Logic cells (gates and flip-flops).
    pub gates: usize,
    /// Cells per component.
    pub cells: std::collections::BTreeMap<String, usize>,
    /// Simulated cycles (including the baseline cycle).
    pub cycles: u64,
    /// Operations counted (= transitions = cycles − 1).
    pub operations: u64,
    /// Toggles per component (integers) and `total`.
    pub toggles: std::collections::BTreeMap<String, u64>,
    /// Toggles per operation per component and `total`.
    pub toggles_per_op: std::collections::BTreeMap<String, f64>,
}

impl SimReport {
    /// Summarise `act` of `n` under `cfg`.
    pub fn new(n: &Netlist, cfg: &SimConfig, act: &Activity) -> SimReport {
        let comps = components_of(cfg.spec.unit);
        let by = act.by_component(n);
        let cells_by = n.cells_by_component();
        let ops = act.transitions();
        let mut toggles = std::collections::BTreeMap::new();
        let mut per_op = std::collections::BTreeMap::new();
        let mut cells = std::collections::BTreeMap::new();
        for c in comps {
            let t = by.get(c).copied().unwrap_or(0);
            toggles.insert(c.key().to_string(), t);
            per_op.insert(c.key().to_string(), per(t, ops));
            cells.insert(c.key().to_string(), cells_by.get(c).copied().unwrap_or(0));
        }
        let total: u64 = by.values().sum();
        toggles.insert("total".into(), total);
        per_op.insert("total".into(), per(total, ops));
        SimReport {
            version: env!("CARGO_PKG_VERSION"),
            circuit: cfg.spec.describe(),
            config: cfg.clone(),
            delay: "zero".into(),
            gates: n.cell_count(),
            cells,
            cycles: act.cycles,
            operations: ops,
            toggles,
            toggles_per_op: per_op,
        }
    }
}

fn per(t: u64, ops: u64) -> f64 {
    if ops == 0 {
        0.0
    } else {
        t as f64 / ops as f64
    }
}

/// Components reported for a unit, in report order.
pub fn components_of(unit: Unit) -> &'static [crate::netlist::Component] {
    use crate::netlist::Component::*;
    match unit {
        Unit::Mac => &[OperandRegs, Multiplier, AccAdder, AccReg],
        Unit::Mult => &[Multiplier],
        Unit::Adder => &[AccAdder],
    }
}
