//! The designed sweep behind the power models, and a runner generic over how one point is
//! measured.
//!
//! # Design
//!
//! Each model has its own axes, and the grid is full along them, with the other factors held
//! at a reference (two's complement / unsigned / sign-magnitude each, `B = 32`, uniform data,
//! Dadda multiplier, ripple adders, one library corner and clock):
//!
//! - **multiplier axis:** `b_x, b_w ∈ {1..=8, 12, 16}`, full factorial (100 shapes per
//!   representation; shapes a representation cannot build, e.g. 1-bit sign-magnitude, are
//!   skipped), so both the array term `b_x·b_w` and the edge terms are identifiable;
//! - **accumulator axis:** `B ∈ {16, 24, 32, 48}` × square `b ∈ {2, 4, 8}` (uniform and
//!   relu:0.5 data), which separates
//!   the `B` terms from the product-width terms;
//! - **data axis:** uniform, gauss, laplace, relu:0.25/0.5/0.75 × square `b ∈ {2, 4, 8}`,
//!   which moves the activity statistics (toggle rates, zero fractions, sign changes) at fixed
//!   shape, so the activity-scaled terms are not confounded with size;
//! - **real layer streams:** every MAC layer of every shipped network ([`nn_layers`]) in
//!   both dataflows on `b × b` MACs, `b` ∈ [`nn_widths`] (4 and 8; the unsigned split also 2
//!   and 3, the uniform-unsigned networks' MACs); their hold-out group is the network;
//! - **PANN addition streams** (unsigned only, the `b̃x × 2` MAC PANN runs on): every inner
//!   layer of the shipped networks ([`pann_layers`]) at the `(b̃x, R)` of [`PANN_SETTINGS`],
//!   quantized and sampled as `pann curve` does (long runs of one activation into one bank,
//!   a ±1 weight); their hold-out group is the network (`pann:MODEL:DATASET`);
//! - **elsewhere, sampled:** `extra_random` points drawn (seeded) over the whole space
//!   (`b_x, b_w ∈ 1..=16`, `B ∈ 16..=48` where valid, any distribution and representation) to
//!   check the models away from the axes (they are fitted like any other point and show up in
//!   the held-out error).
//!
//! Every point is measured until the standard error of the mean energy per operation of
//! **every component** (and of the total) is below `target_rel_se` (1 %): the stream is
//! simulated in independent chunks with different seeds (batch means), at least `min_chunks`
//! and at most `max_chunks` of them; the cycles used, the worst component's relative standard
//! error and whether the target was met are recorded with the point.
//!
//! [`run_sweep`] runs the points in parallel (rayon) and returns them in input order, so the
//! output is identical whatever the thread count. The measurement is a parameter; [`measure`]
//! runs each chunk through the experiment layer ([`crate::experiment::run`]), so a point's
//! delay model (zero, unit, cells), library corner and dataflow are the experiment's own.

use super::model::{Features, Observation};
use super::stats::StreamStats;
use super::FitError;
use crate::circuits::{MacSpec, Repr, ValidMacSpec};
use crate::experiment::{self, Circuit, DelayKind, Request};
use crate::stream::{Dataflow, Dist, StreamSpec};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One operating point of the sweep.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SweepPoint {
    /// The MAC.
    pub spec: ValidMacSpec,
    /// Data condition of a synthetic stream (ignored when `nn` is set).
    pub dist: Dist,
    /// A real layer stream instead of a synthetic one: `nn:MODEL[:DATASET]:LAYER`, run on
    /// [`NN_IMAGES`] test images and quantized to fit the MAC as `pann simulate --stream
    /// nn:...` does ([`crate::simulate::nn_stream`]); in `dataflow` order. Or a PANN
    /// addition stream `pann:MODEL:DATASET:LAYER:rR` (b̃x = the MAC's `bx`).
    pub nn: Option<String>,
    /// Cell library id (`pann cells list`).
    pub library: String,
    /// Clock period (ns).
    pub clock_ns: f64,
    /// Wire capacitance per fan-out pin (fF).
    pub wire_cap_ff: f64,
    /// Base seed; chunk k uses a seed derived from it and k.
    pub seed: u64,
    /// Delay model of the activity.
    pub delay: DelayKind,
    /// Operand order.
    pub dataflow: Dataflow,
    /// Name of the sweep design the point belongs to (provenance).
    pub design: String,
}

/// How long to measure each point.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Convergence {
    /// Cycles per chunk.
    pub chunk_cycles: u64,
    /// Fewest chunks (≥ 2, so a standard error exists).
    pub min_chunks: u32,
    /// Most chunks.
    pub max_chunks: u32,
    /// Stop once SE(mean fJ/op) / mean is below this for every component and the total
    /// (default 0.01).
    pub target_rel_se: f64,
}

impl Default for Convergence {
    /// 20,000-cycle chunks, 3 to 200 of them, 1 % target.
    fn default() -> Self {
        Convergence {
            chunk_cycles: 20_000,
            min_chunks: 3,
            max_chunks: 200,
            target_rel_se: 0.01,
        }
    }
}

/// Where a number came from: the columns every output row carries.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// Cell library id, e.g. `sky130_tt_025C_1v80`.
    pub library: String,
    /// Process corner and temperature, e.g. `sky130_tt_025C`.
    pub corner: String,
    /// Supply voltage (V).
    pub voltage_v: f64,
    /// Temperature (°C).
    pub temperature_c: f64,
    /// Clock period (ns).
    pub clock_ns: f64,
    /// Delay model of the activity.
    pub delay: String,
    /// Wire capacitance per fan-out pin (fF).
    pub wire_cap_ff: f64,
    /// Energy model version.
    pub energy_model: String,
    /// `pann` version.
    pub pann_version: String,
    /// Git revision `pann` was built from.
    pub git_rev: String,
    /// Base seed.
    pub seed: u64,
    /// Name of the sweep design (`grid`, `quick`).
    pub design: String,
}

