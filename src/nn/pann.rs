//! PANN (power-aware neural network) post-training quantization and inference: every
//! multiplication `x·q` is replaced by `|q|` additions of the unsigned activation code `x`
//! into a positive (`q > 0`) or negative (`q < 0`) unsigned `B`-bit accumulator, and
//! `y = Δw·Δx·(S⁺ − S⁻) + bias`. `R` = mean `|q|` = additions per weight is the power knob.
//!
//! Choices (each one a field of [`PannConfig`], reported in every [`PannReport`]):
//! - **Weights**: `q = round(w/Δw)`, **no clipping**. `Δw` per layer (default) or per output
//!   channel, chosen by [`pann_step`]: start at `mean|w|/R`, bracket, then bisect on `Δw` until
//!   `|mean|q| − R| ≤ R_REL_TOLERANCE·R`; the `R` actually reached is reported per layer.
//! - **Activations**: unsigned `b̃x`-bit codes, one step per tensor, calibrated on training
//!   images by the existing quantizers ([`super::quant::clip_activations`] through
//!   [`QuantNet::build`], min-max by default); the first layer's input is the raw pixel with the
//!   normalisation folded exactly (see [`super::qnet`]).
//! - **Biases** stay float32, optionally corrected for each layer's mean weight-quantization
//!   error (`bias_correction`, input means from the calibration images). The networks here have no batch norm; a network that has one
//!   folds it first with [`super::model::fold_batch_norm`].
//! - **First / last layer** ([`EdgeTreatment`]): by default kept as 8-bit uniform MAC layers
//!   (weights and inputs 8 bits, per-channel min-max, as [`QuantConfig`]'s `first_bits` /
//!   `last_bits` do for integer inference); `EdgeTreatment::Pann` quantizes them with PANN too.
//!   Reported additions count PANN layers only; uniform layers report their MACs.
//! - **Integer types**: weight codes `i16` (build fails if some `|q| > i16::MAX`); activation
//!   codes `0..=255` in `i16`; exact partial sums `Σ x·q±` in `i32` (build fails unless
//!   `(2^b̃x − 1)·max_o Σ_t |q[o,t]| < 2^31`, so they never overflow); registers `S±` are
//!   `i64` values wrapped to `B ≤ 63` bits.
//! - **Accumulators**: `S±` wrap mod 2^B exactly as hardware; the output word is
//!   `(S⁺ − S⁻) mod 2^B` read as two's complement, as [`super::mac::accumulate_unsigned`].
//!   Overflow is reported as outputs whose word differs from the exact `S⁺ − S⁻`
//!   (`overflowed_outputs`, the same for both forms) and as wrap events: the fast path counts
//!   MAC steps (`x·|q|` added at once) that wrapped, the slow twin counts single additions that
//!   wrapped (`⌊S±/2^B⌋` per register, since an unsigned register only grows); the two counts
//!   are equal whenever every `x·|q| < 2^B`.
//!
//! Fast path: the bit-exact unsigned-split inference of [`QuantNet`] with the PANN codes
//! installed (`S⁺ = Σ x·q⁺` by multiplication). Slow twin: [`PannNet::reference_accumulators`]
//! performs every single addition. [`PannNet::addition_stream`] gives the addition sequence of
//! one output, in tap order `c, kh, kw`, each tap's `x` repeated `|q|` times (output-stationary).

use super::error::{NnError, Result};
use super::float;
use super::idx::{Dataset, DatasetId, Split};
use super::mac::{wrap_signed, Repr};
use super::model::{Layer, ModelId, Network};
use super::qnet::{calibration_slice, shuffled_slice, LayerCounts, QLayer, QuantNet};
use super::quant::{amax, Granularity, QuantConfig, Quantizer};
use std::path::Path;

/// Relative tolerance of the reached `R`: the bisection stops when
/// `|mean|q| − R| ≤ R_REL_TOLERANCE · R` (a layer that cannot get that close, e.g. one with
/// very few weights per channel, reports the closest value found).
pub const R_REL_TOLERANCE: f64 = 0.005;

/// Bisection steps on `Δw` at most.
const MAX_BISECTIONS: u32 = 100;

/// How the first or the last MAC layer is quantized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum EdgeTreatment {
    /// Uniform `bits`-bit weights and inputs (per-channel min-max weights), a MAC layer.
    Uniform {
        /// Weight and input bits (2..=8).
        bits: u32,
    },
    /// PANN like the inner layers.
    Pann,
}

impl EdgeTreatment {
    /// Short name: `uniform8`, `pann`.
    pub fn name(self) -> String {
        match self {
            Self::Uniform { bits } => format!("uniform{bits}"),
            Self::Pann => "pann".into(),
        }
    }
}

