//! One simulation experiment: a validated circuit, an operand stream and a seed in; per-net
//! activity out. Streams are read and simulated in batches, so memory stays flat in the
//! stream length; each batch is split over all cores.

use crate::circuits::driver::RegisterMap;
use crate::circuits::{MacDriver, MacState, Unit, ValidMacSpec};
use crate::netlist::Netlist;
use crate::sim::open::OpenOutputs;
use crate::sim::zero_delay::RunStats;
use crate::sim::{Activity, Driver, PortVectors, ZeroDelaySim};
use crate::stream::{
    Dataflow, FileStream, IterStream, OperandStream, Ranges, StreamError, StreamSpec, Synthetic,
};
use rayon::prelude::*;

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
    /// A netlist imported from Yosys instead of a generated circuit (`spec` then only gives
    /// the operand widths and representation of its `x` and `w` ports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportedPorts>,
    /// Data directory of `nn:` streams (`None`: [`crate::nn::default_data_dir`]).
    #[serde(skip)]
    pub data_dir: Option<std::path::PathBuf>,
}

impl SimConfig {
    /// The generated circuit `spec` on `cycles` uniform operand pairs drawn with `seed`,
    /// output-stationary.
    pub fn uniform(spec: ValidMacSpec, cycles: u64, seed: u64) -> SimConfig {
        SimConfig {
            spec,
            stream: StreamSpec::Synthetic {
                dist: crate::stream::Dist::Uniform,
            },
            dataflow: Dataflow::OutputStationary,
            cycles,
            seed,
            imported: None,
            data_dir: None,
        }
    }
}

/// Which ports of an imported netlist the operand stream drives.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ImportedPorts {
    /// Source file (Yosys `write_json`).
    pub path: String,
    /// Activation port name.
    pub x: String,
    /// Weight port name.
    pub w: String,
    /// Output port name.
    pub out: String,
    /// SHA-256 of the source file.
    pub sha256: String,
    /// Other input ports held at a constant every cycle (`--tie en=1`).
    pub ties: Vec<(String, u128)>,
}

impl ImportedPorts {
    /// What drives each input port of `n`: the operands, the ties; an input port left
    /// undriven, or a tie naming no input port, is an error naming it.
    pub fn plan(
        &self,
        n: &Netlist,
    ) -> Result<crate::sim::drive::PortPlan, crate::sim::drive::DriveError> {
        self.ties
            .iter()
            .fold(
                crate::sim::drive::PortDrive::new(&self.x, &self.w),
                |d, (p, v)| d.tie(p, *v),
            )
            .validate(n)
    }
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
    /// The input ports of an imported netlist cannot be driven as asked.
    #[error("{0}")]
    Drive(String),
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
        StreamSpec::Nn { spec, images } => {
            let dir = cfg
                .data_dir
                .clone()
                .unwrap_or_else(crate::nn::default_data_dir);
            let layer = nn_stream(&dir, &cfg.spec, spec, *images, cfg.dataflow)?;
            Box::new(IterStream::new(layer, ranges, cfg.cycles, spec.clone()))
        }
    })
}

/// Activation code bits a real-network stream uses on `spec`: unsigned (post-ReLU) codes
/// need the full width of an unsigned operand, and all but the sign bit of a two's
/// complement or sign-magnitude one. Quantizer limits: 2..=8 bits.
pub fn nn_code_bits(spec: &ValidMacSpec) -> (u32, u32) {
    let x = match spec.repr {
        crate::circuits::Repr::Unsigned => spec.bx,
        _ => spec.bx - 1,
    };
    (x.min(8), spec.bw.min(8))
}