/// What measuring one point produced.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    /// Features and mean energy (fJ/op) with standard errors, per component and `total`.
    pub observation: Observation,
    /// Cycles simulated over all chunks.
    pub cycles: u64,
    /// Chunks simulated.
    pub chunks: u32,
    /// Whether every component's standard-error target was met.
    pub converged: bool,
    /// The largest relative standard error of any component's mean (and the total's).
    pub worst_rel_se: f64,
    /// Condition of the numbers.
    pub provenance: Provenance,
}

/// A measured sweep point.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SweepRow {
    /// The point.
    pub point: SweepPoint,
    /// Its measurement.
    pub measurement: Measurement,
}

/// Measure every point with `measure` in parallel; rows come back in `points` order.
/// `progress(done, total)` is called after each point. The first error (in point order)
/// is returned.
pub fn run_sweep<E, M>(
    points: &[SweepPoint],
    measure: M,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<SweepRow>, E>
where
    E: Send,
    M: Fn(&SweepPoint) -> Result<Measurement, E> + Sync,
{
    let done = AtomicUsize::new(0);
    let results: Vec<Result<SweepRow, E>> = points
        .par_iter()
        .map(|p| {
            let m = measure(p);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, points.len());
            m.map(|measurement| SweepRow {
                point: p.clone(),
                measurement,
            })
        })
        .collect();
    results.into_iter().collect()
}

/// The reference factors of the designed grid.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepDesign {
    /// Library id.
    pub library: String,
    /// Clock period (ns).
    pub clock_ns: f64,
    /// Wire capacitance per fan-out pin (fF).
    pub wire_cap_ff: f64,
    /// Seed of the points (and of the random extra points).
    pub seed: u64,
    /// Representations swept.
    pub reprs: Vec<Repr>,
    /// Randomly placed extra points.
    pub extra_random: usize,
    /// Name of the design (provenance column `design`): `grid` or `quick`.
    pub name: String,
    /// Delay model of every point.
    pub delay: DelayKind,
}

impl Default for SweepDesign {
    /// The default library at 10 ns, 0.3 fF wires, seed 1, all three representations,
    /// 24 random extra points.
    fn default() -> Self {
        SweepDesign {
            library: crate::energy::DEFAULT_LIBRARY.to_string(),
            clock_ns: 10.0,
            wire_cap_ff: 0.3,
            seed: 1,
            reprs: Repr::ALL.to_vec(),
            extra_random: 24,
            name: "grid".into(),
            delay: DelayKind::Zero,
        }
    }
}

/// Operand widths of the multiplier axis.
pub const MULT_WIDTHS: [u32; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16];
/// Accumulator widths of the accumulator axis.
pub const ACC_WIDTHS: [u32; 4] = [16, 24, 32, 48];
/// Square operand widths of the accumulator and data axes.
pub const AXIS_WIDTHS: [u32; 3] = [2, 4, 8];
/// Both dataflows of a real layer stream (a real layer holds each weight for all its
/// positions and images whatever `n` says).
pub const NN_DATAFLOWS: [Dataflow; 2] = [
    Dataflow::OutputStationary,
    Dataflow::WeightStationary {
        n: crate::arith::DEFAULT_HOLD,
    },
];

/// Operand widths `b` of the full design's real layer streams (`b × b` MACs, `B = 32`):
/// 4 and 8 bits, and for the unsigned split also 2 and 3 bits, the MACs of `pann curve`'s
/// uniform-unsigned 2- and 3-bit networks (a 2- or 3-bit two's complement MAC leaves fewer
/// than 2 activation code bits, [`crate::simulate::nn_code_bits`]).
pub fn nn_widths(repr: Repr) -> &'static [u32] {
    match repr {
        Repr::Unsigned => &[2, 3, 4, 8],
        _ => &[4, 8],
    }
}

/// Most windows (chunks) of a real layer stream: a layer is not stationary (one output
/// channel after another), so its batch means converge slowly; 16 windows spread over the
/// whole layer bound the cost.
pub const NN_MAX_WINDOWS: u32 = 16;

/// Test images of a sweep point's real layer stream.
pub const NN_IMAGES: usize = 4;

/// Every MAC layer of every shipped network: `nn:MODEL:DATASET:LAYER`.
pub fn nn_layers() -> Vec<String> {
    let nets: [(&str, &str, &[&str]); 5] = [
        ("lenet5", "mnist", &["conv1", "conv2", "fc1", "fc2", "fc3"]),
        (
            "lenet5",
            "fashion-mnist",
            &["conv1", "conv2", "fc1", "fc2", "fc3"],
        ),
        ("ccexam-cnn", "mnist", &["conv1", "conv2", "fc1", "fc2"]),
        ("mlp", "mnist", &["fc1", "fc2", "fc3"]),
        ("mlp", "fashion-mnist", &["fc1", "fc2", "fc3"]),
    ];
    nets.iter()
        .flat_map(|(m, d, ls)| ls.iter().map(move |l| format!("nn:{m}:{d}:{l}")))
        .collect()
}

/// The network part of a stream label (`nn:lenet5:mnist` of `nn:lenet5:mnist:conv2`,
/// `pann:lenet5:mnist` of `pann:lenet5:mnist:fc1:r4`), the distribution's name for a
/// synthetic stream: the group a network hold-out leaves out.
pub fn stream_group(stream: &str) -> String {
    if stream.starts_with("nn:") {
        stream.rsplit_once(':').map_or(stream, |x| x.0).to_string()
    } else if stream.starts_with("pann:") {
        let parts: Vec<&str> = stream.split(':').collect();
        parts[..parts.len().saturating_sub(2).max(1)].join(":")
    } else {
        stream.to_string()
    }
}

/// The inner (PANN-quantized) layers of every shipped network, `pann:MODEL:DATASET:LAYER`
/// without the `:rR` suffix: the first and last layers stay uniform 8-bit MAC layers.
pub fn pann_layers() -> Vec<String> {
    let nets: [(&str, &str, &[&str]); 5] = [
        ("lenet5", "mnist", &["conv2", "fc1", "fc2"]),
        ("lenet5", "fashion-mnist", &["conv2", "fc1", "fc2"]),
        ("ccexam-cnn", "mnist", &["conv2", "fc1"]),
        ("mlp", "mnist", &["fc2"]),
        ("mlp", "fashion-mnist", &["fc2"]),
    ];
    nets.iter()
        .flat_map(|(m, d, ls)| ls.iter().map(move |l| format!("pann:{m}:{d}:{l}")))
        .collect()
}