/// The post-training choices a power–accuracy curve can vary: PANN's Δw granularity, the
/// activation clipping rule and bias correction (the last two apply to the uniform networks
/// too, so every method gets the same calibration).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PtqOptions {
    /// PANN Δw per layer or per output channel.
    pub granularity: Granularity,
    /// Activation clipping rule.
    pub act_quantizer: Quantizer,
    /// Bias correction.
    pub bias_correction: bool,
}

impl Default for PtqOptions {
    fn default() -> Self {
        PtqOptions {
            granularity: Granularity::PerTensor,
            act_quantizer: Quantizer::MinMax,
            bias_correction: false,
        }
    }
}

impl PtqOptions {
    /// Short name, e.g. `dw=per-tensor act=minmax bias-corr=no`.
    pub fn name(&self) -> String {
        format!(
            "dw={} act={} bias-corr={}",
            self.granularity.name(),
            self.act_quantizer.name(),
            if self.bias_correction { "yes" } else { "no" }
        )
    }
}

/// Everything that defines a PANN evaluation. Defaults: ccexam-cnn on MNIST, R = 4,
/// b̃x = 8, B = 32, per-layer Δw, min-max activations, 512 calibration images with seed 0,
/// first and last layer 8-bit uniform, all test images, stream statistics on 16 images.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PannConfig {
    /// Network.
    #[serde(skip)]
    pub model: ModelId,
    /// Dataset (test split evaluated, training split calibrates).
    #[serde(skip)]
    pub dataset: DatasetId,
    /// Target additions per weight, mean `|q|` (> 0; need not be an integer).
    pub r: f64,
    /// Activation bits b̃x of PANN layers (2..=8).
    pub act_bits: u32,
    /// Accumulator width B (8..=63).
    pub acc_bits: u32,
    /// Δw per layer (`PerTensor`) or per output channel.
    pub granularity: Granularity,
    /// Activation clipping rule.
    pub act_quantizer: Quantizer,
    /// Correct every layer's biases for its mean weight-quantization error (PANN layers for
    /// their PANN codes), input means from the calibration images.
    pub bias_correction: bool,
    /// Calibration images from the training split.
    pub calib_size: usize,
    /// Seed choosing the calibration (and held-out) images.
    pub seed: u64,
    /// First MAC layer.
    pub first: EdgeTreatment,
    /// Last MAC layer.
    pub last: EdgeTreatment,
    /// Evaluate only the first `n` test images.
    pub limit: Option<usize>,
    /// Images (the first ones evaluated) whose addition streams give the stream statistics.
    pub stats_images: usize,
}

impl Default for PannConfig {
    fn default() -> Self {
        PannConfig {
            model: ModelId::CcexamCnn,
            dataset: DatasetId::Mnist,
            r: 4.0,
            act_bits: 8,
            acc_bits: 32,
            granularity: Granularity::PerTensor,
            act_quantizer: Quantizer::MinMax,
            bias_correction: false,
            calib_size: 512,
            seed: 0,
            first: EdgeTreatment::Uniform { bits: 8 },
            last: EdgeTreatment::Uniform { bits: 8 },
            limit: None,
            stats_images: 16,
        }
    }
}

impl PannConfig {
    /// Check ranges once; downstream code trusts them.
    pub fn validate(&self) -> Result<()> {
        if !(self.r.is_finite() && self.r > 0.0) {
            return Err(NnError::InvalidConfig {
                field: "r",
                value: self.r.to_string(),
                why: "must be a positive number of additions per weight".into(),
            });
        }
        self.quant_config().validate()
    }

    /// The integer-network configuration the PANN network is built on: activations and
    /// edge layers from it, inner weights replaced by PANN codes, unsigned split accumulators.
    pub fn quant_config(&self) -> QuantConfig {
        let edge = |e: EdgeTreatment| match e {
            EdgeTreatment::Uniform { bits } => bits,
            EdgeTreatment::Pann => self.act_bits,
        };
        QuantConfig {
            wbits: 8,
            abits: self.act_bits,
            first_bits: edge(self.first),
            last_bits: edge(self.last),
            quantizer: self.act_quantizer,
            granularity: Granularity::PerChannel,
            repr: Repr::Unsigned,
            acc_bits: self.acc_bits,
            bias_correction: self.bias_correction,
            calib_size: self.calib_size,
            seed: self.seed,
        }
    }
}

/// Mean `|round(w/Δ)|` over `w` (the additions per weight a step `Δ` gives).
pub fn mean_abs_code(w: &[f32], delta: f32) -> f64 {
    let s: f64 = w.iter().map(|&v| (v / delta).round().abs() as f64).sum();
    s / w.len().max(1) as f64
}