/// The layer stream behind `nn:<model>[:<dataset>]:<layer>` (networks and datasets under
/// `data_dir`), quantized to fit `spec`'s operands exactly as `pann eval --wbits W --abits A
/// --first-bits F --last-bits F` quantizes by default (min-max, per channel, the same
/// calibration images and seed), with `(A, W)` = [`nn_code_bits`] and `F = min(A, W)`.
pub fn nn_stream(
    data_dir: &std::path::Path,
    spec: &ValidMacSpec,
    text: &str,
    images: usize,
    dataflow: Dataflow,
) -> Result<crate::nn::stream::LayerStream, StreamError> {
    use crate::nn::stream::LayerStream;
    let bad = |why: String| StreamError::Spec {
        field: "stream",
        value: text.to_string(),
        why,
    };
    let (model, dataset, layer) = LayerStream::parse_spec(text).map_err(|e| bad(e.to_string()))?;
    let (xb, wb) = nn_code_bits(spec);
    if xb < 2 || wb < 2 {
        return Err(bad(format!(
            "a {}-bit activation / {}-bit weight {} MAC leaves {xb}/{wb} code bits; real-network streams need at least 2",
            spec.bx, spec.bw, spec.repr
        )));
    }
    let cfg = crate::nn::quant::QuantConfig {
        wbits: wb,
        abits: xb,
        first_bits: xb.min(wb),
        last_bits: xb.min(wb),
        ..Default::default()
    };
    LayerStream::for_model(data_dir, model, dataset, &layer, images, dataflow, &cfg)
        .map_err(|e| bad(e.to_string()))
}

/// Per-batch callback of [`for_each_batch`]: `(driver, initial flip-flop state (empty for
/// combinational units), overlaps the previous batch)`.
/// It returns the flip-flop state held during the batch's last cycle when it knows it (needed
/// for imported sequential netlists, whose registers have no arithmetic model).
pub type BatchFn<'a> = &'a mut dyn FnMut(&dyn Driver, Vec<bool>, bool) -> Option<Vec<bool>>;

/// Stream `cfg` through `n` (built from `cfg.spec`) batch by batch, memory flat in the
/// stream length. `each(driver, init)` simulates one batch whose flip-flops hold `init` in its
/// first lane; every batch after the first starts with the previous batch's last cycle as its
/// baseline, so the caller subtracts one cycle per merged batch (see [`merge_batch`]).
/// `progress` receives the number of cycles done after every batch.
///
/// The stream is generated or read on a thread of its own, one batch ahead of the simulation
/// (at most two batches in flight, so memory stays flat); the batches, their order and so the
/// results are the same as drawing them in turn.
pub fn for_each_batch(
    n: &Netlist,
    cfg: &SimConfig,
    progress: &mut dyn FnMut(u64),
    each: BatchFn<'_>,
) -> Result<(), SimError> {
    let mut stream = open_stream(cfg)?;
    if rayon::current_thread_index().is_some() {
        // Called from a rayon worker (a sweep's point, say): a worker blocked on the reader's
        // channel can starve the pool the reader itself generates with (with one thread it
        // deadlocks), so draw the batches in turn on this thread instead. Same batches, same
        // order, same results.
        let inline = std::iter::from_fn(|| {
            let mut buf = Vec::with_capacity(BATCH);
            Some(stream.next_batch(&mut buf, BATCH).map(|()| buf))
        });
        return simulate_batches(n, cfg, progress, each, inline, &|_| {});
    }
    type Batch = Result<Vec<(i64, i64)>, StreamError>;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<(i64, i64)>>();
    std::thread::scope(|scope| {
        scope.spawn(move || loop {
            let mut buf = back_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH));
            let got = stream.next_batch(&mut buf, BATCH);
            let end = got.is_err() || buf.is_empty();
            // A closed channel means the consumer stopped (an error): stop too.
            if tx.send(got.map(|()| buf)).is_err() || end {
                break;
            }
        });
        // Each batch's buffer goes back to the reader once simulated.
        let recycle = |pairs| {
            let _ = back_tx.send(pairs);
        };
        simulate_batches(n, cfg, progress, each, rx.into_iter(), &recycle)
    })
}