/// `(b̃x, R)` of the full design's PANN addition streams: b̃x ∈ 2..=5, R over 0.25…16.
pub const PANN_SETTINGS: [(u32, f64); 5] = [(2, 0.25), (3, 1.0), (4, 4.0), (2, 16.0), (5, 16.0)];

/// `(b̃x, R)` of the quick design's PANN addition streams.
pub const QUICK_PANN: [(&str, u32, f64); 2] = [
    ("pann:lenet5:mnist:fc1", 2, 16.0),
    ("pann:ccexam-cnn:mnist:conv2", 3, 1.0),
];

/// Split `pann:MODEL:DATASET:LAYER:rR` into the network's layer spec
/// (`nn:MODEL:DATASET:LAYER`) and `R`.
pub fn parse_pann_label(label: &str) -> Option<(String, f64)> {
    let rest = label.strip_prefix("pann:")?;
    let (layer, r) = rest.rsplit_once(':')?;
    let r: f64 = r.strip_prefix('r')?.parse().ok()?;
    Some((format!("nn:{layer}"), r))
}

/// Data conditions of the data axis.
pub const DISTS: [Dist; 6] = [
    Dist::Uniform,
    Dist::Gauss,
    Dist::Laplace,
    Dist::Relu { p: 0.25 },
    Dist::Relu { p: 0.5 },
    Dist::Relu { p: 0.75 },
];

impl SweepDesign {
    /// A point at this design's condition, if the spec is buildable.
    pub fn point(&self, repr: Repr, bx: u32, bw: u32, acc: u32, dist: Dist) -> Option<SweepPoint> {
        let spec = MacSpec {
            bx,
            bw,
            acc,
            repr,
            ..MacSpec::default()
        }
        .validate()
        .ok()?;
        Some(SweepPoint {
            spec,
            dist,
            nn: None,
            library: self.library.clone(),
            clock_ns: self.clock_ns,
            wire_cap_ff: self.wire_cap_ff,
            seed: self.seed,
            delay: self.delay,
            dataflow: Dataflow::OutputStationary,
            design: self.name.clone(),
        })
    }

    /// A point fed the real layer stream `nn` (`nn:MODEL:DATASET:LAYER`) in `dataflow`
    /// order, if the spec is buildable.
    pub fn nn_point(
        &self,
        repr: Repr,
        b: u32,
        acc: u32,
        nn: &str,
        dataflow: Dataflow,
    ) -> Option<SweepPoint> {
        let mut p = self.point(repr, b, b, acc, Dist::Uniform)?;
        p.nn = Some(nn.to_string());
        p.dataflow = dataflow;
        Some(p)
    }

    /// A point fed the PANN addition stream of inner layer `layer`
    /// (`pann:MODEL:DATASET:LAYER`) of the network quantized at b̃x = `bx`, `R = r`, on the
    /// `b̃x × 2` unsigned MAC PANN runs on ([`crate::tradeoff::energy`]), B = 32.
    pub fn pann_point(&self, layer: &str, bx: u32, r: f64) -> Option<SweepPoint> {
        let mut p = self.point(Repr::Unsigned, bx, 2, 32, Dist::Uniform)?;
        p.nn = Some(format!("{layer}:r{r}"));
        Some(p)
    }

    /// The small `quick` design (tests, CI; a few seconds): per representation,
    /// `b_x, b_w ∈ 2..=8` full factorial at `B = 32` under three data conditions (uniform,
    /// gauss, relu:0.5), so every default model term is identifiable, plus square
    /// `b ∈ {2, 4, 8}` at `B = 16` on uniform and relu:0.5 data (the clock-gated models' load
    /// terms need a second accumulator width); no random extra points.
    pub fn quick_grid(&self) -> Vec<SweepPoint> {
        let mut pts = Vec::new();
        for &r in &self.reprs {
            for d in QUICK_DISTS {
                for bx in QUICK_WIDTHS {
                    for bw in QUICK_WIDTHS {
                        pts.extend(self.point(r, bx, bw, 32, d));
                    }
                }
            }
            // B = 16 squares under two data conditions: the clock-gated models' load terms
            // need a second accumulator width whichever distribution is held out.
            for d in [Dist::Uniform, Dist::Relu { p: 0.5 }] {
                for b in AXIS_WIDTHS {
                    pts.extend(self.point(r, b, b, 16, d));
                }
            }
        }
        pts
    }

    /// The real layer streams of the `quick` design (`pann fit --quick` measures them after
    /// [`Self::quick_grid`]): per representation, [`QUICK_NN`] in both dataflows at
    /// b = 4 and 8, B = 32 (36 points, about 1 s each: quantizing the network).
    pub fn quick_real(&self) -> Vec<SweepPoint> {
        let mut pts = Vec::new();
        for &r in &self.reprs {
            for nn in QUICK_NN {
                for df in NN_DATAFLOWS {
                    for b in [4, 8] {
                        pts.extend(self.nn_point(r, b, 32, nn, df));
                    }
                }
            }
            if r == Repr::Unsigned {
                for (layer, bx, rr) in QUICK_PANN {
                    pts.extend(self.pann_point(layer, bx, rr));
                }
            }
        }
        pts
    }