/// A PANN weight step and the `R` it reaches.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PannStep {
    /// Step Δw (network units per code).
    pub delta: f32,
    /// Mean `|round(w/Δw)|` actually reached.
    pub r_reached: f64,
    /// Bisection steps taken.
    pub bisections: u32,
}

/// The step `Δw` whose codes `round(w/Δw)` have mean magnitude `r`: start at `mean|w|/r`,
/// bracket by doubling / halving, bisect until within [`R_REL_TOLERANCE`]; returns the
/// closest step seen. (`mean|q|` is a non-increasing step function of `Δw`.)
pub fn pann_step(w: &[f32], r: f64) -> PannStep {
    let mean = w.iter().map(|v| v.abs() as f64).sum::<f64>() / w.len().max(1) as f64;
    if mean == 0.0 {
        return PannStep {
            delta: 1.0,
            r_reached: 0.0,
            bisections: 0,
        };
    }
    let f = |d: f64| mean_abs_code(w, d as f32);
    let tol = R_REL_TOLERANCE * r;
    let d0 = mean / r;
    let mut best = (d0, f(d0));
    let consider = |best: &mut (f64, f64), d: f64, v: f64| {
        if (v - r).abs() < (best.1 - r).abs() {
            *best = (d, v);
        }
    };
    let (mut lo, mut hi) = (d0, d0);
    while f(lo) < r && lo > f64::MIN_POSITIVE {
        lo /= 2.0;
        consider(&mut best, lo, f(lo));
    }
    while f(hi) > r {
        hi *= 2.0;
        consider(&mut best, hi, f(hi));
    }
    let mut bisections = 0;
    while (best.1 - r).abs() > tol && bisections < MAX_BISECTIONS {
        let mid = 0.5 * (lo + hi);
        let v = f(mid);
        consider(&mut best, mid, v);
        if v > r {
            lo = mid;
        } else {
            hi = mid;
        }
        bisections += 1;
    }
    PannStep {
        delta: best.0 as f32,
        r_reached: best.1,
        bisections,
    }
}

/// What the PANN quantizer did to one MAC layer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PannLayerInfo {
    /// Layer name.
    pub layer: String,
    /// `pann` or `uniform<b>`.
    pub treatment: String,
    /// Target R (PANN layers only).
    pub r_target: Option<f64>,
    /// Mean `|q|` over the layer's weights (PANN or not).
    pub r_reached: f64,
    /// Whether `|r_reached − R| ≤ R_REL_TOLERANCE·R` (true for uniform layers).
    pub within_tolerance: bool,
    /// Weight steps Δw, one per output channel (equal entries when per layer).
    pub delta_w: Vec<f32>,
    /// Largest `|q|`.
    pub max_abs_q: u32,
    /// Additions per image: `Σ_o Σ_t |q[o,t]| · positions` (zero weights cost nothing);
    /// 0 for a uniform layer, which runs as MACs.
    pub additions_per_image: u64,
    /// MACs per image: `out_c · positions · k_len`.
    pub macs_per_image: u64,
}

/// One addition into a PANN accumulator: `x` into S⁻ if `negative`, else into S⁺.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Addition {
    /// Unsigned activation code.
    pub x: u16,
    /// Goes into the negative accumulator.
    pub negative: bool,
}

/// The additions of one output: for each tap `t` in order, `|q_t|` times `(x_t, q_t < 0)`.
fn additions<'a>(row: &'a [i16], weights: &'a [i16]) -> impl Iterator<Item = Addition> + 'a {
    row.iter().zip(weights).flat_map(|(&x, &w)| {
        let a = Addition {
            x: x as u16,
            negative: w < 0,
        };
        std::iter::repeat_n(a, w.unsigned_abs() as usize)
    })
}

/// Addition-stream statistics (the data condition an adder-energy model needs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StreamStats {
    /// Additions performed.
    pub additions: u64,
    /// Additions whose `x` is 0.
    pub zero_x_additions: u64,
    /// Pairs of consecutive additions within one output's stream.
    pub transitions: u64,
    /// Sum over those pairs of `popcount(x_prev ^ x_next)` (toggles of a shared x bus).
    pub x_toggles: u64,
}