/// The consumer side of [`for_each_batch`]: encode, drive and simulate each batch in turn.
fn simulate_batches(
    n: &Netlist,
    cfg: &SimConfig,
    progress: &mut dyn FnMut(u64),
    each: BatchFn<'_>,
    batches: impl Iterator<Item = Result<Vec<(i64, i64)>, StreamError>>,
    recycle: &dyn Fn(Vec<(i64, i64)>),
) -> Result<(), SimError> {
    let spec = &cfg.spec;
    // Generated circuits only: imported netlists have no register labels.
    let map = match cfg.imported {
        None => Some(RegisterMap::new(spec, n)),
        Some(_) => None,
    };
    let mut state = MacState::default();
    let mut prev: Option<(u64, u64)> = None;
    let mut driver: Option<MacDriver<'_>> = None;
    let mut done = 0u64;
    let mut imported_state = vec![false; n.dffs().len()];
    let plan = match &cfg.imported {
        Some(ip) => Some(ip.plan(n).map_err(|e| SimError::Drive(e.to_string()))?),
        None => None,
    };
    let mut enc: Vec<(u64, u64)> = Vec::with_capacity(BATCH + 1);
    for pairs in batches {
        let pairs = pairs?;
        if pairs.is_empty() {
            return Ok(());
        }
        let generated_mac = plan.is_none() && spec.unit != Unit::Adder;
        enc.clear();
        if !generated_mac {
            enc.extend(prev);
            enc.par_extend(
                pairs
                    .par_iter()
                    .with_min_len(1 << 12)
                    .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w))),
            );
        }
        if let Some(plan) = &plan {
            // Any netlist: operands on the x and w ports, the other inputs tied; flip-flops
            // found by the simulator's fixed point from reset.
            let ops: Vec<(u128, u128)> = enc.iter().map(|&(x, w)| (x as u128, w as u128)).collect();
            let first = done - prev.is_some() as u64;
            let vecs = plan
                .vectors(first, &ops)
                .map_err(|e| SimError::Drive(e.to_string()))?;
            let drv = PortVectors::new(n, vecs);
            let last = each(&drv, imported_state.clone(), prev.is_some());
            imported_state = last.expect("imported netlists report their final state");
        } else if spec.unit == Unit::Adder {
            // Operands up to 64 bits each: the generic port driver.
            let vecs = enc
                .iter()
                .map(|&(a, b)| vec![a as u128, b as u128])
                .collect();
            each(&PortVectors::new(n, vecs), Vec::new(), prev.is_some());
        } else {
            // Encoding, byte planes and accumulator prefix sums in one parallel pass.
            let drv = driver.get_or_insert_with(|| {
                MacDriver::empty(spec, map.as_ref().expect("generated circuit"), state)
            });
            let last = drv.refill_values(state, prev, &pairs, &mut enc);
            let init = drv.state_at(0).expect("MAC driver knows its state");
            each(&*drv, init, prev.is_some());
            state = drv.state(drv.len() as usize - 1);
            prev = last;
        }
        if !generated_mac {
            prev = enc.last().copied();
        }
        done += pairs.len() as u64;
        recycle(pairs);
        progress(done);
    }
    Ok(())
}

/// Add one batch's activity to a running total; `overlap` = the batch re-simulated the
/// previous batch's last cycle as its baseline.
pub fn merge_batch(total: &mut Activity, batch: &Activity, overlap: bool) {
    total.merge(batch);
    if overlap {
        total.cycles -= 1;
    }
}

/// Simulate `cfg` on `n` (built from `cfg.spec`) at zero delay. `progress` receives the
/// number of cycles done after every batch.
pub fn simulate(
    n: &Netlist,
    cfg: &SimConfig,
    progress: &mut dyn FnMut(u64),
) -> Result<(Activity, RunStats), SimError> {
    simulate_following(n, cfg, None, progress)
}

/// [`simulate`], also counting the toggles of the cells' open outputs `open`
/// ([`Activity::open`]).
pub fn simulate_following(
    n: &Netlist,
    cfg: &SimConfig,
    open: Option<&OpenOutputs>,
    progress: &mut dyn FnMut(u64),
) -> Result<(Activity, RunStats), SimError> {
    let mut sim = ZeroDelaySim::new(n);
    if let Some(o) = open {
        sim = sim.with_open_outputs(o.clone());
    }
    let mut act = Activity::new(n.len());
    let mut stats = RunStats::default();
    for_each_batch(n, cfg, progress, &mut |drv, init, overlap| {
        let (a, s, last) = sim.run_from_state(drv, init);
        merge_batch(&mut act, &a, overlap);
        stats.blocks += s.blocks;
        stats.register_rounds += s.register_rounds;
        stats.mispredictions += s.mispredictions;
        stats.segments += s.segments;
        Some(last)
    })?;
    if stats.mispredictions > 0 {
        return Err(SimError::Mismatch(
            stats.mispredictions,
            cfg.spec.describe(),
        ));
    }
    Ok((act, stats))
}