    /// The full designed grid (see the module doc), duplicates removed, in a fixed order.
    pub fn grid(&self) -> Vec<SweepPoint> {
        let mut pts = Vec::new();
        for &r in &self.reprs {
            for &bx in &MULT_WIDTHS {
                for &bw in &MULT_WIDTHS {
                    pts.extend(self.point(r, bx, bw, 32, Dist::Uniform));
                }
            }
            // Under two data conditions, so the accumulator-width terms (and the clock-gated
            // models' load terms) stay identifiable when one distribution is held out.
            for d in [Dist::Uniform, Dist::Relu { p: 0.5 }] {
                for &acc in &ACC_WIDTHS {
                    for &b in &AXIS_WIDTHS {
                        pts.extend(self.point(r, b, b, acc, d));
                    }
                }
            }
            for &d in &DISTS {
                for &b in &AXIS_WIDTHS {
                    pts.extend(self.point(r, b, b, 32, d));
                }
            }
            for nn in nn_layers() {
                for df in NN_DATAFLOWS {
                    for &b in nn_widths(r) {
                        pts.extend(self.nn_point(r, b, 32, &nn, df));
                    }
                }
            }
            if r == Repr::Unsigned {
                for layer in pann_layers() {
                    for (bx, rr) in PANN_SETTINGS {
                        pts.extend(self.pann_point(&layer, bx, rr));
                    }
                }
            }
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(self.seed ^ 0x05ee_df17);
        let mut extra = 0;
        while extra < self.extra_random && !self.reprs.is_empty() {
            let r = self.reprs[rng.gen_range(0..self.reprs.len())];
            let (bx, bw) = (rng.gen_range(1..=16), rng.gen_range(1..=16));
            let acc = rng.gen_range(16..=48);
            let d = DISTS[rng.gen_range(0..DISTS.len())];
            if let Some(p) = self.point(r, bx, bw, acc, d) {
                pts.push(p);
                extra += 1;
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        pts.retain(|p| seen.insert(p.key()));
        pts
    }
}

/// Real layer streams of the `quick` design (both dataflows, b = 4 and 8).
pub const QUICK_NN: [&str; 3] = [
    "nn:lenet5:mnist:conv2",
    "nn:ccexam-cnn:mnist:fc1",
    "nn:mlp:fashion-mnist:fc2",
];

impl SweepPoint {
    /// The stream as `pann simulate --stream` names it (`uniform`, `relu:0.5`, `nn:...`).
    pub fn stream_label(&self) -> String {
        match &self.nn {
            Some(nn) => nn.clone(),
            None => StreamSpec::Synthetic { dist: self.dist }.to_string(),
        }
    }

    /// What identifies the point within a design (circuit, stream, dataflow).
    pub fn key(&self) -> String {
        format!(
            "{} {} {}",
            self.spec.describe(),
            self.stream_label(),
            self.dataflow
        )
    }
}

/// Data conditions of the `quick` design.
pub const QUICK_DISTS: [Dist; 3] = [Dist::Uniform, Dist::Gauss, Dist::Relu { p: 0.5 }];
/// Operand widths of the `quick` design.
pub const QUICK_WIDTHS: std::ops::RangeInclusive<u32> = 2..=8;

impl Convergence {
    /// The `quick` design's measurement: 10,000-cycle chunks, 3 to 6 of them.
    pub fn quick(target_rel_se: f64) -> Convergence {
        Convergence {
            chunk_cycles: 10_000,
            min_chunks: 3,
            max_chunks: 6,
            target_rel_se,
        }
    }
}

/// Seed of chunk `k` of a point with base seed `seed` (splitmix64 of both).
pub fn chunk_seed(seed: u64, k: u32) -> u64 {
    let mut z = seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mean and standard error of the mean.
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (m, f64::INFINITY);
    }
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// Batch means of a chunked measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Converged {
    /// Mean and standard error of the mean (fJ/op) by component key (incl. `total`).
    pub means: BTreeMap<String, (f64, f64)>,
    /// Mean stream statistics over the chunks.
    pub stats: StreamStats,
    /// Chunks run.
    pub chunks: u32,
    /// Whether every component met the target.
    pub converged: bool,
}

impl Converged {
    /// The largest relative standard error over the components (0 when every mean is 0).
    pub fn worst_rel_se(&self) -> f64 {
        self.means
            .values()
            .map(|&(m, se)| rel_se(m, se))
            .fold(0.0, f64::max)
    }
}

/// `se / |m|`; 0 for an exactly constant zero (a component with no cells or no activity),
/// infinite for a zero mean with spread.
fn rel_se(m: f64, se: f64) -> f64 {
    if se == 0.0 {
        0.0
    } else {
        se / m.abs()
    }
}

/// Run chunks of `one_chunk(seed)` (energy fJ/op by component incl. `total`, and stream
/// statistics) until the relative standard error of the mean of **every** component (and of
/// `total`) meets `conv`: the clock and leakage are nearly constant, so a target on the
/// total alone would stop while the data-dependent components are still noisy.
pub fn converge<E>(
    seed: u64,
    conv: &Convergence,
    mut one_chunk: impl FnMut(u64) -> Result<(BTreeMap<String, f64>, StreamStats), E>,
) -> Result<Converged, E> {
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut stats = Vec::new();
    let mut k = 0;
    let converged = loop {
        let (e, s) = one_chunk(chunk_seed(seed, k))?;
        for (key, v) in e {
            samples.entry(key).or_default().push(v);
        }
        stats.push(s);
        k += 1;
        let all_met = samples.values().all(|v| {
            let (m, se) = mean_se(v);
            rel_se(m, se) <= conv.target_rel_se
        });
        if k >= conv.min_chunks.max(2) && all_met {
            break true;
        }
        if k >= conv.max_chunks {
            break false;
        }
    };
    Ok(Converged {
        means: samples.into_iter().map(|(k, v)| (k, mean_se(&v))).collect(),
        stats: StreamStats::mean(&stats),
        chunks: k,
        converged,
    })
}

// ---------------------------------------------------------------------------------------
// Measurement through the experiment layer: nothing else in `fit` touches the simulator.

/// The experiment request of chunk `seed` of `p` (`cycles` operand pairs).
pub fn request(p: &SweepPoint, circuit: &Circuit, cycles: u64, seed: u64) -> Request {
    Request {
        stream: StreamSpec::Synthetic { dist: p.dist },
        dataflow: p.dataflow,
        cycles: Some(cycles),
        seed,
        cells: p.library.clone(),
        delay: p.delay,
        clock_ns: Some(p.clock_ns),
        wire_cap_ff: p.wire_cap_ff,
        ..Request::new(circuit.clone())
    }
}

/// Whether `p` also measures its clock-gated twin (`--clock-gating acc`, the same stream
/// chunk by chunk) for the [`super::PowerComponent::GATED`] models: square shapes and real
/// layer streams of ungated MACs (every axis but the non-square multiplier shapes, which
/// the gating logic does not need).
pub fn measures_gated_twin(p: &SweepPoint) -> bool {
    p.spec.unit == crate::circuits::Unit::Mac
        && p.spec.clock_gating.is_none()
        && (p.spec.bx == p.spec.bw || p.nn.is_some())
}

/// The clock-gated twin of `p`'s MAC, if [`measures_gated_twin`].
fn gated_twin(p: &SweepPoint) -> Option<Circuit> {
    if !measures_gated_twin(p) {
        return None;
    }
    let spec = MacSpec {
        clock_gating: crate::circuits::ClockGating::Acc,
        ..*p.spec.spec()
    }
    .validate()
    .ok()?;
    Some(Circuit::generated(spec))
}

/// The clock-gated twin's energies under the keys of its models: `gated_operand_regs`,
/// `gated_clock`, `clock_gating`, `gated_leakage` and `gated_total` (its multiplier,
/// accumulator adder and register are the ungated MAC's: a bank is disabled only when it
/// would hold).
pub fn gated_keys(e: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    e.iter()
        .filter_map(|(k, v)| {
            let key = match k.as_str() {
                "operand_regs" | "clock" | "leakage" | "total" => format!("gated_{k}"),
                "clock_gating" => k.clone(),
                _ => return None,
            };
            Some((key, *v))
        })
        .collect()
}

/// Run `req` and, when `twin` is given, the same request on the clock-gated twin; the
/// energies of both ([`gated_keys`] for the twin's).
fn run_with_twin(
    req: &Request,
    twin: Option<&Circuit>,
    err: &dyn Fn(&dyn std::fmt::Display) -> FitError,
) -> Result<(experiment::Report, BTreeMap<String, f64>), FitError> {
    let report = experiment::run(req, &mut |_| {}).map_err(|e| err(&e))?;
    let mut e = report
        .energy_fj_per_op
        .clone()
        .ok_or_else(|| err(&"the run reported no energy"))?;
    if let Some(t) = twin {
        let r = experiment::run(
            &Request {
                circuit: t.clone(),
                ..req.clone()
            },
            &mut |_| {},
        )
        .map_err(|e| err(&e))?;
        let g = r
            .energy_fj_per_op
            .ok_or_else(|| err(&"the clock-gated run reported no energy"))?;
        e.extend(gated_keys(&g));
    }
    Ok((report, e))
}

/// Measure `p` through [`crate::experiment::run`] (its delay model, library, clock and
/// dataflow), chunk by chunk with independent seeds, until every component's mean energy
/// per operation meets `conv` ([`converge`]).
pub fn measure(p: &SweepPoint, conv: &Convergence) -> Result<Measurement, FitError> {
    use crate::energy::CellLibrary;
    use crate::simulate::open_stream;
    let circuit = Circuit::generated(p.spec);
    let err = |e: &dyn std::fmt::Display| FitError::Measure(format!("{}: {e}", p.spec.describe()));
    let lib = CellLibrary::load(&p.library).map_err(|e| err(&e))?;
    if let Some(nn) = &p.nn {
        if nn.starts_with("pann:") {
            return measure_pann(p, conv, nn, &circuit, &lib);
        }
        return measure_nn(p, conv, nn, &circuit, &lib);
    }
    let twin = gated_twin(p);
    let c = converge(p.seed, conv, |seed| {
        let req = request(p, &circuit, conv.chunk_cycles, seed);
        let (report, e) = run_with_twin(&req, twin.as_ref(), &err)?;
        let pairs = open_stream(&report.config)
            .and_then(|mut s| s.take_pairs(conv.chunk_cycles))
            .map_err(|e| err(&e))?;
        Ok((e, StreamStats::from_pairs(&p.spec, &pairs)))
    })?;
    Ok(measurement(p, conv, &circuit, &lib, c))
}

/// The measurement of `p` from its converged chunks.
fn measurement(
    p: &SweepPoint,
    conv: &Convergence,
    circuit: &Circuit,
    lib: &crate::energy::CellLibrary,
    c: Converged,
) -> Measurement {
    use crate::energy::ENERGY_MODEL_VERSION;
    let features = Features::of(&p.spec, circuit.netlist(), p.clock_ns, c.stats.clone());
    let worst_rel_se = c.worst_rel_se();
    let (means, chunks) = (c.means, c.chunks);
    Measurement {
        observation: Observation {
            stream: p.stream_label(),
            features,
            fj_per_op: means.iter().map(|(k, v)| (k.clone(), v.0)).collect(),
            se_fj_per_op: means.iter().map(|(k, v)| (k.clone(), v.1)).collect(),
        },
        cycles: chunks as u64 * conv.chunk_cycles,
        chunks,
        converged: c.converged,
        worst_rel_se,
        provenance: Provenance {
            library: lib.id.clone(),
            corner: super::voltage::corner_of(&lib.id),
            voltage_v: lib.voltage_v,
            temperature_c: lib.temperature_c,
            clock_ns: p.clock_ns,
            delay: p.delay.model_name().into(),
            wire_cap_ff: p.wire_cap_ff,
            energy_model: ENERGY_MODEL_VERSION.into(),
            pann_version: env!("CARGO_PKG_VERSION").into(),
            git_rev: crate::experiment::report::GIT_REV.into(),
            seed: p.seed,
            design: p.design.clone(),
        },
    }
}

/// Measure a real-layer point: chunk k is the k-th of `conv.max_chunks` (at most
/// [`NN_MAX_WINDOWS`]) windows of `conv.chunk_cycles` consecutive pairs (fewer windows, then
/// shorter ones, on a layer too short for them) spread evenly over the whole layer stream (so the
/// chunks are real consecutive pairs of the dataflow, and their batch means see the whole
/// layer), each simulated through the experiment layer as a vector file.
fn measure_nn(
    p: &SweepPoint,
    conv: &Convergence,
    nn: &str,
    circuit: &Circuit,
    lib: &crate::energy::CellLibrary,
) -> Result<Measurement, FitError> {
    let err = |e: &dyn std::fmt::Display| {
        FitError::Measure(format!("{} fed {nn}: {e}", p.spec.describe()))
    };
    let dir = crate::nn::default_data_dir();
    let mut layer = crate::simulate::nn_stream(&dir, &p.spec, nn, NN_IMAGES, p.dataflow)
        .map_err(|e| err(&e))?;
    let total = layer.total();
    // A short layer gets shorter or fewer windows, so they never run past its end.
    let chunk = conv.chunk_cycles.min(total / 2).max(2);
    let max_chunks = conv
        .max_chunks
        .min(NN_MAX_WINDOWS)
        .min((total / chunk) as u32)
        .max(2);
    let conv = &Convergence {
        chunk_cycles: chunk,
        max_chunks,
        min_chunks: conv.min_chunks.min(max_chunks),
        ..*conv
    };
    let windows = conv.max_chunks.max(1) as u64;
    let gap = (total / windows).saturating_sub(conv.chunk_cycles);
    let mut k = 0u32;
    let twin = gated_twin(p);
    let c = converge(p.seed, conv, |_| {
        if k > 0 && gap > 0 {
            layer.nth(gap as usize - 1);
        }
        k += 1;
        let pairs: Vec<(i64, i64)> = layer.by_ref().take(conv.chunk_cycles as usize).collect();
        if pairs.len() < 2 {
            return Err(err(&format!(
                "the layer stream ends after {total} pairs (window {k})"
            )));
        }
        simulate_window(p, circuit, twin.as_ref(), &pairs, &err)
    })?;
    Ok(measurement(p, conv, circuit, lib, c))
}

/// Simulate one window of consecutive pairs of `p`'s stream (already in dataflow order)
/// through the experiment layer as a vector file: its energies and statistics.
fn simulate_window(
    p: &SweepPoint,
    circuit: &Circuit,
    twin: Option<&Circuit>,
    pairs: &[(i64, i64)],
    err: &dyn Fn(&dyn std::fmt::Display) -> FitError,
) -> Result<(BTreeMap<String, f64>, StreamStats), FitError> {
    use std::io::Write;
    let mut f = tempfile::Builder::new()
        .prefix("pann-fit-")
        .suffix(".csv")
        .tempfile()
        .map_err(|e| err(&format!("temporary vector file: {e}")))?;
    let mut text = String::with_capacity(pairs.len() * 8 + 4);
    text.push_str("x,w\n");
    for (x, w) in pairs {
        text.push_str(&format!("{x},{w}\n"));
    }
    f.write_all(text.as_bytes())
        .map_err(|e| err(&format!("temporary vector file: {e}")))?;
    let req = Request {
        stream: StreamSpec::File {
            path: f.path().to_path_buf(),
        },
        cycles: None,
        // The file holds the pairs in the layer's dataflow order already.
        dataflow: Dataflow::OutputStationary,
        ..request(p, circuit, pairs.len() as u64, p.seed)
    };
    let (_, e) = run_with_twin(&req, twin, err)?;
    Ok((e, StreamStats::from_pairs(&p.spec, pairs)))
}

/// Measure a PANN addition-stream point (`pann:MODEL:DATASET:LAYER:rR` on the `b̃x × 2`
/// unsigned MAC): the network is quantized as `pann curve` quantizes it
/// ([`crate::nn::pann::prepare`] at b̃x = `p.spec.bx`, R) and the layer's addition stream is
/// sampled as `pann curve` samples it ([`crate::tradeoff::sample::addition_pairs`]), on
/// [`NN_IMAGES`] held-out training images (not the test images the curve charges), in
/// `conv.max_chunks` (at most [`NN_MAX_WINDOWS`]) windows of `conv.chunk_cycles` additions,
/// one window per chunk.
fn measure_pann(
    p: &SweepPoint,
    conv: &Convergence,
    label: &str,
    circuit: &Circuit,
    lib: &crate::energy::CellLibrary,
) -> Result<Measurement, FitError> {
    use crate::nn::pann::{heldout_split, prepare, PannConfig};
    use crate::nn::stream::LayerStream;
    use crate::tradeoff::sample::{addition_pairs, SampleSize};
    let err = |e: &dyn std::fmt::Display| {
        FitError::Measure(format!("{} fed {label}: {e}", p.spec.describe()))
    };
    let (layer_spec, r) =
        parse_pann_label(label).ok_or_else(|| err(&"expected pann:MODEL:DATASET:LAYER:rR"))?;
    let (model, dataset, layer) = LayerStream::parse_spec(&layer_spec).map_err(|e| err(&e))?;
    let cfg = PannConfig {
        model,
        dataset,
        r,
        act_bits: p.spec.bx,
        ..PannConfig::default()
    };
    let dir = crate::nn::default_data_dir();
    let (net, train) = prepare(&dir, &cfg).map_err(|e| err(&e))?;
    let m = net
        .q
        .layers
        .iter()
        .position(|l| l.name == layer)
        .ok_or_else(|| err(&format!("no layer {layer}")))?;
    let images = heldout_split(&train, &cfg, NN_IMAGES);
    let windows = conv.max_chunks.clamp(2, NN_MAX_WINDOWS);
    let size = SampleSize {
        images: NN_IMAGES,
        windows: windows as usize,
        window: conv.chunk_cycles as usize,
    };
    let pairs = addition_pairs(&net, m, &images, size);
    let conv = &Convergence {
        max_chunks: windows,
        min_chunks: conv.min_chunks.min(windows),
        ..*conv
    };
    let twin = gated_twin(p);
    // A layer with fewer additions per image than a window gives shorter windows: cut the
    // concatenation (what `pann curve` simulates as one stream) into equal chunks instead.
    let mut chunks = pairs.chunks(pairs.len().div_ceil(windows as usize).max(2));
    let c = converge(p.seed, conv, |_| {
        let w = chunks
            .next()
            .filter(|w| w.len() >= 2)
            .ok_or_else(|| err(&"the addition stream ran out of windows"))?;
        simulate_window(p, circuit, twin.as_ref(), w, &err)
    })?;
    Ok(measurement(p, conv, circuit, lib, c))
}

/// Dynamic energy per operation (fJ; total minus leakage) of one run of `p`'s circuit and
/// stream (`cycles`, seed `p.seed`, `p`'s delay model) through the experiment layer under
/// each library in `libraries`: `(library id, supply V, fJ/op)`.
pub fn dynamic_across_libraries(
    p: &SweepPoint,
    cycles: u64,
    libraries: &[String],
) -> Result<Vec<(String, f64, f64)>, FitError> {
    let circuit = Circuit::generated(p.spec);
    libraries
        .iter()
        .map(|id| {
            let req = Request {
                cells: id.clone(),
                ..request(p, &circuit, cycles, p.seed)
            };
            let r = experiment::run(&req, &mut |_| {})
                .map_err(|e| FitError::Measure(format!("{}: {e}", p.spec.describe())))?;
            let e = r.energy_fj_per_op.unwrap_or_default();
            let get = |k: &str| e.get(k).copied().unwrap_or(0.0);
            Ok((
                r.condition.library.clone(),
                r.condition.voltage_v,
                get("total") - get("leakage"),
            ))
        })
        .collect()
}

/// One architecture's energy under one delay model ([`glitch_factors`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GlitchRow {
    /// What varies: `multiplier` (Dadda … with a ripple accumulator) or `adder` (the
    /// accumulator adder's architecture, Dadda multiplier).
    pub unit: &'static str,
    /// The architecture (`dadda`, `kogge-stone`, …).
    pub arch: String,
    /// Delay model (`zero`, `unit`, `cells`).
    pub delay: &'static str,
    /// Energy of the varied unit's component (`multiplier` or `acc_adder`), fJ/op.
    pub fj_per_op: f64,
    /// `fj_per_op` over the same architecture's zero-delay energy: the glitch factor (1 at
    /// zero delay: no glitches).
    pub glitch_factor: f64,
}

/// Clock period of the glitch-factor runs (ns): long enough for every architecture to settle
/// under cell delays (an 8×8 ripple-accumulator MAC needs 11.2 ns in SKY130 tt); the
/// components compared are dynamic, so the period does not change them.
pub const GLITCH_CLOCK_NS: f64 = 40.0;

/// Glitch factor by architecture: an 8×8 two's complement MAC (B = 32, `d`'s library, wire
/// load and seed, clock [`GLITCH_CLOCK_NS`]) on `cycles` uniform pairs, every multiplier architecture (ripple
/// accumulator) and every accumulator-adder architecture (Dadda multiplier), simulated with
/// zero, unit and cell delays; the varied unit's energy per operation and its ratio to zero
/// delay. Rows in architecture then delay order, whatever the thread count.
pub fn glitch_factors(d: &SweepDesign, cycles: u64) -> Result<Vec<GlitchRow>, FitError> {
    use crate::circuits::{AdderArch, MultArch};
    let delays = [DelayKind::Zero, DelayKind::Unit, DelayKind::Cells];
    let mut specs: Vec<(&'static str, String, ValidMacSpec)> = Vec::new();
    let base = MacSpec {
        bx: 8,
        bw: 8,
        acc: 32,
        repr: Repr::Twos,
        ..MacSpec::default()
    };
    for &m in MultArch::ALL {
        if let Ok(s) = (MacSpec { mult: m, ..base }).validate() {
            specs.push(("multiplier", m.to_string(), s));
        }
    }
    for &a in AdderArch::ALL {
        if let Ok(s) = (MacSpec { adder: a, ..base }).validate() {
            specs.push(("adder", a.to_string(), s));
        }
    }
    let runs: Vec<(usize, DelayKind)> = (0..specs.len())
        .flat_map(|i| delays.iter().map(move |&k| (i, k)))
        .collect();
    let energies: Vec<f64> = runs
        .par_iter()
        .map(|&(i, delay)| {
            let (unit, _, spec) = &specs[i];
            let p = SweepPoint {
                delay,
                clock_ns: GLITCH_CLOCK_NS,
                ..d.point(Repr::Twos, 8, 8, 32, Dist::Uniform)
                    .expect("8x8 two's complement MAC is valid")
            };
            let r = experiment::run(
                &request(&p, &Circuit::generated(*spec), cycles, d.seed),
                &mut |_| {},
            )
            .map_err(|e| FitError::Measure(format!("{}: {e}", spec.describe())))?;
            let key = if *unit == "multiplier" {
                "multiplier"
            } else {
                "acc_adder"
            };
            Ok(r.energy_fj_per_op
                .unwrap_or_default()
                .get(key)
                .copied()
                .unwrap_or(0.0))
        })
        .collect::<Result<_, FitError>>()?;
    Ok(runs
        .iter()
        .zip(&energies)
        .map(|(&(i, delay), &e)| {
            let zero = energies[i * delays.len()];
            GlitchRow {
                unit: specs[i].0,
                arch: specs[i].1.clone(),
                delay: delay.model_name(),
                fj_per_op: e,
                glitch_factor: if zero > 0.0 { e / zero } else { f64::NAN },
            }
        })
        .collect())
}

/// [`glitch_factors`] as tidy CSV: `unit,arch,delay,fj_per_op,glitch_factor`.
pub fn write_glitch_csv<W: std::io::Write>(rows: &[GlitchRow], out: W) -> Result<(), FitError> {
    let mut w = csv::Writer::from_writer(out);
    let e = |cause| FitError::Write {
        what: "glitch CSV",
        cause,
    };
    for r in rows {
        w.serialize(r).map_err(e)?;
    }
    w.flush().map_err(|c| e(c.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_has_the_pann_addition_streams_grouped_by_network() {
        let g = SweepDesign::default().grid();
        for layer in pann_layers() {
            for (bx, r) in PANN_SETTINGS {
                let label = format!("{layer}:r{r}");
                let p = g
                    .iter()
                    .find(|p| p.nn.as_deref() == Some(label.as_str()) && p.spec.bx == bx)
                    .unwrap_or_else(|| panic!("{label} b̃x {bx}"));
                assert_eq!((p.spec.bw, p.spec.repr), (2, Repr::Unsigned));
                let (nn, rr) = parse_pann_label(&label).unwrap();
                assert_eq!(rr, r);
                // The hold-out group is the network, as for its MAC layer streams.
                assert_eq!(
                    stream_group(&label),
                    stream_group(&nn).replacen("nn:", "pann:", 1)
                );
            }
        }
        assert_eq!(stream_group("pann:mlp:mnist:fc2:r0.25"), "pann:mlp:mnist");
    }

    #[test]
    fn grid_covers_every_axis_without_duplicates() {
        let g = SweepDesign::default().grid();
        let keys: std::collections::BTreeSet<String> = g.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), g.len());
        for acc in ACC_WIDTHS {
            assert!(g.iter().any(|p| p.spec.acc == acc));
        }
        assert!(g.iter().any(|p| p.spec.bx == 16 && p.spec.bw == 1));
        for nn in nn_layers() {
            for df in NN_DATAFLOWS {
                assert!(
                    g.iter()
                        .any(|p| p.nn.as_deref() == Some(nn.as_str()) && p.dataflow == df),
                    "{nn} {df}"
                );
                // The uniform-unsigned 2- and 3-bit networks' MACs see real streams too.
                for b in [2, 3] {
                    assert!(
                        g.iter().any(|p| p.nn.as_deref() == Some(nn.as_str())
                            && p.dataflow == df
                            && p.spec.repr == Repr::Unsigned
                            && p.spec.bx == b
                            && p.spec.bw == b),
                        "{nn} {df} unsigned {b}x{b}"
                    );
                }
            }
        }
        assert_eq!(
            g,
            SweepDesign::default().grid(),
            "the grid is deterministic"
        );
    }

    /// A constant 1000 fJ total with a ±5 % component: the total meets 1 % at once, the
    /// component needs (0.05 / 0.01)² = 25 chunks of alternating ±5 % to reach it.
    #[test]
    fn convergence_waits_for_every_component_not_just_the_total() {
        let conv = Convergence {
            chunk_cycles: 1,
            min_chunks: 2,
            max_chunks: 1000,
            target_rel_se: 0.01,
        };
        let mut k = 0;
        let c = converge::<()>(7, &conv, |_| {
            k += 1;
            let noisy = if k % 2 == 0 { 1.05 } else { 0.95 };
            let e = [
                ("total".to_string(), 1000.0),
                ("acc_reg".to_string(), noisy),
            ];
            Ok((e.into_iter().collect(), StreamStats::default()))
        })
        .unwrap();
        assert!(c.converged);
        assert!(c.chunks >= 25, "stopped after {} chunks", c.chunks);
        assert!(c.worst_rel_se() <= 0.01);
        let (m, se) = c.means["acc_reg"];
        assert!(se / m <= 0.01);
    }

    #[test]
    fn a_timed_point_is_measured_through_the_experiment_layer() {
        let d = SweepDesign {
            delay: DelayKind::Unit,
            ..SweepDesign::default()
        };
        let p = d.point(Repr::Twos, 3, 3, 16, Dist::Uniform).unwrap();
        let conv = Convergence {
            chunk_cycles: 500,
            min_chunks: 2,
            max_chunks: 2,
            target_rel_se: 1.0,
        };
        let unit = measure(&p, &conv).unwrap();
        let zero = measure(
            &SweepPoint {
                delay: DelayKind::Zero,
                ..p.clone()
            },
            &conv,
        )
        .unwrap();
        assert_eq!(unit.provenance.delay, "unit");
        let mult = |m: &Measurement| m.observation.fj_per_op["multiplier"];
        assert!(
            mult(&unit) > mult(&zero),
            "glitches cost energy: unit {} vs zero {}",
            mult(&unit),
            mult(&zero)
        );
    }

    #[test]
    fn glitch_factors_cover_every_architecture_and_are_one_at_zero_delay() {
        let rows = glitch_factors(&SweepDesign::default(), 200).unwrap();
        use crate::circuits::{AdderArch, MultArch};
        // Every architecture an 8×8 two's complement MAC can be built with, three delays.
        let buildable = MultArch::ALL
            .iter()
            .filter(|&&m| {
                MacSpec {
                    mult: m,
                    ..MacSpec::default()
                }
                .validate()
                .is_ok()
            })
            .count();
        assert_eq!(rows.len(), 3 * (buildable + AdderArch::ALL.len()));
        for r in &rows {
            assert!(r.fj_per_op > 0.0, "{r:?}");
            if r.delay == "zero" {
                assert_eq!(r.glitch_factor, 1.0, "{r:?}");
            }
        }
        let dadda_unit = rows
            .iter()
            .find(|r| r.unit == "multiplier" && r.arch == "dadda" && r.delay == "unit")
            .unwrap();
        assert!(
            dadda_unit.glitch_factor > 1.0,
            "a Dadda tree glitches under unit delay: {dadda_unit:?}"
        );
    }

    #[test]
    fn sweep_rows_come_back_in_point_order() {
        let d = SweepDesign::default();
        let pts: Vec<SweepPoint> = (2..=6)
            .filter_map(|b| d.point(Repr::Twos, b, b, 32, Dist::Uniform))
            .collect();
        let conv = Convergence {
            chunk_cycles: 500,
            min_chunks: 2,
            max_chunks: 2,
            target_rel_se: 1.0,
        };
        let rows = run_sweep(&pts, |p| measure(p, &conv), &|_, _| {}).unwrap();
        let widths: Vec<u32> = rows.iter().map(|r| r.point.spec.bx).collect();
        assert_eq!(widths, vec![2, 3, 4, 5, 6]);
        assert!(rows.iter().all(|r| r.measurement.cycles == 1000));
    }
}