impl StreamStats {
    /// Account for the additions of one output (same result as walking [`additions`], but per
    /// tap: repeated `x` codes toggle nothing).
    fn add_output(&mut self, row: &[i16], weights: &[i16]) {
        let mut prev: Option<i16> = None;
        for (&x, &w) in row.iter().zip(weights) {
            let n = w.unsigned_abs() as u64;
            if n == 0 {
                continue;
            }
            self.additions += n;
            self.zero_x_additions += n * u64::from(x == 0);
            self.transitions += n - 1;
            if let Some(p) = prev {
                self.transitions += 1;
                self.x_toggles += (p ^ x).count_ones() as u64;
            }
            prev = Some(x);
        }
    }
    fn merge(&mut self, o: &StreamStats) {
        self.additions += o.additions;
        self.zero_x_additions += o.zero_x_additions;
        self.transitions += o.transitions;
        self.x_toggles += o.x_toggles;
    }
    /// Fraction of additions that add a zero code.
    pub fn zero_fraction(&self) -> f64 {
        self.zero_x_additions as f64 / self.additions.max(1) as f64
    }
    /// Mean toggles of the x bus between consecutive additions.
    pub fn toggles_per_transition(&self) -> f64 {
        self.x_toggles as f64 / self.transitions.max(1) as f64
    }
}

/// What the slow twin computes for one layer and image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceOutcome {
    /// Words `(S⁺ − S⁻) mod 2^B` (two's complement), `[o·positions + p]`.
    pub words: Vec<i64>,
    /// Single additions after which a register wrapped.
    pub addition_wraps: u64,
    /// Outputs whose word differs from the exact `S⁺ − S⁻`.
    pub overflowed_outputs: u64,
}

/// A PANN integer network: a [`QuantNet`] (unsigned split, B-bit registers) whose PANN layers
/// carry unclipped codes `round(w/Δw)`.
#[derive(Debug, Clone)]
pub struct PannNet {
    /// The integer network doing the inference.
    pub q: QuantNet,
    /// Configuration it was built with.
    pub cfg: PannConfig,
    /// One entry per MAC layer.
    pub layers: Vec<PannLayerInfo>,
}

fn float_weights(net: &Network, li: usize) -> &[f32] {
    match &net.layers[li] {
        Layer::Conv(c) => &c.weight,
        Layer::Linear(l) => &l.weight,
        _ => unreachable!("only MAC layers are quantized"),
    }
}

/// PANN codes and steps of one layer's weights `[out_c, k]`.
fn pann_codes(w: &[f32], k: usize, r: f64, g: Granularity) -> (Vec<i32>, Vec<f32>) {
    let steps: Vec<f32> = match g {
        Granularity::PerTensor => vec![pann_step(w, r).delta; w.len() / k],
        Granularity::PerChannel => w.chunks_exact(k).map(|c| pann_step(c, r).delta).collect(),
    };
    let codes = w
        .iter()
        .enumerate()
        .map(|(i, &v)| (v / steps[i / k]).round() as i32)
        .collect();
    (codes, steps)
}

impl PannNet {
    /// Quantize `net` with PANN, calibrating activation ranges on `calib`.
    pub fn build(net: &Network, cfg: &PannConfig, calib: &Dataset) -> Result<PannNet> {
        cfg.validate()?;
        let mut q = QuantNet::build(net, &cfg.quant_config(), calib)?;
        let inputs = cfg
            .bias_correction
            .then(|| super::qnet::calibration_inputs(net, calib));
        let last = q.layers.len() - 1;
        let mut layers = Vec::with_capacity(q.layers.len());
        for (m, l) in q.layers.iter_mut().enumerate() {
            let treatment = match m {
                0 => cfg.first,
                _ if m == last => cfg.last,
                _ => EdgeTreatment::Pann,
            };
            if treatment == EdgeTreatment::Pann {
                let k = l.geom.k_len();
                let (codes, steps) =
                    pann_codes(float_weights(net, l.layer_index), k, cfg.r, cfg.granularity);
                check_ranges(l, &codes, k)?;
                l.set_weight_codes(net, codes.iter().map(|&c| c as i16).collect(), steps);
                if let Some(inputs) = &inputs {
                    let bias = match &net.layers[l.layer_index] {
                        Layer::Conv(c) => &c.bias,
                        Layer::Linear(f) => &f.bias,
                        _ => unreachable!("only MAC layers are quantized"),
                    };
                    l.bias = super::qnet::corrected_bias(
                        bias,
                        float_weights(net, l.layer_index),
                        &l.w_q,
                        &l.w_scale,
                        l.geom,
                        &inputs[l.layer_index],
                    );
                }
            }
            layers.push(layer_info(l, treatment, cfg.r));
        }
        Ok(PannNet {
            q,
            cfg: cfg.clone(),
            layers,
        })
    }

    /// Logits of one image (fast path), adding each layer's counters into `counts`.
    pub fn forward(&self, pixels: &[u8], counts: &mut [LayerCounts]) -> Vec<f32> {
        self.q.forward(pixels, counts)
    }

    /// Logits and every accumulator word `(S⁺ − S⁻) mod 2^B` of every layer (fast path).
    pub fn forward_traced(&self, pixels: &[u8]) -> (Vec<f32>, Vec<Vec<i64>>) {
        self.q.forward_traced(pixels)
    }

    /// Predictions and per-layer counters over a dataset (parallel; deterministic).
    pub fn predict(&self, ds: &Dataset) -> (Vec<usize>, Vec<LayerCounts>) {
        self.q.predict(ds)
    }

    /// Slow reference twin of MAC layer `m` on its input codes: every addition of
    /// [`PannNet::addition_stream`] performed one at a time into unsigned `B`-bit registers
    /// that wrap mod 2^B.
    pub fn reference_accumulators(&self, m: usize, codes: &[i16]) -> ReferenceOutcome {
        let l = &self.q.layers[m];
        let (p, k) = (l.geom.positions(), l.geom.k_len());
        let b = self.cfg.acc_bits;
        let modulus = 1i64 << b;
        let patches = l.geom.patches(codes);
        let mut r = ReferenceOutcome {
            words: Vec::with_capacity(l.out_c * p),
            ..ReferenceOutcome::default()
        };
        for o in 0..l.out_c {
            for row in patches.chunks_exact(k) {
                let (mut pos, mut neg, mut exact) = (0i64, 0i64, 0i64);
                for a in additions(row, l.weights(o)) {
                    let reg = if a.negative { &mut neg } else { &mut pos };
                    *reg += a.x as i64;
                    if *reg >= modulus {
                        *reg -= modulus;
                        r.addition_wraps += 1;
                    }
                    exact += if a.negative {
                        -(a.x as i64)
                    } else {
                        a.x as i64
                    };
                }
                let word = wrap_signed(pos - neg, b);
                r.overflowed_outputs += u64::from(word != exact);
                r.words.push(word);
            }
        }
        r
    }

    /// The additions one PANN accumulator pair sees for output channel `o` at output position
    /// `pos` of MAC layer `layer` on one image: taps in order `c, kh, kw`, each tap's input
    /// code repeated `|q|` times, routed to S⁻ when `q < 0`. Accumulating it from 0 gives the
    /// inference's accumulator word for `(o, pos)`.
    pub fn addition_stream(
        &self,
        pixels: &[u8],
        layer: &str,
        o: usize,
        pos: usize,
    ) -> Result<Vec<Addition>> {
        let m = self.q.mac_index(layer)?;
        let l = &self.q.layers[m];
        let (p, k) = (l.geom.positions(), l.geom.k_len());
        if o >= l.out_c || pos >= p {
            return Err(NnError::InvalidConfig {
                field: "output",
                value: format!("({o}, {pos})"),
                why: format!("{layer} has {} channels × {p} positions", l.out_c),
            });
        }
        let patches = l.geom.patches(&self.q.input_codes(pixels, m));
        Ok(additions(&patches[pos * k..(pos + 1) * k], l.weights(o)).collect())
    }

    /// Addition-stream statistics of every MAC layer over `images`.
    pub fn stream_stats(&self, images: &Dataset) -> Vec<StreamStats> {
        use rayon::prelude::*;
        let per: Vec<Vec<StreamStats>> = (0..images.len())
            .into_par_iter()
            .map(|i| {
                (0..self.q.layers.len())
                    .map(|m| self.layer_stats(m, &self.q.input_codes(images.image(i), m)))
                    .collect()
            })
            .collect();
        let mut total = vec![StreamStats::default(); self.q.layers.len()];
        for v in &per {
            total.iter_mut().zip(v).for_each(|(t, s)| t.merge(s));
        }
        total
    }

    fn layer_stats(&self, m: usize, codes: &[i16]) -> StreamStats {
        let l = &self.q.layers[m];
        let k = l.geom.k_len();
        let patches = l.geom.patches(codes);
        let mut s = StreamStats::default();
        for o in 0..l.out_c {
            for row in patches.chunks_exact(k) {
                s.add_output(row, l.weights(o));
            }
        }
        s
    }

    /// Top-1 accuracy, additions, overflow and stream statistics on `ds` (`split` names it
    /// in the report: `test`, `held-out`).
    pub fn evaluate(&self, ds: &Dataset, split: &str) -> PannReport {
        let (pred, counts) = self.predict(ds);
        let correct = float::count_correct(&pred, ds);
        let stats = self.stream_stats(&ds.head(self.cfg.stats_images));
        let layers: Vec<PannLayerReport> = self
            .layers
            .iter()
            .zip(&self.q.layers)
            .zip(counts.iter().zip(&stats))
            .map(|((info, l), (c, s))| PannLayerReport {
                info: info.clone(),
                w_bits: l.w_bits,
                x_bits: l.x_bits,
                wrap_events: c.wrap_events,
                overflowed_outputs: c.overflowed_outputs,
                zero_x_fraction: s.zero_fraction(),
                x_toggles_per_addition: s.toggles_per_transition(),
            })
            .collect();
        let pann = |l: &&PannLayerReport| l.info.r_target.is_some();
        PannReport {
            model: self.cfg.model.name().into(),
            dataset: ds.name.clone(),
            split: split.into(),
            config: self.cfg.clone(),
            images: ds.len(),
            correct,
            top1: 100.0 * correct as f64 / ds.len().max(1) as f64,
            additions_per_image: layers
                .iter()
                .filter(pann)
                .map(|l| l.info.additions_per_image)
                .sum(),
            uniform_macs_per_image: layers
                .iter()
                .filter(|l| !pann(l))
                .map(|l| l.info.macs_per_image)
                .sum(),
            stats_images: ds.len().min(self.cfg.stats_images),
            layers,
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Fail (bad R for these weights) unless codes fit `i16` and exact partial sums fit `i32`.
fn check_ranges(l: &QLayer, codes: &[i32], k: usize) -> Result<()> {
    let max = codes.iter().map(|c| c.unsigned_abs()).max().unwrap_or(0);
    let max_row: i64 = codes
        .chunks_exact(k)
        .map(|r| r.iter().map(|&c| c.unsigned_abs() as i64).sum())
        .max()
        .unwrap_or(0);
    let bound = amax(l.x_bits) as i64 * max_row;
    if max > i16::MAX as u32 || bound >= 1 << 31 {
        return Err(NnError::InvalidConfig {
            field: "r",
            value: format!("{} (layer {})", max, l.name),
            why: format!(
                "codes must fit i16 and x_max·Σ|q| per output ({bound}) must fit i32; lower R"
            ),
        });
    }
    Ok(())
}

fn layer_info(l: &QLayer, t: EdgeTreatment, r: f64) -> PannLayerInfo {
    let abs_sum: u64 = l.w_q.iter().map(|w| w.unsigned_abs() as u64).sum();
    let r_reached = abs_sum as f64 / l.w_q.len().max(1) as f64;
    let pann = t == EdgeTreatment::Pann;
    PannLayerInfo {
        layer: l.name.clone(),
        treatment: t.name(),
        r_target: pann.then_some(r),
        r_reached,
        within_tolerance: !pann || (r_reached - r).abs() <= R_REL_TOLERANCE * r,
        delta_w: l.w_scale.clone(),
        max_abs_q: l
            .w_q
            .iter()
            .map(|w| w.unsigned_abs() as u32)
            .max()
            .unwrap_or(0),
        additions_per_image: if pann {
            abs_sum * l.geom.positions() as u64
        } else {
            0
        },
        macs_per_image: l.macs_per_image(),
    }
}

/// Per-layer part of a [`PannReport`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct PannLayerReport {
    /// What the quantizer did (R reached, Δw, additions per image).
    #[serde(flatten)]
    pub info: PannLayerInfo,
    /// Signed bits that hold every weight code.
    pub w_bits: u32,
    /// Input activation bits.
    pub x_bits: u32,
    /// MAC steps (`x·|q|` at once) after which a register wrapped, over all evaluated images.
    pub wrap_events: u64,
    /// Outputs whose word differs from the exact `S⁺ − S⁻`.
    pub overflowed_outputs: u64,
    /// Fraction of additions adding a zero code (over the stream-statistics images; for a
    /// uniform layer, of the additions it would take as a PANN layer with the same codes).
    pub zero_x_fraction: f64,
    /// Mean x-bus toggles between consecutive additions of one output.
    pub x_toggles_per_addition: f64,
}

/// Result of one PANN evaluation, with the configuration that produced it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PannReport {
    /// Model name.
    pub model: String,
    /// Dataset (and slice) name.
    pub dataset: String,
    /// `test` or `held-out`.
    pub split: String,
    /// Configuration.
    pub config: PannConfig,
    /// Images evaluated.
    pub images: usize,
    /// Correct top-1 predictions.
    pub correct: usize,
    /// Top-1 accuracy in percent.
    pub top1: f64,
    /// Additions per image over the PANN layers.
    pub additions_per_image: u64,
    /// MACs per image over the uniform (edge) layers.
    pub uniform_macs_per_image: u64,
    /// Images whose streams gave the stream statistics.
    pub stats_images: usize,
    /// Per MAC layer.
    pub layers: Vec<PannLayerReport>,
    /// `pann` version.
    pub version: String,
}

/// Column names of [`PannReport::csv_rows`] (one row per MAC layer, tidy).
pub const CSV_COLUMNS: [&str; 33] = [
    "model",
    "dataset",
    "split",
    "r",
    "act_bits",
    "acc_bits",
    "granularity",
    "act_quantizer",
    "calib_size",
    "seed",
    "first",
    "last",
    "images",
    "correct",
    "top1",
    "additions_per_image",
    "uniform_macs_per_image",
    "stats_images",
    "layer",
    "treatment",
    "r_target",
    "r_reached",
    "within_tolerance",
    "max_abs_q",
    "w_bits",
    "x_bits",
    "layer_additions_per_image",
    "layer_macs_per_image",
    "wrap_events",
    "overflowed_outputs",
    "zero_x_fraction",
    "x_toggles_per_addition",
    "version",
];

impl PannReport {
    /// One CSV row per MAC layer ([`CSV_COLUMNS`]), each carrying the configuration.
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        let c = &self.config;
        let head = [
            self.model.clone(),
            self.dataset.clone(),
            self.split.clone(),
            c.r.to_string(),
            c.act_bits.to_string(),
            c.acc_bits.to_string(),
            c.granularity.name().into(),
            c.act_quantizer.name().into(),
            c.calib_size.to_string(),
            c.seed.to_string(),
            c.first.name(),
            c.last.name(),
            self.images.to_string(),
            self.correct.to_string(),
            format!("{:.2}", self.top1),
            self.additions_per_image.to_string(),
            self.uniform_macs_per_image.to_string(),
            self.stats_images.to_string(),
        ];
        self.layers
            .iter()
            .map(|l| {
                let mut row = head.to_vec();
                row.extend([
                    l.info.layer.clone(),
                    l.info.treatment.clone(),
                    l.info.r_target.map_or(String::new(), |r| r.to_string()),
                    format!("{:.4}", l.info.r_reached),
                    l.info.within_tolerance.to_string(),
                    l.info.max_abs_q.to_string(),
                    l.w_bits.to_string(),
                    l.x_bits.to_string(),
                    l.info.additions_per_image.to_string(),
                    l.info.macs_per_image.to_string(),
                    l.wrap_events.to_string(),
                    l.overflowed_outputs.to_string(),
                    format!("{:.4}", l.zero_x_fraction),
                    format!("{:.4}", l.x_toggles_per_addition),
                    self.version.clone(),
                ]);
                debug_assert_eq!(row.len(), CSV_COLUMNS.len());
                row
            })
            .collect()
    }

    /// Human-readable table.
    pub fn table(&self) -> String {
        let c = &self.config;
        let mut s = format!(
            "{} on {} ({}, {} images): PANN R={} b̃x={} B={} {} Δw, first {}, last {}, \
             calibration {} images seed {}\ntop-1 {:.2} % ({} / {}); additions/image {} \
             (PANN layers) + {} MACs/image (uniform layers)\n",
            self.model,
            self.dataset,
            self.split,
            self.images,
            c.r,
            c.act_bits,
            c.acc_bits,
            c.granularity.name(),
            c.first.name(),
            c.last.name(),
            c.calib_size,
            c.seed,
            self.top1,
            self.correct,
            self.images,
            self.additions_per_image,
            self.uniform_macs_per_image
        );
        s += &format!(
            "{:<6} {:>9} {:>8} {:>6} {:>6} {:>12} {:>10} {:>8} {:>7} {:>8}\n",
            "layer",
            "treatment",
            "R",
            "max|q|",
            "x_bits",
            "adds/image",
            "MACs/image",
            "wraps",
            "zero_x",
            "toggles"
        );
        for l in &self.layers {
            s += &format!(
                "{:<6} {:>9} {:>8.3} {:>6} {:>6} {:>12} {:>10} {:>8} {:>7.3} {:>8.3}\n",
                l.info.layer,
                l.info.treatment,
                l.info.r_reached,
                l.info.max_abs_q,
                l.x_bits,
                l.info.additions_per_image,
                l.info.macs_per_image,
                l.wrap_events,
                l.zero_x_fraction,
                l.x_toggles_per_addition
            );
        }
        s
    }
}

/// Network, training split and calibrated PANN network for `cfg`.
pub fn prepare(data_dir: &Path, cfg: &PannConfig) -> Result<(PannNet, Dataset)> {
    cfg.validate()?;
    let net = cfg.model.load(data_dir, cfg.dataset)?;
    let train = cfg.dataset.load(data_dir, Split::Train)?;
    let calib = calibration_slice(&train, cfg.calib_size, cfg.seed);
    Ok((PannNet::build(&net, cfg, &calib)?, train))
}

/// Evaluate PANN on the test split (first `cfg.limit` images).
pub fn evaluate_pann(data_dir: &Path, cfg: &PannConfig) -> Result<PannReport> {
    let (p, _) = prepare(data_dir, cfg)?;
    let mut test = cfg.dataset.load(data_dir, Split::Test)?;
    if let Some(n) = cfg.limit {
        test = test.head(n);
    }
    Ok(p.evaluate(&test, "test"))
}

/// Held-out calibration split: `n` training images disjoint from the calibration images
/// (the next `n` of the same seeded shuffle), for choosing b̃x and R without the test set.
pub fn heldout_split(train: &Dataset, cfg: &PannConfig, n: usize) -> Dataset {
    shuffled_slice(train, cfg.calib_size, n, cfg.seed)
}

/// Evaluate PANN on the held-out calibration split of `n` training images.
pub fn calibration_accuracy(data_dir: &Path, cfg: &PannConfig, n: usize) -> Result<PannReport> {
    let (p, train) = prepare(data_dir, cfg)?;
    Ok(p.evaluate(&heldout_split(&train, cfg, n), "held-out"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mac::accumulate_unsigned;
    use proptest::prelude::*;

    fn laplace_like(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let u = ((i as f32 + 0.5) / n as f32) * 2.0 - 1.0;
                -u.signum() * 0.05 * (1.0 - u.abs()).ln()
            })
            .collect()
    }

    #[test]
    fn bisection_makes_mean_abs_code_equal_r_within_tolerance() {
        let w = laplace_like(4096);
        for r in [0.5, 1.0, 2.0, 3.3, 4.0, 8.0, 16.0, 64.0] {
            let s = pann_step(&w, r);
            assert!((s.r_reached - r).abs() <= R_REL_TOLERANCE * r, "{r}: {s:?}");
            assert_eq!(s.r_reached, mean_abs_code(&w, s.delta));
        }
    }

    #[test]
    fn pann_codes_are_not_clipped_to_eight_bits() {
        let mut w = laplace_like(1000);
        w[0] = 50.0;
        let (codes, steps) = pann_codes(&w, 1000, 16.0, Granularity::PerTensor);
        assert!(codes[0] > 127, "{}", codes[0]);
        assert_eq!(codes[0], (50.0 / steps[0]).round() as i32);
    }

    #[test]
    fn zero_weights_add_nothing_and_stats_match_the_stream() {
        let row = [3i16, 0, 5, 7, 0];
        let w = [2i16, -1, 0, -3, 1];
        let s: Vec<Addition> = additions(&row, &w).collect();
        assert_eq!(s.len(), 2 + 1 + 3 + 1);
        let mut st = StreamStats::default();
        st.add_output(&row, &w);
        assert_eq!(st.additions, s.len() as u64);
        assert_eq!(
            st.zero_x_additions,
            s.iter().filter(|a| a.x == 0).count() as u64
        );
        let toggles: u32 = s.windows(2).map(|p| (p[0].x ^ p[1].x).count_ones()).sum();
        assert_eq!(st.x_toggles, toggles as u64);
        assert_eq!(st.transitions, s.len() as u64 - 1);
    }

    proptest! {
        #[test]
        fn repeated_additions_wrap_like_the_mac_reference(
            xw in proptest::collection::vec((0i16..256, -40i16..41), 0..60),
            b in 8u32..14,
        ) {
            let (row, w): (Vec<i16>, Vec<i16>) = xw.into_iter().unzip();
            let modulus = 1i64 << b;
            let (mut pos, mut neg, mut wraps) = (0i64, 0i64, 0u64);
            for a in additions(&row, &w) {
                let reg = if a.negative { &mut neg } else { &mut pos };
                *reg += a.x as i64;
                if *reg >= modulus { *reg -= modulus; wraps += 1; }
            }
            let mac = accumulate_unsigned(row.iter().zip(&w).map(|(&x, &q)| (x as i64, q as i64)), b);
            prop_assert_eq!((pos, neg), (mac.pos, mac.neg));
            prop_assert_eq!(wrap_signed(pos - neg, b), mac.value);
            // An unsigned register only grows: it wraps ⌊S/2^B⌋ times in single additions;
            // a MAC step adding x·|q| ≥ 2^B can wrap more than once but counts one event.
            let sums = |neg: bool| -> i64 {
                row.iter().zip(&w).filter(|(_, &q)| (q < 0) == neg).map(|(&x, &q)| x as i64 * q.abs() as i64).sum()
            };
            prop_assert_eq!(wraps as i64, sums(false) / modulus + sums(true) / modulus);
            prop_assert!(wraps >= mac.wrap_events);
            if row.iter().zip(&w).all(|(&x, &q)| (x as i64) * (q.abs() as i64) < modulus) {
                prop_assert_eq!(wraps, mac.wrap_events);
            }
        }
    }
}
